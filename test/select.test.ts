import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Tensor } from '../src/index.ts';
import { getEngine, randomArray } from './helpers/engine.ts';
import * as ref from '../src/reference/select.ts';

/** Values with many ties, both signed zeros, subnormals, huge magnitudes and infinities. */
function awkwardArray(n: number, seed: number): Float32Array {
  const r = randomArray(n, seed, -1, 1);
  const special = [0, -0, 1e-40, -1e-40, 3e38, -3e38, Infinity, -Infinity];
  return r.map((v, i) => (i % 17 === 5 ? special[i % special.length] : i % 3 === 0 ? Math.round(v * 8) / 8 : v * 100));
}

/** Elementwise Object.is, so that -0 and 0 count as different. */
function expectSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`${label}: at ${i} got ${actual[i]}, expected ${expected[i]}`);
  }
}

let smallEngine: Promise<Engine> | null = null;
function getSmallBindingEngine(): Promise<Engine> {
  smallEngine ??= createEngine().then((e) => {
    e.limits.maxStorageBufferBindingSize = 1 << 16;
    return e;
  });
  return smallEngine;
}
afterAll(async () => (await smallEngine)?.destroy());

describe('selection references', () => {
  it('match cases worked by hand', () => {
    expect(ref.quantileRank(0.005, 1000)).toBe(5);
    expect(ref.quantileRank(0.29, 100)).toBe(29); // 0.29 * 100 is 28.999999999999996 in float64
    expect(ref.quantileRank(0, 10)).toBe(0);
    expect(ref.quantileRank(1, 10)).toBe(9);
    expect(ref.quantileRank(0.5, 7)).toBe(3);
    // One element (5) of five is above 4: a fraction 0.2.
    expect(ref.quantile([5, 1, 4, 2, 3], 0.2)).toBe(4);
    expect(ref.quantile([5, 1, 4, 2, 3], 0)).toBe(5);
    expect(ref.quantile([5, 1, 4, 2, 3], 1)).toBe(1);
    expect(ref.quantile([2, 2, 2, 1], 0.5)).toBe(2);
    // [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8.
    expect(Array.from(ref.quantilePerChannel([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2], 0.25))).toEqual([5, 7]);
    const top = ref.topK([3, 1, 3, 2, 0, 9, 9, 9], 2, 4, 3);
    expect(Array.from(top.values)).toEqual([3, 3, 2, 9, 9, 9]);
    expect(Array.from(top.indices)).toEqual([0, 2, 3, 1, 2, 3]);
    // The total order: -0 below +0, subnormals kept apart from 0, NaN above +Infinity.
    const order = [-Infinity, -1, -1e-40, -0, 0, 1e-40, 1, Infinity, NaN];
    for (let i = 1; i < order.length; i++) expect(ref.sortKey(order[i])).toBeGreaterThan(ref.sortKey(order[i - 1]));
    for (const v of order) expect(Object.is(ref.keyToFloat(ref.sortKey(v)), Math.fround(v))).toBe(true);
    expect(Object.is(ref.quantile([0, -0, -0], 0), 0)).toBe(true);
    expect(Object.is(ref.quantile([0, -0, -0], 0.5), -0)).toBe(true);
  });
});

describe('quantile', () => {
  it('is exact on awkward sizes and values (ties, signed zeros, infinities, subnormals)', async () => {
    const engine = await getEngine();
    for (const n of [1, 7, 1023, 1025, 1_000_003]) {
      const a = awkwardArray(n, n);
      const x = engine.tensor(a, [n]);
      for (const q of [0, 0.005, 0.1, 0.5, 0.999, 1]) {
        expectSameFloats([await engine.ops.quantile(x, q)], [ref.quantile(a, q)], `n = ${n}, q = ${q}`);
      }
      x.dispose();
    }
    const twelve = [0, -0, Infinity, -Infinity, 1e-40, -1e-40, 3e38, -3e38, 1, -1, 0, 2];
    const x = engine.tensor(twelve, [12]);
    for (let i = 0; i <= 12; i++) expectSameFloats([await engine.ops.quantile(x, i / 12)], [ref.quantile(twelve, i / 12)], `q = ${i}/12`);
  });

  it('finds the top 0.5% threshold of 3*10^7 values, as a CPU sort does', async () => {
    const engine = await getEngine();
    const n = 30_000_000;
    const a = randomArray(n, 7, -2, 3);
    const x = engine.tensor(a, [n]);
    const threshold = await engine.ops.quantile(x, 0.005);
    expect(threshold).toBe(ref.quantile(a, 0.005));
    // The definition: the element of descending rank floor(q * n), ties included.
    let above = 0;
    let equal = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] > threshold) above++;
      else if (a[i] === threshold) equal++;
    }
    const rank = ref.quantileRank(0.005, n);
    expect(above).toBeLessThanOrEqual(rank);
    expect(rank).toBeLessThan(above + equal);
    x.dispose();
  });

  it('quantilePerChannel is exact on odd NCHW shapes and on [N, C]', async () => {
    const engine = await getEngine();
    for (const shape of [[3, 5, 7, 9], [1, 4, 13, 11], [2, 3, 50, 50], [10, 3], [1, 1, 1, 1], [40, 2, 65, 3]]) {
      const size = shape.reduce((p, d) => p * d, 1);
      const a = awkwardArray(size, size);
      const x = engine.tensor(a, shape);
      for (const q of [0, 0.005, 0.2, 1]) {
        const got = await engine.ops.quantilePerChannel(x, q);
        expectSameFloats(got, ref.quantilePerChannel(a, shape, q), `[${shape}] q = ${q}`);
      }
      x.dispose();
    }
  });

  it('works on tensors larger than a binding', async () => {
    const engine = await getSmallBindingEngine(); // 16384 floats per binding
    const a = awkwardArray(100_003, 3);
    const x = engine.tensor(a, [a.length]);
    for (const q of [0.005, 0.5]) expect(await engine.ops.quantile(x, q)).toBe(ref.quantile(a, q));
    const shape = [3, 7, 33, 35]; // 8085 floats per image
    const b = awkwardArray(3 * 7 * 33 * 35, 4);
    const y = engine.tensor(b, shape);
    expectSameFloats(await engine.ops.quantilePerChannel(y, 0.01), ref.quantilePerChannel(b, shape, 0.01), 'windowed per channel');
  });
});

