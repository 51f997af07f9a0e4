// engine.ops.rotate / engine.grad.rotate (shaders/rotate-bilinear*.wgsl) against the CPU reference
// (src/reference/rotate.ts) on awkward shapes and angles; the backward is the forward's exact
// adjoint; angle 0 is the identity and a quarter turn of a square is a permutation.

import { describe, expect, it } from 'vitest';
import { createSmallEngine } from './helpers/small-engine.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/rotate.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// [shape, degrees, scale]: odd H != W, batch 2, 3 and 1 channels (groups of 4 planes per thread,
// partly filled), 77 or 65 pixels a plane (not a multiple of the workgroup of 64), angles 0, tiny,
// quarter and half turns, negative, beyond a turn, and zooms in and out (a wider backward box).
const CASES: [number[], number, number][] = [
  [[2, 3, 7, 11], 0, 1],
  [[2, 3, 7, 11], 1e-3, 1],
  [[2, 3, 7, 11], 90, 1],
  [[2, 3, 7, 11], 180, 1],
  [[1, 1, 13, 5], -33, 1],
  [[2, 1, 13, 5], 417, 1],
  [[1, 3, 9, 8], 10, 1.5],
  [[2, 3, 8, 9], -25, 0.7],
  [[1, 5, 6, 6], 45, 1],
];

