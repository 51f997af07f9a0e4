// Network inversion by regularized optimization (Mahendran & Vedaldi 2015, "Understanding deep
// image representations by inverting them", section 3). Given the representation Phi_0 = Phi(x_0)
// of an image at one layer, find an image whose representation matches it:
//
//   u* = argmin_u  ||Phi(B u) - Phi_0||^2 / ||Phi_0||^2  +  lambda_a R_a(u)  +  lambda_TV R_TV^beta(u)
//   x* = B u*
//
//   R_a(u)       = sum |u|^a                                   (a = 6: keeps pixels in range)
//   R_TV^beta(u) = sum_ij ((u[i,j+1]-u[i,j])^2 + (u[i+1,j]-u[i,j])^2)^(beta/2)   (beta = 2; 1 spikes)
//
// Normalization (the paper's section 3.3): the optimized pixels u are the image divided by B, the
// average Euclidean norm of natural images (per pixel: the norm of its C-vector, in the model's
// input space), so that a typical pixel of u has norm about 1 (the paper's Phi(sigma x) with
// sigma = B). The regularizers are then normalized to be about 1 on a natural image, as the paper
// chooses the lambdas relative to B: R_a / (H W) (|u| ~ 1 per pixel) and, with V = 1/6.5 the
// typical size of a pixel difference relative to B (the paper's V = B / 6.5), R_TV / (H W V^beta).
// The lambdas below weigh those normalized terms:
//   lambda_a  = alphaWeight / (H W)                  alphaWeight  = 1e-3 (default)
//   lambda_TV = tvWeight / (H W V^beta)              tvWeight     = 1e-3 (default)
// so the reconstruction term (which is 1 at u = 0) dominates, as in the paper's low layers.
//
// B: the paper measures it on a training set. By default it is measured on the image being
// inverted (its mean per-pixel norm in the model's input space), so that any model and image work
// without a dataset at hand; `naturalImageNorm` over a set gives the dataset value, passed as `B`.
// Measured: the default model's input space, 256 concept images: B = 2.18; ImageNet preprocessing,
// the five photos of ../shared/images: B = 2.29 (chelsea.png alone: 1.07).
//
// Optimizer: gradient descent with momentum 0.9 and a learning rate decaying exponentially to
// `decay` (0.1) times its first value over the run, from random noise (u ~ N(0, 0.1^2) per
// element), `steps` = 200 by default ("a few hundred"). The first rate: given, or by default
// `stepSize / rms(g_0)` with g_0 the objective's gradient at the starting noise, so that the first
// step moves a pixel by about `stepSize` in normalized units whatever the layer's scale (the paper
// tunes its rate per network; this is the same knob measured instead of hand-set).
// Optional jitter (a random shift of up to `jitter` pixels before the network at each step, the
// 2016 paper's transformation robustness). relativeError = ||Phi(x*) - Phi_0|| / ||Phi_0||,
// measured after the run, without jitter.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { tensorToImage, type RgbaImage } from '../../data/image.ts';
import { Random } from '../../data/concepts/random.ts';
import { decayingRate, optimizeImage, type Evaluation, type StepInfo } from '../common/optimize.ts';
import { applyTransforms, jitter as jitterTransform, type ImageTransform } from '../common/transforms.ts';

/** The paper's V = B / 6.5: the typical finite difference of a natural image, relative to B. */
export const TV_SCALE = 1 / 6.5;