describe('topK', () => {
  async function check(engine: Engine, a: Float32Array, rows: number, n: number, k: number) {
    const x = engine.tensor(a, [rows, n]);
    const { values, indices } = engine.ops.topK(x, k);
    expect(values.shape).toEqual([rows, k]);
    expect(indices.shape).toEqual([rows, k]);
    expect(indices.dtype).toBe('i32');
    const expected = ref.topK(a, rows, n, k);
    const label = `[${rows}, ${n}] k = ${k}`;
    expectSameFloats(await values.read(), expected.values, `${label} values`);
    expect(Array.from(await indices.read()), `${label} indices`).toEqual(Array.from(expected.indices));
    x.dispose();
    values.dispose();
    indices.dispose();
  }

  it('is exact, sorted descending with ties to the lower index', async () => {
    const engine = await getEngine();
    const cases: [number, number, number][] = [
      [1, 1, 1],
      [5, 189, 9],
      [4, 64, 64], // k = n
      [700, 50, 1],
      [3, 10_007, 64],
      [2, 1_000_003, 9], // many lists per row, merged in two rounds
    ];
    for (const [rows, n, k] of cases) {
      // Few distinct values: ties everywhere.
      const ties = randomArray(rows * n, rows + n, 0, 6).map(Math.floor);
      await check(engine, ties, rows, n, k);
      await check(engine, awkwardArray(rows * n, k), rows, n, k);
    }
  });

  it('keeps -Infinity values (they beat empty slots) and orders NaN first, subnormals and zeros exactly', async () => {
    const engine = await getEngine();
    await check(engine, Float32Array.from([-Infinity, -Infinity, 1, -Infinity]), 1, 4, 4);
    await check(engine, Float32Array.from([0, 1e-40, -0, NaN, -1e-40, 0, Infinity, -0]), 1, 8, 8);
  });

  it('works on tensors larger than a binding', async () => {
    const engine = await getSmallBindingEngine();
    const rows = 7;
    const n = 5001; // rows start off the 256-byte grid
    await check(engine, awkwardArray(rows * n, 9), rows, n, 9);
  });
});

describe('selection validation', () => {
  it('rejects bad inputs before GPU work, naming the op and the shapes', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(15), [3, 5]);
    expect(() => engine.ops.topK(x, 10)).toThrow(/^topK: k = 10 is more than the 5 values per row of x \[3, 5\]$/);
    expect(() => engine.ops.topK(x, 0)).toThrow(/^topK: k must be an integer in \[1, 64\], got 0$/);
    expect(() => engine.ops.topK(engine.tensor(new Float32Array(100), [1, 100]), 65)).toThrow(/^topK: k must be an integer in \[1, 64\], got 65$/);
    expect(() => engine.ops.topK(engine.tensor([1, 2], [2]), 1)).toThrow(/^topK: x must have rank 2, got shape \[2\]$/);
    await expect(engine.ops.quantile(x, 1.5)).rejects.toThrow(/^quantile: q must be a number in \[0, 1\], got 1.5$/);
    await expect(engine.ops.quantile('x' as unknown as Tensor, 0.5)).rejects.toThrow(/^quantile: x must be a Tensor$/);
    await expect(engine.ops.quantilePerChannel(engine.tensor(new Float32Array(8), [2, 2, 2]), 0.1)).rejects.toThrow(
      /^quantilePerChannel: x must have rank 4 \(NCHW\) or 2 \(\[N, C\]\), got shape \[2, 2, 2\]$/,
    );
  });
});
