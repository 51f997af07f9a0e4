// engine.ops and engine.grad: every op family contributes its forward ops and its backward kernels.

import type { Engine } from '../engine/engine.ts';
import { elementwiseOps, elementwiseGrads } from './elementwise.ts';
import { gemmOps, gemmGrads } from './gemm.ts';
import { softmaxOps, softmaxGrads } from './softmax.ts';
import { lrnOps, lrnGrads } from './lrn.ts';
import { resizeOps, resizeGrads } from './resize.ts';
import { rotateOps, rotateGrads } from './rotate.ts';
import { concatOps, concatGrads } from './concat.ts';
import { imageOps, imageGrads } from './image.ts';
import { padOps, padGrads } from './pad.ts';
import { poolOps, poolGrads } from './pool.ts';
import { reduceOps } from './reduce.ts';
import { selectOps } from './select.ts';
import { optimOps } from './optim.ts';
import { convOps, convGrads } from './conv.ts';
import { batchNormOps, batchNormGrads } from './batch-norm.ts';
import { objectiveTermOps } from './objective-terms.ts';

export function createOps(engine: Engine) {
  return {
    ...elementwiseOps(engine),
    ...gemmOps(engine),
    ...softmaxOps(engine),
    ...lrnOps(engine),
    ...resizeOps(engine),
    ...rotateOps(engine),
    ...concatOps(engine),
    ...imageOps(engine),
    ...padOps(engine),
    ...poolOps(engine),
    ...reduceOps(engine),
    ...selectOps(engine),
    ...optimOps(engine),
    ...convOps(engine),
    ...batchNormOps(engine),
    ...objectiveTermOps(engine),
  };
}

export function createGrads(engine: Engine) {
  return {
    ...elementwiseGrads(engine),
    ...gemmGrads(engine),
    ...softmaxGrads(engine),
    ...lrnGrads(engine),
    ...resizeGrads(engine),
    ...rotateGrads(engine),
    ...concatGrads(engine),
    ...imageGrads(engine),
    ...padGrads(engine),
    ...poolGrads(engine),
    ...convGrads(engine),
    ...batchNormGrads(engine),
  };
}

export type Ops = ReturnType<typeof createOps>;
export type Grads = ReturnType<typeof createGrads>;
