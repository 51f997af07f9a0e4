import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { scalarNumericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/image.ts';
import type { Shape4, Border } from '../src/reference/image.ts';

const size = (s: Shape4) => s[0] * s[1] * s[2] * s[3];


const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The roll of each plane by integer (dy, dx): y[h, w] = x[(h - dy) mod H, (w - dx) mod W]. */
function roll(x: ArrayLike<number>, [n, c, h, w]: Shape4, dy: number, dx: number): Float64Array {
  const y = new Float64Array(n * c * h * w);
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) y[(p * h + i) * w + j] = x[(p * h + mod(i - dy, h)) * w + mod(j - dx, w)];
  }
  return y;
}

// Odd sizes, batch 2, C = 1 and 3, sizes smaller than the blur radius and not multiples of 4.
const SHAPES: Shape4[] = [
  [2, 3, 5, 7],
  [1, 1, 9, 13],
  [2, 1, 3, 2],
  [1, 3, 1, 1],
  [1, 1, 6, 1],
];

describe('gaussian blur', () => {
  it('reference: the kernel, and a row and its adjoint worked by hand', () => {
    expectClose(ref.gaussianKernel(1, 1), [0.274068619061197, 0.451862761877606, 0.274068619061197]);
    // One row [0, 0, 1] (H = 1: the vertical pass is the identity), sigma 1, radius 1.
    expectClose(ref.gaussianBlur([0, 0, 1], [1, 1, 1, 3], 1, 1), [0, 0.274068619061197, 0.725931380938803]);
    // sigma 1, radius 2 on a row of 3: taps (c2, c1, c0, c1, c2); clamping makes the matrix
    // non-symmetric, y1 = (c1 + c2) x0 + c0 x1 + (c1 + c2) x2 while y0 = (c0 + c1 + c2) x0 + c1 x1 + c2 x2.
    const [c0, c1, c2] = [0.402619946894247, 0.244201342003233, 0.054488684549643];
    expectClose(ref.gaussianBlur([0, 1, 0], [1, 1, 1, 3], 1, 2), [c1, c0, c1]);
    expectClose(ref.gaussianBlurAdjoint([0, 1, 0], [1, 1, 1, 3], 1, 2), [c1 + c2, c0, c1 + c2]);
    expectClose(ref.gaussianBlurAdjoint([1, 0, 0], [1, 1, 1, 3], 1, 2), [c0 + c1 + c2, c1, c2]);
  });

  it('reference adjoint matches finite differences of the forward', () => {
    for (const [shape, sigma, radius] of [[[2, 3, 5, 7], 1.2, undefined], [[1, 1, 3, 2], 1, 4]] as [Shape4, number, number | undefined][]) {
      const x = randomArray(size(shape), 1);
      const dy = randomArray(size(shape), 2);
      const numeric = scalarNumericGradient((p) => dot(dy, ref.gaussianBlur(p, shape, sigma, radius)), x, 1e-5);
      expectClose(ref.gaussianBlurAdjoint(dy, shape, sigma, radius), numeric, { rtol: 1e-6, atol: 1e-8 });
    }
  });

  it('forward and adjoint match the reference on awkward shapes', async () => {
    const engine = await getEngine();
    for (const shape of SHAPES) {
      for (const [sigma, radius] of [[1, undefined], [0.7, 2], [2.5, 1], [1, 0]] as [number, number | undefined][]) {
        const data = randomArray(size(shape), 3);
        const x = engine.tensor(data, [...shape]);
        const label = `${shape} sigma ${sigma} radius ${radius}`;
        const y = engine.ops.gaussianBlur(x, sigma, radius);
        const dx = engine.grad.gaussianBlur(x, sigma, radius);
        expectClose(await y.read(), ref.gaussianBlur(data, shape, sigma, radius), { label: `blur ${label}` });
        expectClose(await dx.read(), ref.gaussianBlurAdjoint(data, shape, sigma, radius), { label: `adjoint ${label}` });
        for (const t of [x, y, dx]) t.dispose();
      }
    }
  });

  it('a realistic image: [1, 3, 67, 61], sigma 1', async () => {
    const engine = await getEngine();
    const shape: Shape4 = [1, 3, 67, 61];
    const data = randomArray(size(shape), 4);
    const x = engine.tensor(data, [...shape]);
    expectClose(await engine.ops.gaussianBlur(x, 1).read(), ref.gaussianBlur(data, shape, 1));
    expectClose(await engine.grad.gaussianBlur(x, 1).read(), ref.gaussianBlurAdjoint(data, shape, 1));
  });

  it('sigma 0 returns a copy (a new tensor)', async () => {
    const engine = await getEngine();
    const data = randomArray(2 * 3 * 4 * 5, 5);
    const x = engine.tensor(data, [2, 3, 4, 5]);
    const y = engine.ops.gaussianBlur(x, 0);
    expect(y).not.toBe(x);
    expect(Array.from(await y.read())).toEqual(Array.from(data));
    expect(Array.from(await engine.grad.gaussianBlur(x, 0).read())).toEqual(Array.from(data));
    // A sigma so small that 2 sigma^2 underflows: every tap but the centre is 0.
    expect(Array.from(await engine.ops.gaussianBlur(x, 1e-200, 2).read())).toEqual(Array.from(data));
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(60), [3, 4, 5]);
    const y = engine.tensor(new Float32Array(60), [1, 3, 4, 5]);
    expect(() => engine.ops.gaussianBlur(x, 1)).toThrow(/gaussianBlur: x must have rank 4, got shape \[3, 4, 5\]/);
    expect(() => engine.ops.gaussianBlur(y, -1)).toThrow(/gaussianBlur: sigma must be a finite number >= 0, got -1/);
    expect(() => engine.ops.gaussianBlur(y, NaN)).toThrow(/gaussianBlur: sigma/);
    expect(() => engine.ops.gaussianBlur(y, 1, 1.5)).toThrow(/gaussianBlur: radius must be an integer >= 0, got 1.5/);
    expect(() => engine.grad.gaussianBlur(x, 1)).toThrow(/gaussianBlur backward: dy must have rank 4/);
  });
});

