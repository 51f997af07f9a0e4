import { describe, expect, it } from 'vitest';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/lrn.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// Window sizes odd and even (the window is [c - floor((size-1)/2), c + ceil((size-1)/2)]),
// larger than the channels, and size 1; channel counts that are not a multiple of 4.
const CASES: { shape: number[]; attrs: ref.LrnAttrs }[] = [
  { shape: [2, 7, 3, 5], attrs: { size: 5 } }, // AlexNet's form, default alpha/beta/bias
  { shape: [1, 9, 4, 3], attrs: { size: 5, alpha: 0.05, beta: 0.75, bias: 2 } }, // strong enough to matter
  { shape: [2, 6, 3, 3], attrs: { size: 4, alpha: 0.3, beta: 0.5, bias: 1 } }, // even size: asymmetric window
  { shape: [1, 3, 5, 2], attrs: { size: 7, alpha: 0.2, beta: 1.2, bias: 1.5 } }, // window wider than C
  { shape: [1, 5, 2, 2], attrs: { size: 1, alpha: 0.5, beta: 0.75, bias: 1 } },
  { shape: [3, 1, 3, 3], attrs: { size: 3, alpha: 0.4, beta: 0.75, bias: 1 } }, // one channel
];

describe('lrn reference', () => {
  it('matches values worked by hand', () => {
    // C = 3, one pixel, size 3: windows {0,1}, {0,1,2}, {1,2}; alpha/size = 1/3 when alpha = 1.
    const x = [1, 2, 3];
    const y = ref.lrn(x, [1, 3, 1, 1], { size: 3, alpha: 1, beta: 1, bias: 1 });
    expectClose(y, [1 / (1 + 5 / 3), 2 / (1 + 14 / 3), 3 / (1 + 13 / 3)], { rtol: 1e-12 });
    // Even size 2: lo = 0, hi = 1, so channel c sums {c, c + 1}.
    const even = ref.lrn(x, [1, 3, 1, 1], { size: 2, alpha: 2, beta: 0.5, bias: 1 });
    expectClose(even, [1 / Math.sqrt(1 + 5), 2 / Math.sqrt(1 + 13), 3 / Math.sqrt(1 + 9)], { rtol: 1e-12 });
  });

  it('backward matches finite differences', () => {
    for (const { shape, attrs } of CASES) {
      const x = randomArray(size(shape), 1, -2, 2);
      const dy = randomArray(size(shape), 2);
      const numeric = numericGradient((v) => ref.lrn(v, shape, attrs), x, dy);
      expectClose(ref.lrnBackward(x, dy, shape, attrs), numeric, { rtol: 1e-6, atol: 1e-9, label: JSON.stringify(attrs) });
    }
  });
});

describe('lrn', () => {
  it('matches the reference: odd and even windows, channels not a multiple of 4, batch > 1', async () => {
    const engine = await getEngine();
    for (const { shape, attrs } of CASES) {
      const x = randomArray(size(shape), 3, -3, 3);
      expectClose(await engine.ops.lrn(engine.tensor(x, shape), attrs).read(), ref.lrn(x, shape, attrs), { label: JSON.stringify(attrs) });
    }
  });

  it('matches the reference on AlexNet conv1 activations (96 x 55 x 55)', async () => {
    const engine = await getEngine();
    const shape = [1, 96, 55, 55];
    const x = randomArray(size(shape), 4, 0, 60); // ReLU outputs of the size AlexNet has
    const attrs = { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 };
    expectClose(await engine.ops.lrn(engine.tensor(x, shape), attrs).read(), ref.lrn(x, shape, attrs));
  });

  it('backward matches the reference', async () => {
    const engine = await getEngine();
    for (const { shape, attrs } of CASES) {
      const x = randomArray(size(shape), 5, -2, 2);
      const dy = randomArray(size(shape), 6);
      const dx = engine.grad.lrn(engine.tensor(x, shape), engine.tensor(dy, shape), attrs);
      expectClose(await dx.read(), ref.lrnBackward(x, dy, shape, attrs), { atol: 1e-6, label: JSON.stringify(attrs) });
    }
  });

  it('works on tensors larger than the binding limit (1 MiB here), in windows of images', async () => {
    const small = await createSmallEngine();
    try {
      const big = [5, 37, 41, 43]; // 0.26 MB per image, 1.3 MB in all
      const x = randomArray(size(big), 7, -2, 2);
      const dy = randomArray(size(big), 8);
      const attrs = { size: 5, alpha: 0.1, beta: 0.75, bias: 1 };
      const tx = small.tensor(x, big);
      expect(() => small.ops.relu(tx)).toThrow(/more than maxStorageBufferBindingSize/);
      expectClose((await small.ops.lrn(tx, attrs).read()) as Float32Array, ref.lrn(x, big, attrs));
      const dx = small.grad.lrn(tx, small.tensor(dy, big), attrs);
      expectClose((await dx.read()) as Float32Array, ref.lrnBackward(x, dy, big, attrs), { atol: 1e-6 });
    } finally {
      small.destroy();
    }
  });

  it('rejects bad inputs before any GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(24, 1), [1, 6, 2, 2]);
    expect(() => engine.ops.lrn(x, { size: 0 })).toThrow('lrn: size must be a positive integer, got 0');
    expect(() => engine.ops.lrn(x, { size: -3 })).toThrow('lrn: size must be a positive integer, got -3');
    expect(() => engine.ops.lrn(x, { size: 2.5 })).toThrow('lrn: size must be a positive integer, got 2.5');
    expect(() => engine.ops.lrn(x, { size: 5, bias: 0 })).toThrow('lrn: bias must be > 0');
    expect(() => engine.ops.lrn(x, { size: 5, alpha: Infinity })).toThrow('lrn: alpha Infinity, beta 0.75 and bias 1 must be finite numbers');
    expect(() => engine.ops.lrn(engine.tensor(randomArray(6, 1), [6, 1]), { size: 5 })).toThrow('lrn: x must have rank 4, got shape [6, 1]');
    expect(() => engine.grad.lrn(x, engine.tensor(randomArray(12, 1), [1, 3, 2, 2]), { size: 5 })).toThrow('lrn backward: x [1, 6, 2, 2] and dy [1, 3, 2, 2] must have the same shape');
  });
});
