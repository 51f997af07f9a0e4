import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Tensor } from '../src/index.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/reduce.ts';

const SIZES = [1, 7, 1023, 1025, 4096, 4097, 262_145, 1_000_003];

async function scalar(t: Tensor): Promise<number> {
  expect(t.shape).toEqual([1]);
  const v = (await t.read())[0];
  t.dispose();
  return v;
}

function sumAbs(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

/** An engine whose bindings are limited to 64 KiB, so that the windowed paths run on small tensors. */
let smallEngine: Promise<Engine> | null = null;
function getSmallBindingEngine(): Promise<Engine> {
  smallEngine ??= createEngine().then((e) => {
    e.limits.maxStorageBufferBindingSize = 1 << 16;
    return e;
  });
  return smallEngine;
}
afterAll(async () => (await smallEngine)?.destroy());

describe('reduce references', () => {
  it('match cases worked by hand', () => {
    expect(ref.sum([1, 2, 3, 4])).toBe(10);
    expect(ref.sumSquares([1, 2, 3, 4])).toBe(30);
    expect(ref.max([1, 4, -2, 3])).toBe(4);
    expect(ref.min([1, 4, -2, 3])).toBe(-2);
    expect(ref.mean([1, 2, 3, 4])).toBe(2.5);
    expect(ref.dot([1, 2, 3], [4, 5, 6])).toBe(32);
    // [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2 (n=0) and 5, 6 (n=1); channel 1 holds 3, 4, 7, 8.
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(Array.from(ref.channelSum(x, [2, 2, 1, 2]))).toEqual([14, 22]);
    expect(Array.from(ref.channelMean(x, [2, 2, 1, 2]))).toEqual([3.5, 5.5]);
    expect(Array.from(ref.spatialMean(x, [2, 2, 1, 2]))).toEqual([1.5, 3.5, 5.5, 7.5]);
    expect(Array.from(ref.spatialMax(x, [2, 2, 1, 2]))).toEqual([2, 4, 6, 8]);
    // [N=3, C=2] as rank 2: the sum over N of each column.
    expect(Array.from(ref.channelSum([1, 2, 3, 4, 5, 6], [3, 2]))).toEqual([9, 12]);
  });
});

describe('whole-tensor reductions', () => {
  it('sum, sumSquares, max, min, mean and dot match the reference on awkward sizes', async () => {
    const engine = await getEngine();
    for (const n of SIZES) {
      const a = randomArray(n, n, -1, 1);
      const b = randomArray(n, n + 1, -2, 2);
      const x = engine.tensor(a, [n]);
      const y = engine.tensor(b, [n]);
      const scaleA = sumAbs(a);
      let products = 0;
      for (let i = 0; i < n; i++) products += Math.abs(a[i] * b[i]);
      const label = `n = ${n}`;
      expectClose([await scalar(engine.ops.sum(x))], [ref.sum(a)], { rtol: 0, atol: 1e-6 * scaleA + 1e-7, label: `sum ${label}` });
      expectClose([await scalar(engine.ops.sumSquares(x))], [ref.sumSquares(a)], { rtol: 1e-6, atol: 1e-7, label: `sumSquares ${label}` });
      expect(await scalar(engine.ops.max(x))).toBe(Math.fround(ref.max(a)));
      expect(await scalar(engine.ops.min(x))).toBe(Math.fround(ref.min(a)));
      expectClose([await scalar(engine.ops.mean(x))], [ref.mean(a)], { rtol: 0, atol: (1e-6 * scaleA) / n + 1e-7, label: `mean ${label}` });
      expectClose([await scalar(engine.ops.dot(x, y))], [ref.dot(a, b)], { rtol: 0, atol: 1e-6 * products + 1e-7, label: `dot ${label}` });
      x.dispose();
      y.dispose();
    }
  });

  it('is accurate on 3*10^7 elements, where a sequential float32 sum is not', async () => {
    const engine = await getEngine();
    const n = 30_000_000;
    const a = randomArray(n, 11, 0, 1);
    const x = engine.tensor(a, [n]);
    const exact = ref.sum(a);
    let naive = Math.fround(0);
    for (let i = 0; i < n; i++) naive = Math.fround(naive + a[i]);
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(3e-5); // why a plain loop will not do
    const sum = await scalar(engine.ops.sum(x));
    expect(Math.abs(sum - exact) / exact).toBeLessThan(3e-7);
    const mean = await scalar(engine.ops.mean(x));
    expect(Math.abs(mean - exact / n) / (exact / n)).toBeLessThan(1e-6);
    const squares = await scalar(engine.ops.sumSquares(x));
    expect(Math.abs(squares - ref.sumSquares(a)) / ref.sumSquares(a)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('is deterministic and handles special values in max and min', async () => {
    const engine = await getEngine();
    const a = randomArray(100_001, 3, -1e3, 1e3);
    const x = engine.tensor(a, [a.length]);
    expect(await scalar(engine.ops.sum(x))).toBe(await scalar(engine.ops.sum(x)));
    const special = engine.tensor([-Infinity, -3e38, 5, -Infinity], [4]);
    expect(await scalar(engine.ops.max(special))).toBe(5);
    expect(await scalar(engine.ops.min(special))).toBe(-Infinity);
    const allInf = engine.tensor([-Infinity, -Infinity, -Infinity], [3]);
    expect(await scalar(engine.ops.max(allInf))).toBe(-Infinity);
  });
});

describe('channel and spatial reductions', () => {
  const SHAPES = [
    [1, 3, 5, 7],
    [2, 3, 5, 7],
    [3, 5, 1, 1],
    [5, 4, 17, 19],
    [1, 2, 300, 301], // long rows: segments and a second pass
    [700, 3, 1, 2], // long columns
    [8, 64, 28, 28],
  ];

  it('channelSum, channelMean, spatialMean and spatialMax match the reference on odd NCHW shapes', async () => {
    const engine = await getEngine();
    for (const shape of SHAPES) {
      const size = shape.reduce((p, d) => p * d, 1);
      const a = randomArray(size, size, -1, 1);
      const x = engine.tensor(a, shape);
      const label = `[${shape}]`;
      const [n, c] = shape;
      const sum = engine.ops.channelSum(x);
      expect(sum.shape).toEqual([c]);
      expectClose(await sum.read(), ref.channelSum(a, shape), { rtol: 1e-5, atol: 1e-5, label: `channelSum ${label}` });
      expectClose(await engine.ops.channelMean(x).read(), ref.channelMean(a, shape), { rtol: 1e-5, atol: 1e-6, label: `channelMean ${label}` });
      const mean = engine.ops.spatialMean(x);
      expect(mean.shape).toEqual([n, c]);
      expectClose(await mean.read(), ref.spatialMean(a, shape), { rtol: 1e-5, atol: 1e-6, label: `spatialMean ${label}` });
      expect(Array.from(await engine.ops.spatialMax(x).read())).toEqual(Array.from(ref.spatialMax(a, shape)));
      x.dispose();
    }
  });

  it('channelSum and channelMean take [N, C] (a linear layer bias gradient)', async () => {
    const engine = await getEngine();
    for (const shape of [[1, 5], [7, 3], [1500, 10]]) {
      const a = randomArray(shape[0] * shape[1], 5, -1, 1);
      const x = engine.tensor(a, shape);
      expectClose(await engine.ops.channelSum(x).read(), ref.channelSum(a, shape), { rtol: 1e-5, atol: 1e-5 });
      expectClose(await engine.ops.channelMean(x).read(), ref.channelMean(a, shape), { rtol: 1e-5, atol: 1e-6 });
    }
  });
});

describe('tensors larger than a binding', () => {
  it('are reduced in windows with the same results', async () => {
    const engine = await getSmallBindingEngine(); // 16384 floats per binding
    const n = 100_003;
    const a = randomArray(n, 21, -1, 1);
    const b = randomArray(n, 22, -1, 1);
    const x = engine.tensor(a, [n]);
    const y = engine.tensor(b, [n]);
    expectClose([await scalar(engine.ops.sum(x))], [ref.sum(a)], { rtol: 0, atol: 1e-6 * sumAbs(a) });
    expect(await scalar(engine.ops.max(x))).toBe(Math.fround(ref.max(a)));
    expect(await scalar(engine.ops.min(x))).toBe(Math.fround(ref.min(a)));
    expectClose([await scalar(engine.ops.dot(x, y))], [ref.dot(a, b)], { rtol: 0, atol: 1e-6 * n });

    // One image is 7 * 33 * 35 = 8085 floats: windows of two images, starting off the 256-byte grid.
    const shape = [3, 7, 33, 35];
    const c = randomArray(3 * 7 * 33 * 35, 23, -1, 1);
    const z = engine.tensor(c, shape);
    expectClose(await engine.ops.channelSum(z).read(), ref.channelSum(c, shape), { rtol: 1e-5, atol: 1e-5 });
    expectClose(await engine.ops.spatialMean(z).read(), ref.spatialMean(c, shape), { rtol: 1e-5, atol: 1e-6 });
    expect(Array.from(await engine.ops.spatialMax(z).read())).toEqual(Array.from(ref.spatialMax(c, shape)));

    // [N, C] columns over several windows.
    const d = randomArray(5000 * 7, 24, -1, 1);
    const w = engine.tensor(d, [5000, 7]);
    expectClose(await engine.ops.channelMean(w).read(), ref.channelMean(d, [5000, 7]), { rtol: 1e-5, atol: 1e-6 });
  });
});

describe('reduce validation', () => {
  it('rejects bad inputs before GPU work, naming the op and the shapes', async () => {
    const engine = await getEngine();
    const a = engine.tensor([1, 2, 3, 4], [4]);
    const b = engine.tensor([1, 2, 3], [3]);
    expect(() => engine.ops.sum('x' as unknown as Tensor)).toThrow(/^sum: x must be a Tensor$/);
    expect(() => engine.ops.dot(a, b)).toThrow(/^dot: a \[4\] and b \[3\] must have the same shape$/);
    const rank3 = engine.tensor(new Float32Array(24), [2, 3, 4]);
    expect(() => engine.ops.channelSum(rank3)).toThrow(/^channelSum: x must have rank 4 \(NCHW\) or 2 \(\[N, C\]\), got shape \[2, 3, 4\]$/);
    expect(() => engine.ops.spatialMean(engine.tensor([1, 2], [1, 2]))).toThrow(/^spatialMean: x must have rank 4 \(NCHW\), got shape \[1, 2\]$/);
    expect(() => engine.ops.max(engine.tensor(new Int32Array([1, 2]), [2]))).toThrow(/^max: x must be f32, got i32$/);
    b.dispose();
    expect(() => engine.ops.mean(b)).toThrow(/^mean: x \[3\] was disposed$/);
  });
});
