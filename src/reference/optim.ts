// CPU references for the optimizer steps and gradient clipping (PyTorch's semantics). They update
// Float32Arrays in place, as the GPU kernels update tensors; arithmetic is in float64.

import type { AdamOptions, SgdOptions } from '../ops/optim.ts';

export function sgdStep(param: Float32Array, grad: ArrayLike<number>, velocity: Float32Array, options: SgdOptions): void {
  const { lr, momentum = 0.9, weightDecay = 0, nesterov = false } = options;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + weightDecay * param[i];
    velocity[i] = momentum * velocity[i] + g;
    param[i] -= lr * (nesterov ? g + momentum * velocity[i] : velocity[i]);
  }
}

export function adamStep(param: Float32Array, grad: ArrayLike<number>, m: Float32Array, v: Float32Array, options: AdamOptions): void {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, step } = options;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + weightDecay * param[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]) / Math.sqrt(biasCorrection2) + eps;
    param[i] -= (lr / biasCorrection1) * (m[i] / denom);
  }
}

/** Scales the gradients in place by min(1, maxNorm / (norm + 1e-6)); returns their total L2 norm before. */
export function clipGradNorm(grads: Float32Array[], maxNorm: number): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}
