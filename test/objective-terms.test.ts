// The fused objective terms of Network Inversion's step (src/ops/objective-terms.ts): the squared
// distance and the image priors added to a loss, against their CPU references (the unfused sums,
// src/reference/objective-terms.ts) on awkward shapes, and their gradients against finite
// differences.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { scalarNumericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/objective-terms.ts';
import type { Shape4 } from '../src/reference/image.ts';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);


describe('squaredDistance', () => {
  it('reference: a case worked by hand, and its gradient by finite differences', () => {
    const { value, grad } = ref.squaredDistance([1, 2, -1], [0, 4, -1], 0.5);
    expect(value).toBeCloseTo(0.5 * (1 + 4), 12);
    expectClose(grad, [1, -2, 0]);
    const x = randomArray(30, 1);
    const t = randomArray(30, 2);
    const numeric = scalarNumericGradient((p) => ref.squaredDistance(p, t, 0.3).value, x);
    expectClose(ref.squaredDistance(x, t, 0.3).grad, numeric, { rtol: 1e-6, atol: 1e-8 });
  });

  it('value and gradient match the reference (one element, odd sizes, more elements than partial sums)', async () => {
    const engine = await getEngine();
    // 40_001 elements: more than 4 per partial sum, so each thread strides several times.
    for (const [shape, weight] of [[[1], 1], [[7], 2.5], [[2, 3, 5, 7], 1 / 3], [[1, 1, 200, 200 + 1], 1e-3]] as [number[], number][]) {
      const xs = randomArray(size(shape), 3);
      const ts = randomArray(size(shape), 4);
      const x = engine.tensor(xs, shape);
      const t = engine.tensor(ts, shape);
      const expected = ref.squaredDistance(xs, ts, weight);
      const { value, grad } = engine.ops.squaredDistance(x, t, weight);
      expectClose(await value.read(), [expected.value], { label: `value ${shape}` });
      expectClose(await grad.read(), expected.grad, { label: `grad ${shape}` });
      expect(grad.shape).toEqual(shape);
      for (const u of [x, t, value, grad]) u.dispose();
    }
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(6), [2, 3]);
    const y = engine.tensor(new Float32Array(6), [3, 2]);
    expect(() => engine.ops.squaredDistance(x, y)).toThrow(/squaredDistance: x \[2, 3\] and target \[3, 2\] must have the same shape/);
    expect(() => engine.ops.squaredDistance(x, x, NaN)).toThrow(/squaredDistance: weight must be a finite number, got NaN/);
    expect(() => engine.ops.squaredDistance(x, [1] as never)).toThrow(/squaredDistance: target must be a Tensor/);
    x.dispose();
    y.dispose();
  });
});

// Odd sizes, batch 2, one pixel, a column, widths that are not multiples of the kernel's 4 x 4 blocks.
const SHAPES: Shape4[] = [
  [2, 3, 5, 7],
  [1, 1, 9, 13],
  [2, 1, 3, 2],
  [1, 3, 1, 1],
  [1, 1, 6, 1],
  [1, 3, 37, 45],
];

