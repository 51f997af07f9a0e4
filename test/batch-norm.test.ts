import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import * as ref from '../src/reference/batch-norm.ts';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const EPS = 1e-5;

// Maps whose size is a multiple of 4 (the kernels' aligned path) and maps whose size is not, odd
// sizes, one value per channel and image ([N, C]), one channel, one image (the statistics of a
// single map), means far from zero.
const SHAPES = [[2, 3, 5, 7], [3, 5, 11, 13], [4, 6], [1, 1, 9, 9], [5, 2, 1, 1], [2, 4, 17, 3], [3, 5, 4, 6], [2, 3, 8, 8], [4, 8]];

/** Inputs with a per-channel offset and spread, so that every channel's statistics differ. */
function activations(shape: number[], seed: number): Float32Array {
  const x = randomArray(size(shape), seed, -1, 1);
  const c = shape[1];
  const hw = shape.length === 4 ? shape[2] * shape[3] : 1;
  return x.map((v, i) => {
    const ch = Math.floor(i / hw) % c;
    return v * (1 + ch) + 3 * ch - 2;
  });
}

describe('batch norm reference', () => {
  it('matches values worked by hand', () => {
    // One channel, values 1, 2, 3, 6: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5.
    const stats = ref.batchStatistics([1, 2, 3, 6], [2, 1, 1, 2]);
    expectClose(stats.mean, [3], { rtol: 1e-12 });
    expectClose(stats.variance, [3.5], { rtol: 1e-12 });
    const y = ref.batchNormTraining([1, 2, 3, 6], [2, 1, 1, 2], [2], [1], 0);
    const s = Math.sqrt(3.5);
    expectClose(y, [1 - 4 / s, 1 - 2 / s, 1, 1 + 6 / s], { rtol: 1e-12 });
  });

  it('backward matches finite differences, with batch statistics and with fixed ones', () => {
    for (const shape of [[2, 3, 2, 3], [5, 2], [1, 2, 3, 1]]) {
      const c = shape[1];
      const x = activations(shape, 1);
      const dy = randomArray(size(shape), 2);
      const scale = randomArray(c, 3, 0.5, 2);
      const shift = randomArray(c, 4);
      const label = `[${shape}]`;
      // Batch statistics: the statistics move with x.
      const training = ref.batchNormBackward(x, dy, shape, ref.batchStatistics(x, shape), scale, EPS, true);
      expectClose(training.dx, numericGradient((v) => ref.batchNormTraining(v, shape, scale, shift, EPS), x, dy), { rtol: 1e-5, atol: 1e-7, label });
      const dScaleNumeric = numericGradient((g) => ref.batchNormTraining(x, shape, g, shift, EPS), scale, dy);
      expectClose(training.dscale, dScaleNumeric, { rtol: 1e-5, atol: 1e-7, label });
      expectClose(training.dshift, numericGradient((b) => ref.batchNormTraining(x, shape, scale, b, EPS), shift, dy), { rtol: 1e-5, atol: 1e-7, label });
      // Fixed statistics: a per-channel affine map.
      const stats = { mean: Float64Array.from(randomArray(c, 5)), variance: Float64Array.from(randomArray(c, 6, 0.5, 3)) };
      const fixed = ref.batchNormBackward(x, dy, shape, stats, scale, EPS, false);
      expectClose(fixed.dx, numericGradient((v) => ref.batchNorm(v, shape, stats, scale, shift, EPS), x, dy), { rtol: 1e-5, atol: 1e-7, label });
    }
  });
});