describe('translate', () => {
  it('reference: half-pixel shifts worked by hand', () => {
    // y[w] = x[w - 0.5] = (x[w - 1] + x[w]) / 2
    expectClose(ref.translate([1, 2, 3, 4], [1, 1, 1, 4], 0, 0.5, 'wrap'), [2.5, 1.5, 2.5, 3.5]);
    expectClose(ref.translate([1, 2, 3, 4], [1, 1, 1, 4], 0, 0.5, 'zero'), [0.5, 1.5, 2.5, 3.5]);
    expectClose(ref.translate([1, 2, 3, 4], [1, 1, 4, 1], -1, 0, 'zero'), [2, 3, 4, 0]);
  });

  it('an integer shift with wrap is a roll', async () => {
    const engine = await getEngine();
    const shape: Shape4 = [2, 3, 5, 7];
    const data = randomArray(size(shape), 6);
    const x = engine.tensor(data, [...shape]);
    for (const [dy, dx] of [[1, 2], [-2, 3], [7, -9], [0, 0], [-5, 14]]) {
      expectClose(await engine.ops.translate(x, dy, dx).read(), roll(data, shape, dy, dx), { label: `roll ${dy} ${dx}` });
      expectClose(ref.translate(data, shape, dy, dx, 'wrap'), roll(data, shape, dy, dx));
    }
  });

  it('forward and adjoint match the reference (integer and fractional, wrap and zero)', async () => {
    const engine = await getEngine();
    const shifts = [[1, 2], [-2.25, 0.5], [0.75, -1.4], [3, -6], [-0.3, 0], [11.5, -20]];
    for (const shape of SHAPES) {
      const data = randomArray(size(shape), 7);
      const x = engine.tensor(data, [...shape]);
      for (const border of ['wrap', 'zero'] as Border[]) {
        for (const [dy, dx] of shifts) {
          const label = `${shape} ${border} (${dy}, ${dx})`;
          const y = engine.ops.translate(x, dy, dx, { border });
          const g = engine.grad.translate(x, dy, dx, { border });
          expectClose(await y.read(), ref.translate(data, shape, dy, dx, border), { label: `translate ${label}` });
          expectClose(await g.read(), ref.translateAdjoint(data, shape, dy, dx, border), { label: `adjoint ${label}` });
          y.dispose();
          g.dispose();
        }
      }
      x.dispose();
    }
  });

  it('reference adjoint matches finite differences of the forward', () => {
    const shape: Shape4 = [2, 1, 4, 5];
    const x = randomArray(size(shape), 8);
    const dy = randomArray(size(shape), 9);
    for (const border of ['wrap', 'zero'] as Border[]) {
      for (const [sy, sx] of [[1.3, -0.6], [-2, 1], [0.5, 4.75]]) {
        const numeric = scalarNumericGradient((p) => dot(dy, ref.translate(p, shape, sy, sx, border)), x, 1e-5);
        expectClose(ref.translateAdjoint(dy, shape, sy, sx, border), numeric, { rtol: 1e-6, atol: 1e-8, label: `${border} ${sy} ${sx}` });
      }
    }
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(12), [1, 3, 4]);
    const y = engine.tensor(new Float32Array(12), [1, 1, 3, 4]);
    expect(() => engine.ops.translate(x, 1, 1)).toThrow(/translate: x must have rank 4, got shape \[1, 3, 4\]/);
    expect(() => engine.ops.translate(y, NaN, 1)).toThrow(/translate: the shift \(NaN, 1\) must be finite numbers/);
    expect(() => engine.ops.translate(y, 1, 1, { border: 'reflect' as Border })).toThrow(/translate: border must be one of wrap, zero, got 'reflect'/);
    expect(() => engine.grad.translate(x, 1, 1)).toThrow(/translate backward: dy must have rank 4/);
  });
});

