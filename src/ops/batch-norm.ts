// Batch normalization (Ioffe & Szegedy 2015; ONNX BatchNormalization) over the channels of an
// NCHW or [N, C] tensor: the statistics of a batch, the normalization itself, and its backward.
// Training normalizes with the batch's statistics (and keeps running averages of them); inference
// uses the running averages, and then the layer is a per-channel affine map that
// src/models/fold-batch-norm.ts folds into the convolution before it.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkTensor, groupsFor, shapeString } from './util.ts';

export interface BatchNormStatistics {
  mean: Tensor;
  /** Biased (divided by the count), as the normalization uses it. */
  variance: Tensor;
}

export interface BatchNormParams {
  /** gamma [C] */
  scale: Tensor;
  /** beta [C] */
  shift: Tensor;
  epsilon?: number;
}

export const DEFAULT_EPSILON = 1e-5;

export function disposeStatistics(s: BatchNormStatistics): void {
  s.mean.dispose();
  s.variance.dispose();
}

/** [N, C, HW] of x (HW = 1 for [N, C]), after checking its rank. */
function layout(op: string, x: Tensor): [number, number, number] {
  checkTensor(op, 'x', x);
  const s = x.shape;
  check(op, s.length === 2 || s.length === 4, `x must be [N, C] or [N, C, H, W], got ${shapeString(s)}`);
  return [s[0], s[1], s.length === 4 ? s[2] * s[3] : 1];
}

function checkPerChannel(op: string, channels: number, named: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(named)) {
    checkTensor(op, name, t);
    check(op, t.shape.length === 1 && t.shape[0] === channels, `${name} must be [${channels}] (one value per channel of x), got ${shapeString(t.shape)}`);
  }
}

function checkEpsilon(op: string, epsilon: number): void {
  check(op, Number.isFinite(epsilon) && epsilon > 0, `epsilon must be a positive number, got ${epsilon}`);
}

export function batchNormOps(engine: Engine) {
  return {
    /**
     * The mean and biased variance of each channel over the batch and the map. With `running`,
     * also moves those running averages towards them by `momentum` (in place).
     */
    batchNormStatistics(x: Tensor, running?: BatchNormStatistics & { momentum: number }): BatchNormStatistics {
      const op = 'batchNormStatistics';
      const [n, c, hw] = layout(op, x);
      if (running) {
        checkPerChannel(op, c, { 'running mean': running.mean, 'running variance': running.variance });
        check(op, running.momentum > 0 && running.momentum <= 1, `momentum must be in (0, 1], got ${running.momentum}`);
      }
      return engine.scoped(op, () => {
        const mean = engine.empty([c]);
        const variance = engine.empty([c]);
        // Without running statistics the kernel leaves these untouched; WebGPU forbids binding one
        // buffer twice as writable, so they cannot be mean and variance themselves.
        const unused = running ? [] : [engine.empty([c]), engine.empty([c])];
        engine.run('batch-norm-statistics', {
          bindings: { x, mean, variance, runningMean: running?.mean ?? unused[0], runningVariance: running?.variance ?? unused[1] },
          uniforms: { N: n, C: c, HW: hw, momentum: running?.momentum ?? 0 },
          workgroups: [c, 1, 1],
        });
        for (const t of unused) t.dispose();
        return { mean, variance };
      });
    },

    /** y = (x - mean) / sqrt(variance + epsilon) * scale + shift, per channel. */
    batchNorm(x: Tensor, statistics: BatchNormStatistics, params: BatchNormParams): Tensor {
      const op = 'batchNorm';
      const [, c, hw] = layout(op, x);
      checkPerChannel(op, c, { mean: statistics.mean, variance: statistics.variance, scale: params.scale, shift: params.shift });
      const epsilon = params.epsilon ?? DEFAULT_EPSILON;
      checkEpsilon(op, epsilon);
      return engine.scoped(op, () => {
        const y = engine.empty(x.shape);
        engine.run('batch-norm', {
          bindings: { x, mean: statistics.mean, variance: statistics.variance, scale: params.scale, shift: params.shift, y },
          uniforms: { C: c, HW: hw, total: x.size, epsilon },
          workgroups: groupsFor(x.size, 256),
        });
        return y;
      });
    },
  };
}

export function batchNormGrads(engine: Engine) {
  return {
    /**
     * dx, dscale and dshift of y = batchNorm(x, statistics, params) given dy. `batchStatistics`:
     * the statistics were x's own (training), so dx also flows through the mean and variance.
     */
    batchNorm(x: Tensor, dy: Tensor, statistics: BatchNormStatistics, params: BatchNormParams & { batchStatistics: boolean }): { dx: Tensor; dscale: Tensor; dshift: Tensor } {
      const op = 'batchNorm backward';
      const [n, c, hw] = layout(op, x);
      checkTensor(op, 'dy', dy);
      check(op, shapeString(dy.shape) === shapeString(x.shape), `dy ${shapeString(dy.shape)} must have the shape of x ${shapeString(x.shape)}`);
      checkPerChannel(op, c, { mean: statistics.mean, variance: statistics.variance, scale: params.scale });
      const epsilon = params.epsilon ?? DEFAULT_EPSILON;
      checkEpsilon(op, epsilon);
      return engine.scoped(op, () => {
        const dx = engine.empty(x.shape);
        const dscale = engine.empty([c]);
        const dshift = engine.empty([c]);
        engine.run('batch-norm-backward', {
          bindings: { x, dy, mean: statistics.mean, variance: statistics.variance, scale: params.scale, dx, dscale, dshift },
          uniforms: { N: n, C: c, HW: hw, epsilon, batchStatistics: params.batchStatistics ? 1 : 0 },
          workgroups: [c, 1, 1],
        });
        return { dx, dscale, dshift };
      });
    },
  };
}
