// The image priors of Network Inversion (Mahendran & Vedaldi 2015), each returning its value (a
// [1] tensor, left on the GPU) and its gradient: total variation and the alpha norm.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkTensor, groupsFor } from './util.ts';

export interface ValueAndGrad {
  /** The regularizer's value, shape [1]. */
  value: Tensor;
  /** Its gradient with respect to x, shaped like x. */
  grad: Tensor;
}

/**
 * For beta < 2 the TV gradient (beta/2) s^(beta/2 - 1) ds/dx is singular where s = 0 (flat
 * regions); it is taken as (beta/2) (s + eps)^(beta/2 - 1) ds/dx with this eps. The value is exact.
 */
export const TV_EPSILON = 1e-8;

const WG = 64;

/**
 * out[0] = the sum of `count` per-thread partial sums (+ addend[0] when given): one dispatch of
 * energy-sum.wgsl. The image priors here and the fused objective terms (objective-terms.ts) share it.
 */
export function sumPartials(engine: Engine, partials: Tensor, count: number, addend?: Tensor): Tensor {
  const out = engine.empty([1]);
  engine.run('energy-sum', { bindings: { partials, addend: addend ?? partials, out }, uniforms: { count, hasAddend: addend ? 1 : 0 }, workgroups: 1 });
  return out;
}

export function regularizerOps(engine: Engine) {
  return {
    /**
     * R_TV(x) = sum over n, c, i, j of ((x[i,j+1] - x[i,j])^2 + (x[i+1,j] - x[i,j])^2)^(beta/2),
     * a difference that would leave the image counting as 0; beta = 2 by default (beta = 1 gives
     * spikes). For beta < 2 the gradient uses an epsilon inside the power (see TV_EPSILON).
     */
    totalVariation(x: Tensor, beta = 2): ValueAndGrad {
      checkTensor('totalVariation', 'x', x, 4);
      check('totalVariation', typeof beta === 'number' && Number.isFinite(beta) && beta > 0, `beta must be a finite number > 0, got ${beta}`);
      const [n, c, h, w] = x.shape;
      const rowBlocks = Math.ceil(h / 4);
      const quads = Math.ceil(w / 4);
      const threads = n * c * rowBlocks * quads; // one per 4 x 4 pixels of a plane
      return engine.scoped('totalVariation', () => {
        const grad = engine.empty(x.shape);
        const partials = engine.empty([threads]);
        engine.run('total-variation', {
          bindings: { x, grad, partials },
          uniforms: { planes: n * c, height: h, width: w, rowBlocks, quads, beta, exponent: beta / 2 - 1, eps: beta < 2 ? TV_EPSILON : 0 },
          overrides: { WG },
          workgroups: groupsFor(threads, WG),
        });
        const value = sumPartials(engine, partials, threads);
        partials.dispose();
        return { value, grad };
      });
    },

    /** R_a(x) = sum |x|^alpha (alpha = 6 by default) and its gradient alpha |x|^(alpha-1) sign(x). */
    alphaNorm(x: Tensor, alpha = 6): ValueAndGrad {
      checkTensor('alphaNorm', 'x', x);
      check('alphaNorm', typeof alpha === 'number' && Number.isFinite(alpha) && alpha > 0, `alpha must be a finite number > 0, got ${alpha}`);
      const threads = Math.ceil(x.size / 8); // one per 8 elements
      return engine.scoped('alphaNorm', () => {
        const grad = engine.empty(x.shape);
        const partials = engine.empty([threads]);
        engine.run('alpha-norm', { bindings: { x, grad, partials }, uniforms: { n: x.size, threads, alpha }, overrides: { WG }, workgroups: groupsFor(threads, WG) });
        const value = sumPartials(engine, partials, threads);
        partials.dispose();
        return { value, grad };
      });
    },
  };
}