describe('total variation', () => {
  it('reference: a 2 x 2 image worked by hand', () => {
    // [[1, 2], [4, 8]]: (0,0) dh 1 dv 3, s 10; (0,1) dv 6, s 36; (1,0) dh 4, s 16; (1,1) nothing.
    const x = [1, 2, 4, 8];
    const two = ref.totalVariation(x, [1, 1, 2, 2], 2);
    expect(two.value).toBeCloseTo(62, 12);
    // grad = q (terms into each pixel) with q = 2: -2(1+3), 2*1 - 2*6, 2*3 - 2*4, 2*4 + 2*6
    expectClose(two.grad, [-8, -10, -2, 20]);
    const one = ref.totalVariation(x, [1, 1, 2, 2], 1);
    expect(one.value).toBeCloseTo(Math.sqrt(10) + 6 + 4, 12);
    // beta = 1: q = 1 / sqrt(s): pixel (0,0) gets -(1 + 3) / sqrt(10)
    expect(one.grad[0]).toBeCloseTo(-4 / Math.sqrt(10), 7);
    expect(one.grad[3]).toBeCloseTo(4 / 4 + 6 / 6, 7);
  });

  it('reference gradient matches finite differences (beta 2, 1, 1.5, 3)', () => {
    const shape: Shape4 = [2, 2, 4, 5];
    const x = randomArray(size(shape), 10);
    for (const beta of [2, 1, 1.5, 3]) {
      const numeric = scalarNumericGradient((p) => ref.totalVariation(p, shape, beta).value, x, 1e-6);
      // The formula itself (eps = 0) is exact; the default eps for beta < 2 moves the gradient
      // by a relative (1 - beta/2) eps / s, about 5e-5 where a difference is as small as 0.01.
      expectClose(ref.totalVariation(x, shape, beta, 0).grad, numeric, { rtol: 1e-6, atol: 1e-8, label: `beta ${beta}` });
      expectClose(ref.totalVariation(x, shape, beta).grad, numeric, { rtol: 1e-4, atol: 1e-6, label: `beta ${beta} with eps` });
    }
  });

  it('value and gradient match the reference on awkward shapes', async () => {
    const engine = await getEngine();
    for (const shape of [...SHAPES, [1, 3, 37, 45] as Shape4]) {
      const data = randomArray(size(shape), 11);
      const x = engine.tensor(data, [...shape]);
      for (const beta of [2, 1, 1.5, 3]) {
        const expected = ref.totalVariation(data, shape, beta);
        const { value, grad } = engine.ops.totalVariation(x, beta);
        const label = `${shape} beta ${beta}`;
        expectClose(await value.read(), [expected.value], { label: `value ${label}` });
        expectClose(await grad.read(), expected.grad, { label: `grad ${label}` });
        value.dispose();
        grad.dispose();
      }
      x.dispose();
    }
  });

  it('is finite on a flat image with beta < 2 (the epsilon)', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(2 * 3 * 5 * 6).fill(0.25), [2, 3, 5, 6]);
    for (const beta of [1, 2, 3]) {
      const { value, grad } = engine.ops.totalVariation(x, beta);
      expect(Array.from(await value.read())).toEqual([0]);
      expect((await grad.read()).every((v) => v === 0)).toBe(true);
    }
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(6), [2, 3]);
    const y = engine.tensor(new Float32Array(6), [1, 1, 2, 3]);
    expect(() => engine.ops.totalVariation(x)).toThrow(/totalVariation: x must have rank 4, got shape \[2, 3\]/);
    expect(() => engine.ops.totalVariation(y, 0)).toThrow(/totalVariation: beta must be a finite number > 0, got 0/);
  });
});

