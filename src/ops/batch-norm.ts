// Batch normalization (Ioffe & Szegedy 2015; ONNX BatchNormalization) over the channels of an
// NCHW or [N, C] tensor: the statistics of a batch, the normalization itself, and its backward.
// The per-channel reductions run in two barrier-free stages, per map [n, c] and then per channel
// (on a CPU driver a workgroup reduction with barriers measured 2-10x slower).
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

const WG = 64;

/**
 * The first stage of both reductions: one (value, value) pair per map [n, c] of HW values
 * (statistics: the map's mean and M2; backward: its sums of dy and dy * (x - mean)).
 */
function mapPartials(engine: Engine, kernel: string, maps: number, hw: number, bindings: Record<string, Tensor>, uniforms: Record<string, number> = {}): Tensor {
  const partials = engine.empty([maps, 2]);
  engine.run(kernel, { bindings: { ...bindings, partials }, uniforms: { ...uniforms, maps, HW: hw }, workgroups: groupsFor(maps, WG) });
  return partials;
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
        const partials = mapPartials(engine, 'batch-norm-partials', n * c, hw, { x });
        const mean = engine.empty([c]);
        const variance = engine.empty([c]);
        // Without running statistics the kernel leaves these untouched; WebGPU forbids binding one
        // buffer twice as writable, so they cannot be mean and variance themselves.
        const unused = running ? [] : [engine.empty([c]), engine.empty([c])];
        engine.run('batch-norm-statistics', {
          bindings: { partials, mean, variance, runningMean: running?.mean ?? unused[0], runningVariance: running?.variance ?? unused[1] },
          uniforms: { N: n, C: c, HW: hw, momentum: running?.momentum ?? 0 },
          workgroups: groupsFor(c, WG),
        });
        for (const t of [partials, ...unused]) t.dispose();
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
          overrides: { ALIGNED: hw % 4 === 0 ? 1 : 0 },
          bindings: { x, mean: statistics.mean, variance: statistics.variance, scale: params.scale, shift: params.shift, y },
          uniforms: { C: c, HW: hw, total: x.size, epsilon },
          workgroups: groupsFor(Math.ceil(x.size / 4), WG),
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
        const { mean, variance } = statistics;
        const partials = mapPartials(engine, 'batch-norm-backward-partials', n * c, hw, { x, dy, mean }, { C: c });
        const dscale = engine.empty([c]);
        const dshift = engine.empty([c]);
        engine.run('batch-norm-backward-sums', { bindings: { partials, variance, dscale, dshift }, uniforms: { N: n, C: c, epsilon }, workgroups: groupsFor(c, WG) });
        partials.dispose();
        const dx = engine.empty(x.shape);
        engine.run('batch-norm-backward', {
          overrides: { ALIGNED: hw % 4 === 0 ? 1 : 0 },
          bindings: { x, dy, mean, variance, scale: params.scale, dscale, dshift, dx },
          uniforms: { C: c, HW: hw, total: x.size, count: n * hw, epsilon, batchStatistics: params.batchStatistics ? 1 : 0 },
          workgroups: groupsFor(Math.ceil(x.size / 4), WG),
        });
        return { dx, dscale, dshift };
      });
    },
  };
}
