// Fused terms of an image objective, for Network Inversion's step (Mahendran & Vedaldi 2015): the
// reconstruction term ||Phi - Phi_0||^2 / ||Phi_0||^2 with its gradient (the seed of the backward
// pass), and the two image priors added to the network's gradient. Each is one kernel plus one
// small sum (energy-sum.wgsl), 4 dispatches where composing sub, sumSquares, scale, alphaNorm,
// totalVariation and axpy took 16: on a CPU driver (SwiftShader) each dispatch has a fixed cost
// that outweighs the arithmetic at a 64 x 64 image.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { sumPartials, TV_EPSILON, type ValueAndGrad } from './image-regularizers.ts';
import { check, checkSameShape, checkTensor, groupsFor } from './util.ts';

const WG = 64;
/** squaredDistance's threads at most (each takes 2 vec4s or more): energy-sum adds no more partials. */
const MAX_PARTIALS = 4096;
/** An integer alpha up to this is raised to its power by multiplication (6, the default, is), others by pow. */
const MAX_INT_ALPHA = 16;

/** The weights of the image priors: weight * R for each, R_a = sum |x|^alpha, R_TV of totalVariation. */
export interface ImagePriors {
  /** a of R_a (default 6). */
  alpha?: number;
  alphaWeight: number;
  /** beta of R_TV (default 2; below 2 the gradient uses TV_EPSILON, as totalVariation). */
  beta?: number;
  tvWeight: number;
}

/** A loss already computed, which imagePriors adds the priors to. */
export interface LossTerm {
  /** Its value, [1] (default: 0). */
  value?: Tensor;
  /** Its gradient, shaped like x, times `gradScale` (default 1), e.g. a chain rule's factor. */
  grad?: Tensor;
  gradScale?: number;
}

function checkWeight(op: string, name: string, v: unknown, rule = (_: number) => true, text = ''): number {
  check(op, typeof v === 'number' && Number.isFinite(v) && rule(v), `${name} must be a finite number${text && ' ' + text}, got ${v}`);
  return v as number;
}

export function objectiveTermOps(engine: Engine) {
  return {
    /** value = weight * ||x - target||^2 ([1]) and grad = 2 weight (x - target), in one pass. */
    squaredDistance(x: Tensor, target: Tensor, weight = 1): ValueAndGrad {
      const op = 'squaredDistance';
      checkTensor(op, 'x', x);
      checkTensor(op, 'target', target);
      checkSameShape(op, x, target, ['x', 'target']);
      checkWeight(op, 'weight', weight);
      const vec4s = Math.ceil(x.size / 4);
      const threads = Math.min(Math.ceil(vec4s / 2), MAX_PARTIALS);
      return engine.scoped(op, () => {
        const grad = engine.empty(x.shape);
        const partials = engine.empty([threads]);
        engine.run('squared-distance', { bindings: { x, goal: target, grad, partials }, uniforms: { n: x.size, vec4s, threads, weight }, overrides: { WG }, workgroups: groupsFor(threads, WG) });
        const value = sumPartials(engine, partials, threads);
        partials.dispose();
        return { value, grad };
      });
    },

    /**
     * The image priors added to a loss, in one pass over x [N, C, H, W]:
     *   value = loss.value + alphaWeight R_a(x) + tvWeight R_TV(x)   ([1])
     *   grad  = loss.gradScale * loss.grad + alphaWeight dR_a/dx + tvWeight dR_TV/dx
     * The same as alphaNorm and totalVariation weighted and added with axpy; a weight of 0 drops
     * its prior.
     */
    imagePriors(x: Tensor, priors: ImagePriors, loss: LossTerm = {}): ValueAndGrad {
      const op = 'imagePriors';
      checkTensor(op, 'x', x, 4);
      check(op, !!priors && typeof priors === 'object', 'priors must be an object { alphaWeight, tvWeight, alpha?, beta? }');
      const { alpha = 6, beta = 2 } = priors;
      checkWeight(op, 'alpha', alpha, (v) => v > 0, '> 0');
      checkWeight(op, 'beta', beta, (v) => v > 0, '> 0');
      const alphaWeight = checkWeight(op, 'alphaWeight', priors.alphaWeight, (v) => v >= 0, '>= 0');
      const tvWeight = checkWeight(op, 'tvWeight', priors.tvWeight, (v) => v >= 0, '>= 0');
      const gradScale = checkWeight(op, 'loss.gradScale', loss.gradScale ?? 1);
      if (loss.grad !== undefined) {
        checkTensor(op, 'loss.grad', loss.grad);
        checkSameShape(op, x, loss.grad, ['x', 'loss.grad']);
      }
      if (loss.value !== undefined) {
        checkTensor(op, 'loss.value', loss.value);
        check(op, loss.value.size === 1, `loss.value must hold one number, got shape [${loss.value.shape.join(', ')}]`);
      }
      const [n, c, h, w] = x.shape;
      const quads = Math.ceil(w / 4);
      const threads = n * c * h * quads; // one per 4 neighbouring pixels of a row
      return engine.scoped(op, () => {
        const grad = engine.empty(x.shape);
        const partials = engine.empty([threads]);
        engine.run('image-priors', {
          bindings: { x, base: loss.grad ?? x, grad, partials },
          uniforms: {
            planes: n * c,
            height: h,
            width: w,
            quads,
            alpha,
            alphaWeight,
            beta,
            exponent: beta / 2 - 1,
            eps: beta < 2 ? TV_EPSILON : 0,
            tvWeight,
            gradScale,
          },
          // The choices compiled in: see image-priors.wgsl.
          overrides: {
            WG,
            TV: tvWeight !== 0 ? 1 : 0,
            ALPHA: alphaWeight !== 0 ? 1 : 0,
            BASE: loss.grad ? 1 : 0,
            BETA_TWO: beta === 2 ? 1 : 0,
            INT_ALPHA: Number.isInteger(alpha) && alpha <= MAX_INT_ALPHA ? alpha : 0,
          },
          workgroups: groupsFor(threads, WG),
        });
        const value = sumPartials(engine, partials, threads, loss.value);
        partials.dispose();
        return { value, grad };
      });
    },
  };
}