describe('alpha norm', () => {
  it('reference: a case worked by hand', () => {
    const { value, grad } = ref.alphaNorm([1, -2, 0, 0.5], 3);
    expect(value).toBeCloseTo(1 + 8 + 0 + 0.125, 12);
    expectClose(grad, [3, -12, 0, 0.75]);
  });

  it('reference gradient matches finite differences (alpha 6 and 1.5)', () => {
    const x = randomArray(60, 12, -1.5, 1.5);
    for (const alpha of [6, 1.5]) {
      const numeric = scalarNumericGradient((p) => ref.alphaNorm(p, alpha).value, x, 1e-6);
      expectClose(ref.alphaNorm(x, alpha).grad, numeric, { rtol: 1e-5, atol: 1e-7, label: `alpha ${alpha}` });
    }
  });

  it('value and gradient match the reference (several workgroups of partial sums)', async () => {
    const engine = await getEngine();
    for (const [shape, alpha] of [[[2, 3, 5, 7], 6], [[1, 3, 101, 99], 6], [[2, 1, 3, 3], 2.5], [[7], 1]] as [number[], number][]) {
      const data = randomArray(shape.reduce((a, b) => a * b), 13, -1.5, 1.5);
      data[0] = 0; // |x|^(alpha-1) at 0
      const x = engine.tensor(data, shape);
      const expected = ref.alphaNorm(data, alpha);
      const { value, grad } = engine.ops.alphaNorm(x, alpha);
      expectClose(await value.read(), [expected.value], { label: `value ${shape} alpha ${alpha}` });
      expectClose(await grad.read(), expected.grad, { label: `grad ${shape} alpha ${alpha}` });
    }
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, 2], [2]);
    expect(() => engine.ops.alphaNorm(x, -1)).toThrow(/alphaNorm: alpha must be a finite number > 0, got -1/);
    expect(() => engine.ops.alphaNorm([1, 2] as never)).toThrow(/alphaNorm: x must be a Tensor/);
  });
});

describe('per-pixel norm, contribution and mask', () => {
  it('cases worked by hand', async () => {
    const engine = await getEngine();
    // One image, 2 channels, 1 x 2 pixels: channel 0 = [3, 1], channel 1 = [4, -1].
    const x = engine.tensor([3, 1, 4, -1], [1, 2, 1, 2]);
    const g = engine.tensor([1, -2, 0.5, 3], [1, 2, 1, 2]);
    const mask = engine.tensor([0, 1], [1, 1, 1, 2]);
    expectClose(await engine.ops.pixelNorm(x).read(), [5, Math.SQRT2]);
    expectClose(await engine.ops.pixelContribution(x, g).read(), [3 + 2, 2 + 3]);
    expectClose(await engine.ops.maskPixels(x, mask).read(), [0, 1, 0, -1]);
    expectClose(ref.pixelNorm([3, 1, 4, -1], [1, 2, 1, 2]), [5, Math.SQRT2]);
    expectClose(ref.pixelContribution([3, 1, 4, -1], [1, -2, 0.5, 3], [1, 2, 1, 2]), [5, 5]);
    expectClose(ref.maskPixels([3, 1, 4, -1], [0, 1], [1, 2, 1, 2]), [0, 1, 0, -1]);
  });

  it('match the reference on awkward shapes', async () => {
    const engine = await getEngine();
    for (const shape of [...SHAPES, [2, 3, 19, 23] as Shape4]) {
      const [n, , h, w] = shape;
      const xd = randomArray(size(shape), 14);
      const gd = randomArray(size(shape), 15);
      const md = randomArray(n * h * w, 16, 0, 2).map((v) => (v > 1 ? 1 : 0));
      const x = engine.tensor(xd, [...shape]);
      const g = engine.tensor(gd, [...shape]);
      const mask = engine.tensor(md, [n, 1, h, w]);
      const norm = engine.ops.pixelNorm(x);
      expect(norm.shape).toEqual([n, 1, h, w]);
      expectClose(await norm.read(), ref.pixelNorm(xd, shape), { label: `pixelNorm ${shape}` });
      expectClose(await engine.ops.pixelContribution(x, g).read(), ref.pixelContribution(xd, gd, shape), { label: `pixelContribution ${shape}` });
      expectClose(await engine.ops.maskPixels(x, mask).read(), ref.maskPixels(xd, md, shape), { label: `maskPixels ${shape}` });
    }
  });

  it('rejects bad inputs before GPU work', async () => {
    const engine = await getEngine();
    const x = engine.tensor(new Float32Array(24), [2, 3, 2, 2]);
    const g = engine.tensor(new Float32Array(24), [2, 3, 4, 1]);
    const mask = engine.tensor(new Float32Array(8), [2, 2, 1, 2]);
    expect(() => engine.ops.pixelNorm(engine.tensor(new Float32Array(4), [4]))).toThrow(/pixelNorm: x must have rank 4, got shape \[4\]/);
    expect(() => engine.ops.pixelContribution(x, g)).toThrow(/pixelContribution: x \[2, 3, 2, 2\] and g \[2, 3, 4, 1\] must have the same shape/);
    expect(() => engine.ops.maskPixels(x, mask)).toThrow(/maskPixels: mask \[2, 2, 1, 2\] must be \[2, 1, 2, 2\] for x \[2, 3, 2, 2\]/);
  });
});