describe('batch norm', () => {
  it('statistics, and the running averages they update, match the reference', async () => {
    const engine = await getEngine();
    for (const shape of SHAPES) {
      const c = shape[1];
      const x = activations(shape, 7);
      const expected = ref.batchStatistics(x, shape);
      const runningMean = randomArray(c, 8);
      const runningVariance = randomArray(c, 9, 0.5, 2);
      const running = { mean: engine.tensor(runningMean, [c]), variance: engine.tensor(runningVariance, [c]), momentum: 0.1 };
      const stats = engine.ops.batchNormStatistics(engine.tensor(x, shape), running);
      const label = `[${shape}]`;
      expectClose(await stats.mean.read(), expected.mean, { label });
      expectClose(await stats.variance.read(), expected.variance, { rtol: 1e-4, atol: 1e-5, label });
      const count = size(shape) / c;
      const unbiased = expected.variance.map((v) => (v * count) / Math.max(count - 1, 1));
      expectClose(await running.mean.read(), runningMean.map((m, k) => 0.9 * m + 0.1 * expected.mean[k]), { label });
      expectClose(await running.variance.read(), runningVariance.map((v, k) => 0.9 * v + 0.1 * unbiased[k]), { label });
      // Without running statistics nothing else is written.
      const plain = engine.ops.batchNormStatistics(engine.tensor(x, shape));
      expectClose(await plain.mean.read(), expected.mean, { label });
    }
  });

  it('forward and backward match the reference, with batch and with running statistics', async () => {
    const engine = await getEngine();
    for (const shape of SHAPES) {
      const c = shape[1];
      const x = activations(shape, 11);
      const dy = randomArray(size(shape), 12);
      const scale = randomArray(c, 13, 0.5, 2);
      const shift = randomArray(c, 14);
      const xt = engine.tensor(x, shape);
      const params = { scale: engine.tensor(scale, [c]), shift: engine.tensor(shift, [c]), epsilon: EPS };
      const label = `[${shape}]`;

      const stats = engine.ops.batchNormStatistics(xt);
      expectClose(await engine.ops.batchNorm(xt, stats, params).read(), ref.batchNormTraining(x, shape, scale, shift, EPS), { rtol: 1e-4, atol: 1e-4, label });
      const g = engine.grad.batchNorm(xt, engine.tensor(dy, shape), stats, { ...params, batchStatistics: true });
      const e = ref.batchNormBackward(x, dy, shape, ref.batchStatistics(x, shape), scale, EPS, true);
      expectClose(await g.dx.read(), e.dx, { rtol: 1e-3, atol: 1e-4, label });
      expectClose(await g.dscale.read(), e.dscale, { rtol: 1e-4, atol: 1e-4, label });
      expectClose(await g.dshift.read(), e.dshift, { rtol: 1e-4, atol: 1e-4, label });

      const fixed = { mean: Float64Array.from(randomArray(c, 15)), variance: Float64Array.from(randomArray(c, 16, 0.5, 3)) };
      const fixedGpu = { mean: engine.tensor(Float32Array.from(fixed.mean), [c]), variance: engine.tensor(Float32Array.from(fixed.variance), [c]) };
      expectClose(await engine.ops.batchNorm(xt, fixedGpu, params).read(), ref.batchNorm(x, shape, fixed, scale, shift, EPS), { rtol: 1e-4, atol: 1e-4, label });
      const gf = engine.grad.batchNorm(xt, engine.tensor(dy, shape), fixedGpu, { ...params, batchStatistics: false });
      expectClose(await gf.dx.read(), ref.batchNormBackward(x, dy, shape, fixed, scale, EPS, false).dx, { label });
    }
  });

  it('names the bad input', async () => {
    const engine = await getEngine();
    const x = engine.zeros([2, 3, 4, 4]);
    const three = engine.zeros([3]);
    const four = engine.zeros([4]);
    expect(() => engine.ops.batchNormStatistics(engine.zeros([2, 3, 4]))).toThrow(/batchNormStatistics: x must be \[N, C\] or \[N, C, H, W\], got \[2, 3, 4\]/);
    expect(() => engine.ops.batchNorm(x, { mean: three, variance: four }, { scale: three, shift: three })).toThrow(/batchNorm: variance must be \[3\].*got \[4\]/);
    expect(() => engine.ops.batchNorm(x, { mean: three, variance: three }, { scale: three, shift: three, epsilon: 0 })).toThrow(/epsilon must be a positive number/);
    expect(() => engine.ops.batchNormStatistics(x, { mean: three, variance: three, momentum: 2 })).toThrow(/momentum must be in \(0, 1\]/);
    expect(() => engine.grad.batchNorm(x, engine.zeros([2, 3, 4, 5]), { mean: three, variance: three }, { scale: three, shift: three, batchStatistics: true })).toThrow(
      /batchNorm backward: dy \[2, 3, 4, 5\] must have the shape of x \[2, 3, 4, 4\]/,
    );
  });
});
