// The engine API the rows call, with the signatures the kernel briefs define (src/ops/*.ts).
// Looked up at run time: a kernel that is not there skips its rows with a note instead of breaking
// the bench, so the bench runs (and type-checks) at every stage of the engine.

import type { Engine } from '../src/engine/engine.ts';
import type { Tensor } from '../src/engine/tensor.ts';
import { Skip } from './harness.ts';

export interface ConvAttrs {
  strides?: number[];
  pads?: number[];
  dilations?: number[];
  group?: number;
}

export interface PoolAttrs {
  kernelShape: number[];
  strides?: number[];
  pads?: number[];
  ceilMode?: boolean;
}

export interface LrnAttrs {
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

export interface GemmAttrs {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

export interface AdamAttrs {
  lr: number;
  /** 1-based step number (bias corrections). */
  step: number;
  weightDecay?: number;
}

export interface BenchOps {
  conv2d(x: Tensor, w: Tensor, b: Tensor | undefined, attrs: ConvAttrs): Tensor;
  relu(x: Tensor): Tensor;
  maxPool2d(x: Tensor, attrs: PoolAttrs): { y: Tensor; switches: Tensor };
  maxUnpool2d(y: Tensor, switches: Tensor, attrs: PoolAttrs & { outputShape?: number[] }): Tensor;
  avgPool2d(x: Tensor, attrs: PoolAttrs): Tensor;
  lrn(x: Tensor, attrs: LrnAttrs): Tensor;
  gemm(a: Tensor, b: Tensor, c: Tensor | undefined, attrs: GemmAttrs): Tensor;
  softmax(x: Tensor, axis: number): Tensor;
  softmaxCrossEntropy(logits: Tensor, labels: Tensor): { loss: Tensor; probs: Tensor };
  adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, attrs: AdamAttrs): void;
}

export interface BenchGrads {
  conv2dInput(dy: Tensor, w: Tensor, xShape: number[], attrs: ConvAttrs): Tensor;
  conv2dWeight(x: Tensor, dy: Tensor, wShape: number[], attrs: ConvAttrs): Tensor;
  relu(x: Tensor, dy: Tensor, mode?: 'gradient' | 'deconvnet' | 'guided'): Tensor;
  maxPool2d(dy: Tensor, switches: Tensor, xShape: number[], attrs: PoolAttrs): Tensor;
  avgPool2d(dy: Tensor, xShape: number[], attrs: PoolAttrs): Tensor;
  lrn(x: Tensor, dy: Tensor, attrs: LrnAttrs): Tensor;
  gemm(a: Tensor, b: Tensor, dy: Tensor, attrs: GemmAttrs): { da: Tensor; db: Tensor; dc?: Tensor };
  softmaxCrossEntropy(probs: Tensor, labels: Tensor): Tensor;
}

function lookup(engine: Engine, table: 'ops' | 'grad', name: string): unknown {
  const owner = engine[table] as unknown as Record<string, unknown>;
  const f = owner[name];
  if (typeof f !== 'function') throw new Skip(`engine.${table}.${name} is not there yet`);
  return f.bind(owner);
}

/** engine.ops[name], or Skip when that op does not exist. */
export function op<K extends keyof BenchOps>(engine: Engine, name: K): BenchOps[K] {
  return lookup(engine, 'ops', name) as BenchOps[K];
}

/** engine.grad[name], or Skip when that gradient does not exist. */
export function grad<K extends keyof BenchGrads>(engine: Engine, name: K): BenchGrads[K] {
  return lookup(engine, 'grad', name) as BenchGrads[K];
}

/** Deterministic pseudo-random floats in [lo, hi) (mulberry32), the rows' input data. */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