export interface InversionOptions {
  /** The layer (node name) whose representation is inverted. */
  layer: string;
  /** Gradient steps (default 200). */
  steps?: number;
  /** Seed of the starting noise and of the jitter (default 0). */
  seed?: number;
  /** a of R_a (default 6). */
  alpha?: number;
  /** beta of R_TV (default 2). */
  beta?: number;
  /** Weight of R_a / (H W) (default 1e-3). */
  alphaWeight?: number;
  /** Weight of R_TV / (H W V^beta) (default 1e-3). */
  tvWeight?: number;
  /** B: the average per-pixel Euclidean norm of natural images in the input space (default: the image's own). */
  B?: number;
  /** The first learning rate (default: stepSize / rms of the first gradient). */
  learningRate?: number;
  /** With the default learning rate: the first step's RMS pixel move in units of B (default 0.1). */
  stepSize?: number;
  /** The learning rate at the last step relative to the first (default 0.1). */
  decay?: number;
  /** Momentum (default 0.9). */
  momentum?: number;
  /** Standard deviation of the starting noise, in units of B (default 0.1). */
  initScale?: number;
  /** Random shift of up to this many pixels at each step (default 0: none). */
  jitter?: number;
  onStep?: (info: StepInfo) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface InversionResult {
  /** The reconstruction x* = B u*, [1, C, H, W] in the model's input space (the caller disposes it). */
  image: Tensor;
  /** ||Phi(x*) - Phi_0|| / ||Phi_0||. */
  relativeError: number;
  /** The objective at each step. */
  losses: number[];
  /** The reconstruction for display. */
  rgba: RgbaImage;
  /** The B used and the first learning rate used. */
  B: number;
  learningRate: number;
  /** Wall time of the optimization, seconds. */
  seconds: number;
}

const DEFAULTS = {
  steps: 200,
  seed: 0,
  alpha: 6,
  beta: 2,
  alphaWeight: 1e-3,
  tvWeight: 1e-3,
  stepSize: 0.1,
  decay: 0.1,
  momentum: 0.9,
  initScale: 0.1,
  jitter: 0,
};

function checkOptions(model: Model, image: Tensor, options: InversionOptions): Required<Omit<InversionOptions, 'B' | 'learningRate' | 'onStep' | 'signal'>> {
  const name = 'invertRepresentation';
  if (!options || typeof options.layer !== 'string') throw new Error(`${name}: options.layer (a layer name) is required`);
  model.layerShape(options.layer); // throws listing the layers
  const [c, h, w] = model.inputShape;
  const s = image.shape;
  if (s.length !== 4 || s[0] !== 1 || s[1] !== c || s[2] !== h || s[3] !== w) {
    throw new Error(`${name}: the image must be [1, ${c}, ${h}, ${w}] (model '${model.spec.name}'), got [${s.join(', ')}]`);
  }
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)), layer: options.layer };
  const positive = (key: keyof typeof DEFAULTS, v: number, rule = (x: number) => x > 0, text = '> 0') => {
    if (!(typeof v === 'number' && Number.isFinite(v) && rule(v))) throw new Error(`${name}: ${key} must be a finite number ${text}, got ${v}`);
  };
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`${name}: steps must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(o.jitter) || o.jitter < 0) throw new Error(`${name}: jitter must be a whole number of pixels >= 0, got ${o.jitter}`);
  positive('alpha', o.alpha);
  positive('beta', o.beta);
  positive('alphaWeight', o.alphaWeight, (x) => x >= 0, '>= 0');
  positive('tvWeight', o.tvWeight, (x) => x >= 0, '>= 0');
  positive('stepSize', o.stepSize);
  positive('decay', o.decay, (x) => x > 0 && x <= 1, 'in (0, 1]');
  positive('momentum', o.momentum, (x) => x >= 0 && x < 1, 'in [0, 1)');
  positive('initScale', o.initScale, (x) => x >= 0, '>= 0');
  if (options.B !== undefined && !(Number.isFinite(options.B) && options.B > 0)) throw new Error(`${name}: B must be a finite number > 0, got ${options.B}`);
  if (options.learningRate !== undefined && !(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new Error(`${name}: learningRate must be a finite number > 0, got ${options.learningRate}`);
  }
  return o;
}

/** The mean over pixels (and images) of each pixel's Euclidean norm across channels: B. */
export function naturalImageNorm(data: Float32Array, shape: number[]): number {
  const [n, c, h, w] = shape;
  const plane = h * w;
  let sum = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < plane; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += data[(b * c + k) * plane + i] ** 2;
      sum += Math.sqrt(s);
    }
  }
  return sum / (n * plane);
}

/** ||Phi(x) - Phi_0|| / ||Phi_0|| at `layer` for an image x. */
export async function representationError(model: Model, x: Tensor, layer: string, phi0: Tensor, norm0: number): Promise<number> {
  const outputs = await model.forward(x, { until: layer });
  try {
    const diff = model.engine.ops.sub(outputs.get(layer)!, phi0);
    const ss = model.engine.ops.sumSquares(diff);
    diff.dispose();
    const [v] = await ss.readFloat();
    ss.dispose();
    return Math.sqrt(v) / norm0;
  } finally {
    for (const t of outputs.values()) t.dispose();
  }
}

/** The target representation and its squared norm; a clear Error when it is all zeros. */
export async function targetRepresentation(model: Model, image: Tensor, layer: string, method = 'invertRepresentation'): Promise<{ phi0: Tensor; sumSquares: number }> {
  const outputs = await model.forward(image, { until: layer });
  const phi0 = outputs.get(layer)!;
  outputs.delete(layer);
  for (const t of outputs.values()) t.dispose();
  const ss = model.engine.ops.sumSquares(phi0);
  const [z] = await ss.readFloat();
  ss.dispose();
  if (!(z > 0) || !Number.isFinite(z)) {
    phi0.dispose();
    const what = z === 0 ? 'is all zeros (||Phi_0|| = 0)' : `has a non-finite norm (${z})`;
    throw new Error(`${method}: the representation of this image at layer '${layer}' ${what}, so there is nothing to invert; pick another layer or image`);
  }
  return { phi0, sumSquares: z };
}

/** The weights of the priors, as the objective takes them (lambdas already divided by H W etc.). */
export interface PriorWeights {
  alpha: number;
  beta: number;
  lambdaAlpha: number;
  lambdaTv: number;
}

/**
 * The objective at u (normalized pixels) and its gradient: the reconstruction term through the
 * network (with the transforms applied to B u), plus the two priors on u. `z` = ||Phi_0||^2.
 * Each term is one fused kernel (src/ops/objective-terms.ts): squaredDistance gives the term and
 * the backward pass's seed 2 (Phi - Phi_0) / z at once; imagePriors adds lambda_a R_a(u) and
 * lambda_TV R_TV(u) to the term's value and their gradients to B dImage (the chain rule through
 * x = B u). Composed of sub, sumSquares, scale, alphaNorm, totalVariation and axpy, a step took
 * 18 dispatches beyond the network's; fused, 6 (with B u, the two sums and the SGD step).
 */
export function inversionObjective(
  model: Model,
  layer: string,
  phi0: Tensor,
  z: number,
  B: number,
  weights: PriorWeights,
  transforms: ImageTransform[],
  random: Random,
) {
  const { engine } = model;
  const { ops } = engine;
  return (u: Tensor): Evaluation => {
    const image = ops.scale(u, B);
    const moved = applyTransforms(engine, image, transforms, random);
    image.dispose();
    const trace = model.trace(moved.image, { until: layer });
    // ||Phi(B u) - Phi_0||^2 / ||Phi_0||^2, and its gradient with respect to Phi: the seed.
    const reconstruction = ops.squaredDistance(trace.outputs.get(layer)!, phi0, 1 / z);
    const { input } = model.backward(trace, new Map([[layer, reconstruction.grad]]), { input: true, consumeTrace: true });
    trace.dispose();
    reconstruction.grad.dispose();
    moved.image.dispose();
    const dImage = moved.adjoint(input!);
    input!.dispose();
    // + lambda_a R_a(u) + lambda_TV R_TV(u); d/du of the first term is B dImage.
    const objective = ops.imagePriors(
      u,
      { alpha: weights.alpha, alphaWeight: weights.lambdaAlpha, beta: weights.beta, tvWeight: weights.lambdaTv },
      { value: reconstruction.value, grad: dImage, gradScale: B },
    );
    reconstruction.value.dispose();
    dImage.dispose();
    return { losses: objective.value, grad: objective.grad };
  };
}

async function rms(t: Tensor): Promise<number> {
  const ss = t.engine.ops.sumSquares(t);
  const [v] = await ss.readFloat();
  ss.dispose();
  return Math.sqrt(v / t.size);
}

/** Mahendran & Vedaldi's inversion of `image`'s representation at `options.layer` (see the top of this file). */
export async function invertRepresentation(model: Model, image: Tensor, options: InversionOptions): Promise<InversionResult> {
  const o = checkOptions(model, image, options);
  const { engine } = model;
  const started = performance.now();
  const B = options.B ?? naturalImageNorm(await image.readFloat(), image.shape);
  if (!(B > 0)) throw new Error(`invertRepresentation: the image is all zeros in the model's input space, so B (its mean pixel norm) is 0; pass options.B`);
  const { phi0, sumSquares: z } = await targetRepresentation(model, image, o.layer);
  const norm0 = Math.sqrt(z);
  const [, , h, w] = image.shape;
  const weights: PriorWeights = {
    alpha: o.alpha,
    beta: o.beta,
    lambdaAlpha: o.alphaWeight / (h * w),
    lambdaTv: o.tvWeight / (h * w * TV_SCALE ** o.beta),
  };
  const random = new Random(o.seed);
  const noise = new Float32Array(image.size);
  for (let i = 0; i < noise.length; i++) noise[i] = o.initScale * random.normal();
  const transforms = o.jitter > 0 ? [jitterTransform(o.jitter)] : [];
  const evaluate = inversionObjective(model, o.layer, phi0, z, B, weights, transforms, new Random(o.seed + 1));
  let u = engine.tensor(noise, image.shape);
  try {
    let lr0 = options.learningRate;
    if (lr0 === undefined) {
      const first = evaluate(u);
      first.losses.dispose();
      const g = await rms(first.grad);
      first.grad.dispose();
      if (!(g > 0) || !Number.isFinite(g)) throw new Error(`invertRepresentation: the objective's gradient at the starting noise is ${g} at layer '${o.layer}'; pass options.learningRate`);
      lr0 = o.stepSize / g;
    }
    const { params, trace } = await optimizeImage(engine, u, {
      method: 'invertRepresentation',
      steps: o.steps,
      learningRate: decayingRate(lr0, o.decay, Math.max(1, o.steps - 1)),
      optimizer: { kind: 'sgd', momentum: o.momentum },
      evaluate,
      // The loop optimizes u = x / B: its snapshots are scaled back to the input space.
      onStep: options.onStep && ((info) => options.onStep!({ ...info, snapshot: () => scaledBy(engine, info.snapshot(), B) })),
      signal: options.signal,
    });
    u = params;
    const x = engine.ops.scale(u, B);
    u.dispose();
    const relativeError = await representationError(model, x, o.layer, phi0, norm0);
    const rgba = tensorToImage(await x.readFloat(), x.shape, model.spec.input.preprocessing);
    return { image: x, relativeError, losses: trace.map((r) => r[0]), rgba, B, learningRate: lr0, seconds: (performance.now() - started) / 1000 };
  } finally {
    phi0.dispose();
  }
}

/** B u as a new tensor (u is disposed). */
function scaledBy(engine: Model['engine'], u: Tensor, B: number): Tensor {
  const x = engine.ops.scale(u, B);
  u.dispose();
  return x;
}
