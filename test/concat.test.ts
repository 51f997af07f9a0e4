import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/concat.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const withAxis = (shape: number[], axis: number, d: number) => shape.map((v, i) => (i === axis ? d : v));

// [base shape, axis, sizes along the axis]: channels of one image (buffer copies), batch 2, the
// batch axis, and the last axis with many rows (the kernel), negative axes.
const CASES: [number[], number, number[]][] = [
  [[1, 0, 5, 7], 1, [3, 5, 2]],
  [[2, 0, 4, 3], 1, [1, 6]],
  [[0, 3, 2, 2], 0, [2, 1, 3]],
  [[2, 3, 20, 0], 3, [5, 1, 7]],
  [[3, 17, 0], -1, [2, 9]],
  [[4, 0, 33], -2, [40, 3]],
];

describe('concat reference', () => {
  it('matches values worked by hand', () => {
    // [[1, 2], [3, 4]] and [[5], [6]] along axis 1; [[1, 2]] and [[3, 4]] along axis 0
    expect(Array.from(ref.concat([[1, 2, 3, 4], [5, 6]], [[2, 2], [2, 1]], 1))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(Array.from(ref.concat([[1, 2], [3, 4]], [[1, 2], [1, 2]], 0))).toEqual([1, 2, 3, 4]);
    expect(ref.split([1, 2, 5, 3, 4, 6], [2, 3], [2, 1], 1).map((p) => Array.from(p))).toEqual([[1, 2, 3, 4], [5, 6]]);
  });

  it('the gradient (a split) matches finite differences', () => {
    const [base, axis, sizes] = CASES[3];
    const shapes = sizes.map((d) => withAxis(base, axis, d));
    const xs = shapes.map((s, i) => randomArray(size(s), i));
    const total = withAxis(base, axis, sizes.reduce((a, b) => a + b));
    const dy = randomArray(size(total), 9);
    const parts = ref.split(dy, total, sizes, axis);
    xs.forEach((x, k) => {
      const numeric = numericGradient((v) => ref.concat(xs.map((o, j) => (j === k ? v : o)), shapes, axis), x, dy);
      expectClose(parts[k], numeric, { rtol: 1e-6, atol: 1e-9, label: `input ${k}` });
    });
  });
});

describe('concat', () => {
  it('matches the reference along every axis; split undoes it', async () => {
    const engine = await getEngine();
    for (const [base, axis, sizes] of CASES) {
      const ax = axis < 0 ? axis + base.length : axis;
      const shapes = sizes.map((d) => withAxis(base, ax, d));
      const xs = shapes.map((s, i) => randomArray(size(s), i + 1));
      const y = engine.ops.concat(xs.map((x, i) => engine.tensor(x, shapes[i])), axis);
      const label = `${JSON.stringify(shapes)} axis ${axis}`;
      expect(y.shape).toEqual(withAxis(base, ax, sizes.reduce((a, b) => a + b)));
      expectClose(await y.read(), ref.concat(xs, shapes, ax), { label });
      const pieces = engine.ops.split(y, sizes, axis);
      for (let i = 0; i < pieces.length; i++) {
        expect(pieces[i].shape).toEqual(shapes[i]);
        expectClose(await pieces[i].read(), xs[i], { label: `${label} split ${i}` });
      }
    }
  });

  it('backward is the split of dy', async () => {
    const engine = await getEngine();
    for (const [base, axis, sizes] of CASES) {
      const ax = axis < 0 ? axis + base.length : axis;
      const shapes = sizes.map((d) => withAxis(base, ax, d));
      const total = withAxis(base, ax, sizes.reduce((a, b) => a + b));
      const dy = randomArray(size(total), 7);
      const dxs = engine.grad.concat(engine.tensor(dy, total), shapes, axis);
      const want = ref.split(dy, total, sizes, ax);
      for (let i = 0; i < dxs.length; i++) expectClose(await dxs[i].read(), want[i], { label: `axis ${axis} input ${i}` });
    }
  });

  it('copies int tensors exactly, and a single input', async () => {
    const engine = await getEngine();
    const a = Int32Array.from({ length: 70 * 3 }, (_, i) => i * 7919 - 100000);
    const b = Int32Array.from({ length: 70 * 2 }, (_, i) => -i);
    const y = engine.ops.concat([engine.tensor(a, [70, 3]), engine.tensor(b, [70, 2])], 1);
    const got = await y.read();
    expect(got).toBeInstanceOf(Int32Array);
    expect(Array.from(got)).toEqual(Array.from(ref.concat([a, b], [[70, 3], [70, 2]], 1)));
    const one = engine.ops.concat([engine.tensor([1, 2, 3], [3])], 0);
    expect(Array.from(await one.read())).toEqual([1, 2, 3]);
  });

  it('works on tensors larger than the binding limit (buffer copies)', async () => {
    const small = await createSmallEngine();
    try {
      // 100 rows (the kernel's case) of 3000 floats: 1.2 MB, too large to bind.
      const a = randomArray(100 * 3000, 1);
      const b = randomArray(100 * 7, 2);
      const y = small.ops.concat([small.tensor(a, [100, 3000]), small.tensor(b, [100, 7])], 1);
      expectClose((await y.read()) as Float32Array, ref.concat([a, b], [[100, 3000], [100, 7]], 1));
      const [pa, pb] = small.ops.split(y, [3000, 7], 1) as [Tensor, Tensor];
      expectClose((await pa.read()) as Float32Array, a);
      expectClose((await pb.read()) as Float32Array, b);
    } finally {
      small.destroy();
    }
  });

  it('rejects bad inputs before any GPU work', async () => {
    const engine = await getEngine();
    const a = engine.tensor(randomArray(6, 1), [2, 3]);
    const b = engine.tensor(randomArray(8, 1), [2, 4]);
    expect(() => engine.ops.concat([a, b], 0)).toThrow('concat: shapes [2, 3], [2, 4] differ outside axis 0');
    expect(() => engine.ops.concat([a, engine.tensor([1, 2, 3], [3])], 0)).toThrow('concat: shapes [2, 3], [3] differ outside axis 0');
    expect(() => engine.ops.concat([a, b], 2)).toThrow('concat: axis 2 is out of range for shape [2, 3]');
    expect(() => engine.ops.concat([], 0)).toThrow('concat: needs a non-empty array of tensors');
    expect(() => engine.ops.concat([a, engine.tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])], 0)).toThrow('concat: xs[1] must be f32, got i32');
    expect(() => engine.ops.split(a, [1, 1], 1)).toThrow('split: sizes [1,1] add up to 2, but axis 1 of [2, 3] is 3');
    expect(() => engine.ops.split(a, [0, 3], 1)).toThrow('split: sizes must be integers >= 1, got [0,3]');
    expect(() => engine.ops.split(a, [-1, 4], 1)).toThrow('split: sizes must be integers >= 1, got [-1,4]');
    expect(() => engine.grad.concat(b, [[2, 3], [2, 2]], 1)).toThrow('concat backward: sizes [3,2] add up to 5, but axis 1 of [2, 4] is 4');
    expect(() => engine.grad.concat(b, [[3, 1], [2, 3]], 1)).toThrow('concat backward: input shape [3,1] does not fit dy [2, 4] outside axis 1');
  });
});
