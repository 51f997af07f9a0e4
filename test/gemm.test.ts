import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, Tensor } from '../src/index.ts';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose, TUNINGS } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/gemm.ts';
import type { GemmAttrs } from '../src/ops/gemm.ts';

const TRANS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Storage shapes of a and b for an [M, K] x [K, N] product under the trans flags. */
function operandShapes(m: number, k: number, n: number, transA: boolean, transB: boolean) {
  return { aShape: transA ? [k, m] : [m, k], bShape: transB ? [n, k] : [k, n] };
}

/** The shapes c may have for an [M, N] output (ONNX unidirectional broadcast). */
function cShapes(m: number, n: number): number[][] {
  return [[n], [1, n], [m, 1], [m, n], [1], [1, 1]];
}

describe('gemm reference', () => {
  it('matches a product worked by hand, with broadcast c, alpha, beta and transposes', () => {
    const a = [1, 2, 3, 4]; // [[1, 2], [3, 4]]
    const b = [5, 6, 7, 8]; // [[5, 6], [7, 8]]
    // ab = [[19, 22], [43, 50]]; a^T b = [[26, 30], [38, 44]]; a b^T = [[17, 23], [39, 53]]
    expect(Array.from(ref.gemm(a, [2, 2], b, [2, 2], [1, 2], [2], { beta: 2 }))).toEqual([21, 26, 45, 54]);
    expect(Array.from(ref.gemm(a, [2, 2], b, [2, 2], [10, 20], [2, 1], { alpha: 0.5, transA: true }))).toEqual([23, 25, 39, 42]);
    expect(Array.from(ref.gemm(a, [2, 2], b, [2, 2], [1], [1], { transB: true }))).toEqual([18, 24, 40, 54]);
    // [1, 3] x [3, 2] -> [1, 2]
    expect(Array.from(ref.gemm([1, 2, 3], [1, 3], [1, 0, 0, 1, 1, 1], [3, 2], null, null))).toEqual([4, 5]);
  });

  it('backward matches finite differences for every layout and c shape', () => {
    const [m, k, n] = [3, 4, 5];
    for (const [transA, transB] of TRANS) {
      for (const cShape of [[n], [m, 1], [1], [m, n]]) {
        const attrs: GemmAttrs = { alpha: 0.7, beta: -1.3, transA, transB };
        const { aShape, bShape } = operandShapes(m, k, n, transA, transB);
        const a = randomArray(m * k, 1);
        const b = randomArray(k * n, 2);
        const c = randomArray(cShape.reduce((x, y) => x * y, 1), 3);
        const dy = randomArray(m * n, 4);
        const { da, db, dc } = ref.gemmBackward(a, aShape, b, bShape, dy, attrs, cShape);
        const label = `trans ${transA} ${transB}, c ${JSON.stringify(cShape)}`;
        expectClose(da, numericGradient((v) => ref.gemm(v, aShape, b, bShape, c, cShape, attrs), a, dy), { rtol: 1e-6, atol: 1e-8, label: `da ${label}` });
        expectClose(db, numericGradient((v) => ref.gemm(a, aShape, v, bShape, c, cShape, attrs), b, dy), { rtol: 1e-6, atol: 1e-8, label: `db ${label}` });
        expectClose(dc!, numericGradient((v) => ref.gemm(a, aShape, b, bShape, v, cShape, attrs), c, dy), { rtol: 1e-6, atol: 1e-8, label: `dc ${label}` });
      }
    }
  });
});

