import { describe, expect, it } from 'vitest';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/resize.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// [x shape, output size]: up, down, by integer and fractional factors, up in one axis and down
// in the other, large factors both ways (the backward's search range), sizes of 1, and 1 to 6
// planes (groups of 4 planes per thread, partly filled).
const CASES: [number[], [number, number]][] = [
  [[1, 1, 2, 2], [4, 4]],
  [[2, 3, 5, 7], [9, 13]],
  [[1, 2, 9, 8], [4, 3]],
  [[2, 1, 6, 5], [11, 2]],
  [[1, 5, 3, 3], [32, 29]],
  [[1, 3, 31, 30], [3, 4]],
  [[1, 2, 1, 7], [5, 1]],
  [[1, 6, 4, 4], [4, 4]],
];

describe('resizeBilinear reference', () => {
  it('matches ONNX half_pixel values worked by hand', () => {
    // ONNX's own test case (resize_upsample_scales_linear): 2x2 -> 4x4.
    const up = ref.resizeBilinear([1, 2, 3, 4], [1, 1, 2, 2], 4, 4);
    expectClose(up, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], { rtol: 1e-12 });
    // 1 x 4 -> 1 x 2: sources (0 + 0.5) * 2 - 0.5 = 0.5 and 2.5.
    expectClose(ref.resizeBilinear([1, 2, 3, 4], [1, 1, 1, 4], 1, 2), [1.5, 3.5], { rtol: 1e-12 });
    // Same size: the identity.
    expectClose(ref.resizeBilinear([5, 6, 7], [1, 1, 1, 3], 1, 3), [5, 6, 7], { rtol: 1e-12 });
  });

  it('backward matches finite differences', () => {
    for (const [shape, [h, w]] of CASES.slice(0, 5)) {
      const x = randomArray(size(shape), 1);
      const outShape = [shape[0], shape[1], h, w];
      const dy = randomArray(size(outShape), 2);
      const numeric = numericGradient((v) => ref.resizeBilinear(v, shape, h, w), x, dy);
      expectClose(ref.resizeBilinearBackward(dy, shape, h, w), numeric, { rtol: 1e-6, atol: 1e-9, label: `${shape} -> ${h}x${w}` });
    }
  });
});

describe('resizeBilinear', () => {
  it('matches the reference up and down, odd sizes, batch > 1', async () => {
    const engine = await getEngine();
    for (const [shape, [h, w]] of CASES) {
      const x = randomArray(size(shape), 3);
      const y = engine.ops.resizeBilinear(engine.tensor(x, shape), [h, w]);
      expect(y.shape).toEqual([shape[0], shape[1], h, w]);
      expectClose(await y.read(), ref.resizeBilinear(x, shape, h, w), { label: `${shape} -> ${h}x${w}` });
    }
  });

  it('matches the reference on an image-sized upsample (14 x 14 -> 224 x 224, 8 planes)', async () => {
    const engine = await getEngine();
    const shape = [2, 4, 14, 14];
    const x = randomArray(size(shape), 4);
    expectClose(await engine.ops.resizeBilinear(engine.tensor(x, shape), [224, 224]).read(), ref.resizeBilinear(x, shape, 224, 224));
    const dy = randomArray(2 * 4 * 224 * 224, 5);
    const dx = engine.grad.resizeBilinear(engine.tensor(dy, [2, 4, 224, 224]), shape);
    expectClose(await dx.read(), ref.resizeBilinearBackward(dy, shape, 224, 224), { atol: 1e-4 });
  });

  it('backward (a gather) matches the reference', async () => {
    const engine = await getEngine();
    for (const [shape, [h, w]] of CASES) {
      const dy = randomArray(shape[0] * shape[1] * h * w, 6);
      const dx = engine.grad.resizeBilinear(engine.tensor(dy, [shape[0], shape[1], h, w]), shape);
      expect(dx.shape).toEqual(shape);
      expectClose(await dx.read(), ref.resizeBilinearBackward(dy, shape, h, w), { atol: 1e-5, label: `${shape} -> ${h}x${w}` });
    }
  });

  it('works on tensors larger than the binding limit (1 MiB here), in chunks of planes', async () => {
    const small = await createSmallEngine();
    try {
      // 2 x 11 planes of 29 x 31 up to 113 x 127 (1.26 MB out) and back.
      const shape = [2, 11, 29, 31];
      const x = randomArray(size(shape), 7);
      const y = small.ops.resizeBilinear(small.tensor(x, shape), [113, 127]);
      expect(() => small.ops.relu(y)).toThrow(/more than maxStorageBufferBindingSize/);
      expectClose((await y.read()) as Float32Array, ref.resizeBilinear(x, shape, 113, 127));
      const dx = small.grad.resizeBilinear(y, shape);
      expectClose((await dx.read()) as Float32Array, ref.resizeBilinearBackward(ref.resizeBilinear(x, shape, 113, 127), shape, 113, 127), { atol: 1e-4 });
    } finally {
      small.destroy();
    }
  });

  it('rejects bad inputs before any GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(12, 1), [1, 1, 3, 4]);
    expect(() => engine.ops.resizeBilinear(x, [0, 4])).toThrow('resizeBilinear: size must be integers >= 1, got [0,4]');
    expect(() => engine.ops.resizeBilinear(x, [-2, 4])).toThrow('resizeBilinear: size must be integers >= 1, got [-2,4]');
    expect(() => engine.ops.resizeBilinear(x, [4] as unknown as [number, number])).toThrow('resizeBilinear: size must be an array of 2 integers, got [4]');
    expect(() => engine.ops.resizeBilinear(engine.tensor(randomArray(12, 1), [3, 4]), [2, 2])).toThrow('resizeBilinear: x must have rank 4, got shape [3, 4]');
    const dy = engine.tensor(randomArray(8, 1), [1, 2, 2, 2]);
    expect(() => engine.grad.resizeBilinear(dy, [1, 1, 3, 4])).toThrow('resizeBilinear backward: dy [1, 2, 2, 2] and xShape [1, 1, 3, 4] must agree on N and C');
    expect(() => engine.grad.resizeBilinear(dy, [1, 2, 0, 4])).toThrow('resizeBilinear backward: xShape must be integers >= 1, got [1,2,0,4]');
  });
});
