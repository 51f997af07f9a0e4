// Optimizer steps (SGD with momentum, Adam) and gradient-norm clipping. They work in place: the
// kernels overwrite the parameter and state tensors. PyTorch's semantics throughout.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor } from './util.ts';
import { bindingWindows, windowOf } from './windows.ts';
import { firstPass, partialCount, reducePartials } from './reduce.ts';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** The step number, 1-based, for the bias corrections. */
  step: number;
}

const PER_THREAD = 4; // elements per thread in the step kernels
const WG = 256;

/** Checks f32 tensors of one shape, each with its own storage (a tensor may be bound only once per dispatch). */
function checkDistinct(op: string, tensors: Record<string, Tensor>): void {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) checkTensor(op, name, t);
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) checkSameShape(op, first, t, [firstName, name]);
  entries.forEach(([name, t], i) => {
    for (const [other, u] of entries.slice(i + 1)) check(op, t.buffer !== u.buffer, `${name} and ${other} must be different tensors (they share storage)`);
  });
}

function checkNumber(op: string, name: string, value: unknown, ok: (v: number) => boolean, rule: string): number {
  check(op, typeof value === 'number' && Number.isFinite(value) && ok(value), `${name} must be ${rule}, got ${value}`);
  return value as number;
}

/** Records one dispatch per binding window of an elementwise in-place kernel over `size` elements. */
function runWindowed(engine: Engine, op: string, kernel: string, size: number, tensors: Record<string, Tensor>, uniforms: Record<string, number>, extra: Record<string, Tensor> = {}): void {
  for (const w of bindingWindows(engine, op, size, PER_THREAD * WG)) {
    const bindings: Record<string, ReturnType<typeof windowOf>> = { ...extra };
    for (const [name, t] of Object.entries(tensors)) bindings[name] = windowOf(t, w);
    engine.run(kernel, { bindings, uniforms: { ...uniforms, n: w.count, base: w.base }, workgroups: groupsFor(w.count, PER_THREAD * WG) });
  }
}

export function optimOps(engine: Engine) {
  return {
    /**
     * One SGD step in place: g = grad + weightDecay * param; velocity = momentum * velocity + g;
     * param -= lr * velocity (or lr * (g + momentum * velocity) with nesterov).
     */
    sgdStep(param: Tensor, grad: Tensor, velocity: Tensor, options: SgdOptions): void {
      checkDistinct('sgdStep', { param, grad, velocity });
      const { lr, momentum = 0.9, weightDecay = 0, nesterov = false } = options ?? ({} as SgdOptions);
      checkNumber('sgdStep', 'lr', lr, (v) => v >= 0, 'a number >= 0');
      checkNumber('sgdStep', 'momentum', momentum, (v) => v >= 0, 'a number >= 0');
      checkNumber('sgdStep', 'weightDecay', weightDecay, (v) => v >= 0, 'a number >= 0');
      engine.scoped('sgdStep', () =>
        runWindowed(engine, 'sgdStep', 'sgd-step', param.size, { param, grad, velocity }, { lr, momentum, weightDecay, nesterov: nesterov ? 1 : 0 }),
      );
    },

    /** One Adam step in place (PyTorch's Adam, weightDecay as L2 added to the gradient); `step` is 1-based. */
    adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamOptions): void {
      checkDistinct('adamStep', { param, grad, m, v });
      const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, step } = options ?? ({} as AdamOptions);
      checkNumber('adamStep', 'lr', lr, (x) => x >= 0, 'a number >= 0');
      checkNumber('adamStep', 'beta1', beta1, (x) => x >= 0 && x < 1, 'in [0, 1)');
      checkNumber('adamStep', 'beta2', beta2, (x) => x >= 0 && x < 1, 'in [0, 1)');
      checkNumber('adamStep', 'eps', eps, (x) => x > 0, 'a number > 0');
      checkNumber('adamStep', 'weightDecay', weightDecay, (x) => x >= 0, 'a number >= 0');
      checkNumber('adamStep', 'step', step, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1 (the 1-based step count)');
      const stepSize = lr / (1 - beta1 ** step);
      const sqrtBias2 = Math.sqrt(1 - beta2 ** step);
      engine.scoped('adamStep', () =>
        runWindowed(engine, 'adamStep', 'adam-step', param.size, { param, grad, m, v }, { beta1, beta2, rest1: 1 - beta1, rest2: 1 - beta2, eps, weightDecay, stepSize, sqrtBias2 }),
      );
    },

    /**
     * Scales all gradients in place by min(1, maxNorm / (norm + 1e-6)), norm being their total L2
     * norm (PyTorch's clip_grad_norm_); resolves to the norm before clipping. The norm stays on
     * the GPU for the scaling; only the returned value is read back.
     */
    async clipGradNorm(grads: Tensor[], maxNorm: number): Promise<number> {
      check('clipGradNorm', Array.isArray(grads) && grads.length > 0, 'grads must be a non-empty array of tensors');
      grads.forEach((g, i) => checkTensor('clipGradNorm', `grads[${i}]`, g));
      grads.forEach((g, i) => {
        const j = grads.findIndex((h) => h.buffer === g.buffer);
        check('clipGradNorm', j === i, `grads[${j}] and grads[${i}] are the same tensor (they share storage)`);
      });
      checkNumber('clipGradNorm', 'maxNorm', maxNorm, (x) => x > 0, 'a number > 0');
      const sumSquares = engine.scoped('clipGradNorm', () => {
        // Every gradient's partial sums of squares side by side, then one reduction over all of them.
        const counts = grads.map((g) => partialCount(g.size));
        const total = counts.reduce((a, b) => a + b, 0);
        const partials = engine.empty([total]);
        let offset = 0;
        grads.forEach((g, i) => {
          firstPass(engine, 'sumSquares', g, partials, offset);
          offset += counts[i];
        });
        const s = reducePartials(engine, 'sumSquares', partials, total);
        for (const g of grads) runWindowed(engine, 'clipGradNorm', 'clip-grad-norm', g.size, { grad: g }, { maxNorm }, { sumSquares: s });
        return s;
      });
      const value = (await sumSquares.read())[0];
      sumSquares.dispose();
      return Math.sqrt(value);
    },
  };
}
