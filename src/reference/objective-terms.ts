// CPU references for the fused objective terms (src/ops/objective-terms.ts): the squared distance
// and the image priors added to a loss, written as the unfused sums they replace, on the image
// references' totalVariation and alphaNorm. Float64, NCHW flat arrays.

import { alphaNorm, totalVariation, type Shape4 } from './image.ts';

/** weight ||x - target||^2 and its gradient 2 weight (x - target). */
export function squaredDistance(x: ArrayLike<number>, target: ArrayLike<number>, weight = 1): { value: number; grad: Float64Array } {
  const grad = new Float64Array(x.length);
  let value = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - target[i];
    value += d * d;
    grad[i] = 2 * weight * d;
  }
  return { value: weight * value, grad };
}

export interface PriorWeights {
  alpha?: number;
  alphaWeight: number;
  beta?: number;
  tvWeight: number;
}

/**
 * value = lossValue + alphaWeight R_a(x) + tvWeight R_TV(x); grad = gradScale lossGrad +
 * alphaWeight dR_a/dx + tvWeight dR_TV/dx (a weight of 0 drops its prior).
 */
export function imagePriors(
  x: ArrayLike<number>,
  shape: Shape4,
  { alpha = 6, alphaWeight, beta = 2, tvWeight }: PriorWeights,
  loss: { value?: number; grad?: ArrayLike<number>; gradScale?: number } = {},
): { value: number; grad: Float64Array } {
  const grad = new Float64Array(x.length);
  let value = loss.value ?? 0;
  if (loss.grad) for (let i = 0; i < x.length; i++) grad[i] = (loss.gradScale ?? 1) * loss.grad[i];
  const terms = [
    [alphaWeight, () => alphaNorm(x, alpha)],
    [tvWeight, () => totalVariation(x, shape, beta)],
  ] as const;
  for (const [weight, prior] of terms) {
    if (weight === 0) continue;
    const r = prior();
    value += weight * r.value;
    for (let i = 0; i < x.length; i++) grad[i] += weight * r.grad[i];
  }
  return { value, grad };
}