describe('imagePriors', () => {
  it('reference gradient matches finite differences (alpha 6 and 1.5, beta 2, 1 and 3, with a loss term)', () => {
    const shape: Shape4 = [2, 2, 4, 5];
    const x = randomArray(size(shape), 5, -1.5, 1.5);
    const lossGrad = randomArray(size(shape), 6);
    for (const [alpha, beta] of [[6, 2], [1.5, 1], [6, 3]]) {
      const weights = { alpha, alphaWeight: 0.2, beta, tvWeight: 0.7 };
      // The loss term's gradient is a constant: as if its value were gradScale <lossGrad, x>.
      const value = (p: Float64Array) => {
        let linear = 0;
        for (let i = 0; i < p.length; i++) linear += 3 * lossGrad[i] * p[i];
        return ref.imagePriors(p, shape, weights, { value: linear }).value;
      };
      const numeric = scalarNumericGradient(value, x);
      // For beta < 2 the gradient's epsilon moves it by a relative (1 - beta/2) eps / s (as totalVariation).
      expectClose(ref.imagePriors(x, shape, weights, { grad: lossGrad, gradScale: 3 }).grad, numeric, { rtol: 1e-4, atol: 1e-6, label: `alpha ${alpha} beta ${beta}` });
    }
  });

  it('its gradient on the GPU matches finite differences of its value (beta 2 and 1)', async () => {
    const engine = await getEngine();
    const shape: Shape4 = [1, 2, 5, 6];
    const data = randomArray(size(shape), 7, -1.2, 1.2);
    const x = engine.tensor(data, [...shape]);
    for (const beta of [2, 1]) {
      const weights = { alpha: 6, alphaWeight: 0.05, beta, tvWeight: 0.3 };
      const numeric = scalarNumericGradient((p) => ref.imagePriors(p, shape, weights).value, data);
      const { value, grad } = engine.ops.imagePriors(x, weights);
      expectClose(await grad.read(), numeric, { rtol: 1e-3, atol: 1e-4, label: `beta ${beta}` });
      value.dispose();
      grad.dispose();
    }
    x.dispose();
  });

  it('value and gradient match the reference on awkward shapes, with and without a loss term', async () => {
    const engine = await getEngine();
    const cases = [
      { alpha: 6, alphaWeight: 1e-3, beta: 2, tvWeight: 0.02 },
      { alpha: 1.5, alphaWeight: 0.5, beta: 1, tvWeight: 1 },
      { alpha: 3, alphaWeight: 0, beta: 3, tvWeight: 0.1 },
      { alphaWeight: 0.25, tvWeight: 0 },
    ];
    for (const shape of SHAPES) {
      const data = randomArray(size(shape), 8, -1.5, 1.5);
      data[0] = 0; // |x|^(alpha-1) at 0
      const lossGrad = randomArray(size(shape), 9);
      const x = engine.tensor(data, [...shape]);
      const dLoss = engine.tensor(lossGrad, [...shape]);
      const lossValue = engine.tensor([0.75], [1]);
      for (const [k, weights] of cases.entries()) {
        const withLoss = k % 2 === 0;
        const expected = withLoss ? ref.imagePriors(data, shape, weights, { value: 0.75, grad: lossGrad, gradScale: -2 }) : ref.imagePriors(data, shape, weights);
        const got = withLoss ? engine.ops.imagePriors(x, weights, { value: lossValue, grad: dLoss, gradScale: -2 }) : engine.ops.imagePriors(x, weights);
        const label = `${shape} ${JSON.stringify(weights)}${withLoss ? ' + loss' : ''}`;
        expectClose(await got.value.read(), [expected.value], { label: `value ${label}` });
        expectClose(await got.grad.read(), expected.grad, { label: `grad ${label}` });
        got.value.dispose();
        got.grad.dispose();
      }
      for (const t of [x, dLoss, lossValue]) t.dispose();
    }
  });

  it('a prior weighted 0 is dropped even where its gradient is infinite', async () => {
    const engine = await getEngine();
    // alpha 0.5: |x|^(-0.5) is 1e19 at x = 1e-38; weighted 0 it must add nothing (not 0 * inf).
    const x = engine.tensor([1e-38, -1e-38, 0.5, 2], [1, 1, 2, 2]);
    const { value, grad } = engine.ops.imagePriors(x, { alpha: 0.5, alphaWeight: 0, tvWeight: 1 });
    const expected = ref.imagePriors([1e-38, -1e-38, 0.5, 2], [1, 1, 2, 2], { alpha: 0.5, alphaWeight: 0, tvWeight: 1 });
    expectClose(await grad.read(), expected.grad);
    expectClose(await value.read(), [expected.value]);
    for (const t of [x, value, grad]) t.dispose();
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(6), [1, 1, 2, 3]);
    const flat = engine.tensor(new Float32Array(6), [6]);
    const pair = engine.tensor([1, 2], [2]);
    expect(() => engine.ops.imagePriors(flat, { alphaWeight: 1, tvWeight: 1 })).toThrow(/imagePriors: x must have rank 4, got shape \[6\]/);
    expect(() => engine.ops.imagePriors(x, { alphaWeight: -1, tvWeight: 1 })).toThrow(/imagePriors: alphaWeight must be a finite number >= 0, got -1/);
    expect(() => engine.ops.imagePriors(x, { alphaWeight: 1, tvWeight: 1, beta: 0 })).toThrow(/imagePriors: beta must be a finite number > 0, got 0/);
    expect(() => engine.ops.imagePriors(x, undefined as never)).toThrow(/imagePriors: priors must be an object/);
    expect(() => engine.ops.imagePriors(x, { alphaWeight: 1, tvWeight: 1 }, { grad: flat })).toThrow(/imagePriors: x \[1, 1, 2, 3\] and loss.grad \[6\] must have the same shape/);
    expect(() => engine.ops.imagePriors(x, { alphaWeight: 1, tvWeight: 1 }, { value: pair })).toThrow(/imagePriors: loss.value must hold one number, got shape \[2\]/);
    for (const t of [x, flat, pair]) t.dispose();
  });
});
