// engine.ops and engine.grad: every op family contributes its forward ops and its backward kernels.

import type { Engine } from '../engine/engine.ts';
import { elementwiseOps, elementwiseGrads } from './elementwise.ts';
import { padOps, padGrads } from './pad.ts';

export function createOps(engine: Engine) {
  return {
    ...elementwiseOps(engine),
    ...padOps(engine),
  };
}

export function createGrads(engine: Engine) {
  return {
    ...elementwiseGrads(engine),
    ...padGrads(engine),
  };
}

export type Ops = ReturnType<typeof createOps>;
export type Grads = ReturnType<typeof createGrads>;