describe('rotate reference', () => {
  it('turns a 3 x 3 picture a quarter anticlockwise, halves a half-pixel offset, zeros outside', () => {
    // 1 2 3        3 6 9
    // 4 5 6   ->   2 5 8
    // 7 8 9        1 4 7
    expect(Array.from(ref.rotate([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], 90))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    // 1 x 2 turned half a turn swaps the two; zoomed out by 1/2 each reads halfway to the centre
    // and a quarter turn of 1 x 2 reads (column 0.5, row -0.5, +0.5): half outside, half between.
    expect(Array.from(ref.rotate([1, 3], [1, 1, 1, 2], 180))).toEqual([3, 1]);
    expect(Array.from(ref.rotate([1, 3], [1, 1, 1, 2], 0, 2))).toEqual([1.5, 2.5]);
    expect(Array.from(ref.rotate([1, 3], [1, 1, 1, 2], 90))).toEqual([1, 1]);
  });

  it('backward matches finite differences', () => {
    for (const [shape, degrees, scale] of CASES.slice(4, 8)) {
      const x = randomArray(size(shape), 1);
      const dy = randomArray(size(shape), 2);
      const numeric = numericGradient((v) => ref.rotate(v, shape, degrees, scale), x, dy);
      expectClose(ref.rotateBackward(dy, shape, degrees, scale), numeric, { rtol: 1e-6, atol: 1e-9, label: `${shape} ${degrees} deg x${scale}` });
    }
  });
});

describe('rotate', () => {
  it('matches the reference: odd sizes, batch 2, 1 to 5 channels, every kind of angle, zooms', async () => {
    const engine = await getEngine();
    for (const [shape, degrees, scale] of CASES) {
      const x = randomArray(size(shape), 3);
      const y = engine.ops.rotate(engine.tensor(x, shape), degrees, { scale });
      expect(y.shape).toEqual(shape);
      expectClose(await y.read(), ref.rotate(x, shape, degrees, scale), { label: `${shape} ${degrees} deg x${scale}` });
    }
  });

  it('backward (a gather) matches the reference', async () => {
    const engine = await getEngine();
    for (const [shape, degrees, scale] of CASES) {
      const dy = randomArray(size(shape), 4);
      const dx = engine.grad.rotate(engine.tensor(dy, shape), degrees, { scale });
      expect(dx.shape).toEqual(shape);
      expectClose(await dx.read(), ref.rotateBackward(dy, shape, degrees, scale), { label: `${shape} ${degrees} deg x${scale}` });
    }
  });

  it('the backward is the adjoint: <R x, y> = <x, R^T y>', async () => {
    const engine = await getEngine();
    const shape = [2, 3, 15, 17];
    const xData = randomArray(size(shape), 5, 0, 1); // positive: the sums are large (about 1530 / 4)
    const yData = randomArray(size(shape), 6, 0, 1);
    const x = engine.tensor(xData, shape);
    const y = engine.tensor(yData, shape);
    for (const [degrees, scale] of [[7.5, 1], [-130, 1], [23, 1.8], [61, 0.6]]) {
      const lhs = dot(await engine.ops.rotate(x, degrees, { scale }).read(), yData);
      const rhs = dot(xData, await engine.grad.rotate(y, degrees, { scale }).read());
      expect(Math.abs(lhs - rhs), `${degrees} deg x${scale}: ${lhs} vs ${rhs}`).toBeLessThan(1e-6 * size(shape));
      expect(Math.abs(lhs)).toBeGreaterThan(100); // a real sum, not two zeros
    }
  });

  it('angle 0 (and a whole turn) is the identity, forward and backward, bit for bit', async () => {
    const engine = await getEngine();
    const shape = [1, 2, 6, 9];
    const data = randomArray(size(shape), 7);
    const x = engine.tensor(data, shape);
    for (const degrees of [0, 360, -720]) {
      expect(Array.from(await engine.ops.rotate(x, degrees).read())).toEqual(Array.from(data));
      expect(Array.from(await engine.grad.rotate(x, degrees).read())).toEqual(Array.from(data));
    }
  });

  it('a quarter turn of a square odd picture is an exact permutation, and four make the identity', async () => {
    const engine = await getEngine();
    const n = 9;
    const shape = [2, 1, n, n];
    const data = randomArray(size(shape), 8);
    const y = await engine.ops.rotate(engine.tensor(data, shape), 90).read();
    const expected = new Float32Array(data.length);
    // Output (row r, column c) shows input (row c, column n-1-r): anticlockwise.
    for (let b = 0; b < 2; b++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expected[b * n * n + r * n + c] = data[b * n * n + c * n + (n - 1 - r)];
    expect(Array.from(y)).toEqual(Array.from(expected));
    let t = engine.tensor(data, shape);
    for (let k = 0; k < 4; k++) t = engine.ops.rotate(t, -90);
    expect(Array.from(await t.read())).toEqual(Array.from(data));
    // -90 undoes 90 through the backward too (the transpose of a permutation is its inverse).
    expect(Array.from(await engine.grad.rotate(engine.tensor(expected, shape), 90).read())).toEqual(Array.from(data));
  });

  it('works on tensors larger than the binding limit (1 MiB here), in chunks of planes', async () => {
    const small = await createSmallEngine();
    try {
      const shape = [2, 11, 109, 113]; // 1.08 MB
      const x = randomArray(size(shape), 9);
      const xt = small.tensor(x, shape);
      expect(() => small.ops.relu(xt)).toThrow(/more than maxStorageBufferBindingSize/);
      expectClose((await small.ops.rotate(xt, 30).read()) as Float32Array, ref.rotate(x, shape, 30));
      expectClose((await small.grad.rotate(xt, 30).read()) as Float32Array, ref.rotateBackward(x, shape, 30));
    } finally {
      small.destroy();
    }
  });

  it('rejects bad inputs with one line, before any GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(12, 1), [1, 1, 3, 4]);
    expect(() => engine.ops.rotate(x, Number.NaN)).toThrow('rotate: the angle must be a finite number of degrees, got NaN');
    expect(() => engine.ops.rotate(x, 10, { scale: 0 })).toThrow('rotate: scale must be a number in (0, 10], got 0');
    expect(() => engine.grad.rotate(x, 10, { scale: 11 })).toThrow('rotate backward: scale must be a number in (0, 10], got 11');
    expect(() => engine.ops.rotate(engine.tensor(randomArray(12, 1), [3, 4]), 10)).toThrow('rotate: x must have rank 4, got shape [3, 4]');
    expect(() => engine.grad.rotate(engine.tensor(randomArray(12, 1), [3, 4]), 10)).toThrow('rotate backward: dy must have rank 4, got shape [3, 4]');
  });
});
