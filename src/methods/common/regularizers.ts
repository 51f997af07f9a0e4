// Projections applied to an image batch [B, C, H, W] between optimisation steps, each per image:
// Yosinski et al. 2015's r_theta (L2 decay, Gaussian blur, clipping of the pixels of lowest norm
// or lowest contribution) and Erhan et al. 2009's fixed norm. Every function returns a new tensor
// and leaves its input alone. Zero is the model's input-space zero (the dataset mean colour for
// mean-subtracted inputs), as in the papers, which work in Caffe's mean-subtracted space.
//
// The percentile clippings and the fixed norm need per-image numbers: the per-pixel map (C times
// smaller than the image) or one sum per image is read back, the threshold found on the CPU, and
// the mask or scale goes back up: exact percentiles, at the price of one wait per step.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';

/** x <- (1 - decay) x. */
export function l2Decay(engine: Engine, x: Tensor, decay: number): Tensor {
  if (!(Number.isFinite(decay) && decay >= 0 && decay <= 1)) throw new Error(`L2 decay must be in [0, 1], got ${decay}`);
  return engine.ops.scale(x, 1 - decay);
}

/** A Gaussian blur of standard deviation `width` pixels (Yosinski's theta_b_width). */
export function blurImage(engine: Engine, x: Tensor, width: number): Tensor {
  if (!(Number.isFinite(width) && width >= 0)) throw new Error(`blur width must be a finite number >= 0, got ${width}`);
  return engine.ops.gaussianBlur(x, width);
}

/**
 * The threshold below which `percent`% of `values` lie: the value of ascending rank
 * floor(percent / 100 * n) (so with distinct values exactly that many are below it).
 */
export function lowPercentileThreshold(values: ArrayLike<number>, percent: number): number {
  const sorted = Float64Array.from(values).sort();
  const k = Math.floor((percent / 100) * sorted.length);
  return k >= sorted.length ? Infinity : sorted[k];
}

function checkPercent(what: string, percent: number): void {
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) throw new Error(`${what} percentile must be in [0, 100], got ${percent}`);
}

/** Zeroes, in each image, the pixels whose `score` map [B, 1, H, W] lies in the lowest `percent`%. */
async function clipLowest(engine: Engine, x: Tensor, score: Tensor, percent: number): Promise<Tensor> {
  const values = await score.readFloat();
  const [b, , h, w] = score.shape;
  const plane = h * w;
  const mask = new Float32Array(values.length);
  for (let n = 0; n < b; n++) {
    const own = values.subarray(n * plane, (n + 1) * plane);
    const threshold = lowPercentileThreshold(own, percent);
    for (let i = 0; i < plane; i++) mask[n * plane + i] = own[i] < threshold ? 0 : 1;
  }
  const m = engine.tensor(mask, score.shape);
  const out = engine.ops.maskPixels(x, m);
  m.dispose();
  return out;
}

/** Yosinski's norm clipping: pixels whose norm over colour is in the lowest `percent`% become 0. */
export async function clipLowNorm(engine: Engine, x: Tensor, percent: number): Promise<Tensor> {
  checkPercent('norm clipping', percent);
  const norms = engine.ops.pixelNorm(x);
  try {
    return await clipLowest(engine, x, norms, percent);
  } finally {
    norms.dispose();
  }
}

/**
 * Yosinski's contribution clipping: the contribution of a pixel is sum over colour of |x * grad|
 * (how much the objective would change, to first order, were the pixel set to 0); the lowest
 * `percent`% become 0.
 */
export async function clipLowContribution(engine: Engine, x: Tensor, grad: Tensor, percent: number): Promise<Tensor> {
  checkPercent('contribution clipping', percent);
  const contribution = engine.ops.pixelContribution(x, grad);
  try {
    return await clipLowest(engine, x, contribution, percent);
  } finally {
    contribution.dispose();
  }
}

/** Each image's Euclidean norm, read back. */
export async function imageNorms(engine: Engine, x: Tensor): Promise<number[]> {
  const b = x.shape[0];
  const rest = x.size / b;
  const squares = engine.ops.square(x);
  const column = squares.reshape([b, 1, rest, 1]);
  const means = engine.ops.spatialMean(column);
  const data = await means.readFloat();
  for (const t of [squares, column, means]) t.dispose();
  return Array.from(data, (m) => Math.sqrt(m * rest));
}

/** Erhan et al. 2009: each image rescaled to Euclidean norm `norm` (an all-zero image stays zero). */
export async function fixNorm(engine: Engine, x: Tensor, norm: number): Promise<Tensor> {
  if (!(Number.isFinite(norm) && norm > 0)) throw new Error(`the fixed norm must be a finite number > 0, got ${norm}`);
  const norms = await imageNorms(engine, x);
  const b = x.shape[0];
  const factors = engine.tensor(norms.map((n) => (n > 0 ? norm / n : 0)), [b]);
  const view = x.reshape([1, b, x.size / b, 1]); // one "channel" per image: the per-channel broadcast
  const scaled = engine.ops.mul(view, factors);
  const out = scaled.reshape(x.shape);
  for (const t of [factors, view, scaled]) t.dispose();
  return out;
}