// Both kernel families, whatever the adapter: 'cpu' (register tiles) and 'gpu' (gemm-tiled).
describe.each(TUNINGS)('gemm, %s kernels', (tuning) => {
  // Sizes that hit every kernel (k, or m and n when a is transposed, multiples of 4 or not: the
  // vec4 paths with 8x8 tiles; m = 1: the one-row kernels; otherwise the strided 4x4 one) and
  // leave partial tiles at the edges (m or n = 4 mod 8 leaves half a tile).
  const SIZES: [number, number, number][] = [
    [5, 7, 9],
    [12, 5, 12],
    [8, 12, 20],
    [6, 16, 13],
    [19, 24, 28],
    [10, 8, 9],
    [1, 20, 12],
    [1, 9, 7],
    [2, 36, 40],
    [33, 65, 17],
    [3, 1031, 20], // one tile, a long sum: on a GPU, split over k in 4 slices, the last one short
  ];

  it('matches the reference for every layout, with awkward sizes', async () => {
    const engine = await getEngine(tuning);
    for (const [transA, transB] of TRANS) {
      for (const [m, k, n] of SIZES) {
        const { aShape, bShape } = operandShapes(m, k, n, transA, transB);
        const a = randomArray(m * k, m + k);
        const b = randomArray(k * n, n);
        const c = randomArray(n, 5);
        const attrs = { alpha: 0.75, beta: 1.5, transA, transB };
        const y = engine.ops.gemm(engine.tensor(a, aShape), engine.tensor(b, bShape), engine.tensor(c, [n]), attrs);
        expect(y.shape).toEqual([m, n]);
        expectClose(await y.read(), ref.gemm(a, aShape, b, bShape, c, [n], attrs), { label: `${m}x${k}x${n} trans ${transA} ${transB}` });
      }
    }
  });

  it('broadcasts every shape of c the way ONNX does, and works without c', async () => {
    const engine = await getEngine(tuning);
    const [m, k, n] = [6, 8, 7];
    const a = randomArray(m * k, 1);
    const b = randomArray(k * n, 2);
    const ta = engine.tensor(a, [m, k]);
    const tb = engine.tensor(b, [k, n]);
    for (const cShape of cShapes(m, n)) {
      const c = randomArray(cShape.reduce((x, y) => x * y, 1), 3);
      const y = engine.ops.gemm(ta, tb, engine.tensor(c, cShape), { beta: 0.5 });
      expectClose(await y.read(), ref.gemm(a, [m, k], b, [k, n], c, cShape, { beta: 0.5 }), { label: `c ${JSON.stringify(cShape)}` });
    }
    expectClose(await engine.ops.gemm(ta, tb).read(), ref.gemm(a, [m, k], b, [k, n], null, null));
    expectClose(await engine.ops.gemm(ta, tb, null, { alpha: -2 }).read(), ref.gemm(a, [m, k], b, [k, n], null, null, { alpha: -2 }));
  });

  it('backward matches the reference for every layout and c shape', async () => {
    const engine = await getEngine(tuning);
    for (const [transA, transB] of TRANS) {
      for (const [m, k, n] of [[5, 7, 9], [1, 12, 8], [4, 16, 12]]) {
        const cShape = cShapes(m, n)[(m + k + n + Number(transA) + 2 * Number(transB)) % 6];
        const attrs = { alpha: 1.25, beta: -0.5, transA, transB };
        const { aShape, bShape } = operandShapes(m, k, n, transA, transB);
        const a = randomArray(m * k, 1);
        const b = randomArray(k * n, 2);
        const dy = randomArray(m * n, 3);
        const want = ref.gemmBackward(a, aShape, b, bShape, dy, attrs, cShape);
        const got = engine.grad.gemm(engine.tensor(a, aShape), engine.tensor(b, bShape), engine.tensor(dy, [m, n]), attrs, cShape);
        const label = `${m}x${k}x${n} trans ${transA} ${transB} c ${JSON.stringify(cShape)}`;
        expect(got.da.shape).toEqual(aShape);
        expect(got.db.shape).toEqual(bShape);
        expect(got.dc!.shape).toEqual(cShape);
        expectClose(await got.da.read(), want.da, { label: `da ${label}` });
        expectClose(await got.db.read(), want.db, { label: `db ${label}` });
        expectClose(await got.dc!.read(), want.dc!, { label: `dc ${label}` });
      }
    }
  });

  it('rejects operands that do not fit, before any GPU work', async () => {
    const engine = await getEngine(tuning);
    const a = engine.tensor(randomArray(6, 1), [2, 3]);
    const b = engine.tensor(randomArray(20, 1), [4, 5]);
    expect(() => engine.ops.gemm(a, b)).toThrow('gemm: inner dimensions do not agree: a [2, 3] and b [4, 5] give 3 and 4');
    expect(() => engine.ops.gemm(a, b, null, { transB: true })).toThrow('gemm: inner dimensions do not agree: a [2, 3] and b [4, 5] (transposed) give 3 and 5');
    const b2 = engine.tensor(randomArray(15, 1), [3, 5]);
    expect(() => engine.ops.gemm(a, b2, engine.tensor([1, 2, 3], [3]))).toThrow('gemm: c [3] does not broadcast to the output [2, 5]');
    expect(() => engine.ops.gemm(a, b2, engine.tensor(randomArray(10, 1), [5, 2]))).toThrow('gemm: c [5, 2] does not broadcast to the output [2, 5]');
    expect(() => engine.ops.gemm(a, b2, engine.tensor(randomArray(10, 1), [1, 2, 5]))).toThrow('gemm: c [1, 2, 5] does not broadcast to the output [2, 5]');
    expect(() => engine.ops.gemm(engine.tensor([1, 2, 3], [3]), b2)).toThrow('gemm: a must have rank 2, got shape [3]');
    expect(() => engine.ops.gemm(a, b2, null, { alpha: NaN })).toThrow('gemm: alpha NaN and beta 1 must be finite numbers');
    const dy = engine.tensor(randomArray(8, 1), [2, 4]);
    expect(() => engine.grad.gemm(a, b2, dy)).toThrow('gemm backward: dy [2, 4] must be the output shape [2, 5]');
    expect(() => engine.grad.gemmDc(dy, [3])).toThrow('gemm backward: c [3] does not broadcast to the output [2, 4]');
  });

  describe('operands larger than the binding limit (1 MiB here)', () => {
    let small: Engine;
    beforeAll(async () => {
      small = await createSmallEngine(1 << 20, tuning);
    });
    afterAll(() => small.destroy());
    const read = async (t: Tensor) => (await t.read()) as Float32Array;

    // b is 1031 x 1023 floats (4.2 MB), split over n (transB) or k (not transB), with odd sizes;
    // 1028 x 1021 and 1028 x 1020 go through the vec4 and one-row kernels.
    const CASES: [number, number, number, boolean][] = [
      [3, 1031, 1023, false],
      [3, 1031, 1023, true],
      [1, 1028, 1021, true],
      [2, 1028, 1020, false],
    ];
    it.each(CASES)('%i x %i x %i, transB %s: forward and backward', async (m, k, n, transB) => {
      expect(small.limits.maxStorageBufferBindingSize).toBe(1 << 20);
      const { aShape, bShape } = operandShapes(m, k, n, false, transB);
      const a = randomArray(m * k, 1);
      const b = randomArray(k * n, 2);
      const c = randomArray(n, 3);
      const tb = small.tensor(b, bShape);
      // A kernel without a split cannot bind b: the limit is in force.
      expect(() => small.ops.relu(tb)).toThrow(/more than maxStorageBufferBindingSize/);
      const attrs = { alpha: 0.5, beta: 2, transB };
      const y = small.ops.gemm(small.tensor(a, aShape), tb, small.tensor(c, [n]), attrs);
      expectClose(await read(y), ref.gemm(a, aShape, b, bShape, c, [n], attrs));
      // The backward splits too: db is as large as b, and da reads all of b.
      const dy = randomArray(m * n, 4);
      const got = small.grad.gemm(small.tensor(a, aShape), tb, small.tensor(dy, [m, n]), attrs, [n]);
      const want = ref.gemmBackward(a, aShape, b, bShape, dy, attrs, [n]);
      expectClose(await read(got.da), want.da, { label: 'da' });
      expectClose(await read(got.db), want.db, { label: 'db' });
      expectClose(await read(got.dc!), want.dc!, { label: 'dc' });
    });

    it('splits a and y over m too, a transposed or not', async () => {
      // a [40000, 7] and y [40000, 9] are over 1 MiB each; transposed, a's rows are 160 kB apart.
      const [m, k, n] = [40000, 7, 9];
      for (const transA of [false, true]) {
        const { aShape, bShape } = operandShapes(m, k, n, transA, false);
        const a = randomArray(m * k, 5);
        const b = randomArray(k * n, 6);
        const c = randomArray(m, 7);
        const y = small.ops.gemm(small.tensor(a, aShape), small.tensor(b, bShape), small.tensor(c, [m, 1]), { transA });
        expectClose(await read(y), ref.gemm(a, aShape, b, bShape, c, [m, 1], { transA }), { label: `transA ${transA}` });
      }
    });
  });
});
