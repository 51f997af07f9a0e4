// Reductions: sum, sum of squares, max, min, mean and dot over a whole tensor; sums, means and
// maxima per channel or per feature map of NCHW tensors. All are deterministic (fixed tiles, no
// float atomics) and accurate on very long inputs: a pass folds every 64 elements into one
// partial, and passes repeat over the partials, so rounding grows with log(n), not n.
// The kernels use no workgroup memory and no barriers: on a CPU driver (SwiftShader) a
// barrier-free pass is several times faster than a workgroup tree.

import type { Engine, Binding } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, shapeString } from './util.ts';
import { bindingWindows, windowOf } from './windows.ts';

const WG = 64; // reduce.wgsl, reduce-dot.wgsl and reduce-rows.wgsl
/** Elements per workgroup in reduce.wgsl and reduce-dot.wgsl: 64 per thread. */
const TILE = 64 * WG;
/** The longest run of a row that one reduce-rows.wgsl thread folds; longer rows take a second pass. */
const SEGMENT = 512;
const OP = { sum: 0, sumSquares: 1, max: 2, min: 3 } as const;
export type ReduceOp = keyof typeof OP;

/** How partial results of `op` combine: partial sums of squares are summed. */
const COMBINE: Record<ReduceOp, ReduceOp> = { sum: 'sum', sumSquares: 'sum', max: 'max', min: 'min' };

/** The number of partials one pass of reduce.wgsl leaves from n elements (a short last tile leaves fewer). */
export function partialCount(n: number): number {
  const rest = n % TILE;
  return Math.floor(n / TILE) * WG + Math.min(WG, Math.ceil(rest / 4));
}

/**
 * Records the first pass of `op` over x, writing partialCount(x.size) partials to out[outOffset ...],
 * each multiplied by `scale`. With b, the pass sums x * b instead (a dot product).
 */
export function firstPass(engine: Engine, op: ReduceOp, x: Tensor, out: Tensor, outOffset: number, scale = 1, b?: Tensor): void {
  for (const w of bindingWindows(engine, 'reduce', x.size, TILE)) {
    const uniforms = { n: w.count, base: w.base, outOffset: outOffset + (w.start / TILE) * WG, scale };
    const workgroups = Math.ceil(w.count / TILE);
    if (b) engine.run('reduce-dot', { bindings: { a: windowOf(x, w), b: windowOf(b, w), out }, uniforms, workgroups });
    else engine.run('reduce', { bindings: { x: windowOf(x, w), out }, uniforms, overrides: { OP: OP[op] }, workgroups });
  }
}

/** Reduces the first `count` values of `partials` to a [1] tensor, scaled on the last pass. Takes ownership of `partials`. */
export function reducePartials(engine: Engine, op: ReduceOp, partials: Tensor, count: number, scale = 1): Tensor {
  let current = partials;
  for (let n = count; n > 1; ) {
    const m = partialCount(n);
    const out = engine.empty([m]);
    engine.run('reduce', { bindings: { x: current, out }, uniforms: { n, base: 0, outOffset: 0, scale: m === 1 ? scale : 1 }, overrides: { OP: OP[COMBINE[op]] }, workgroups: Math.ceil(n / TILE) });
    current.dispose();
    current = out;
    n = m;
  }
  return current;
}

/** A whole-tensor reduction to a [1] tensor. */
function reduceAll(engine: Engine, name: string, op: ReduceOp, x: Tensor, scale = 1, b?: Tensor): Tensor {
  return engine.scoped(name, () => {
    const count = partialCount(x.size);
    const partials = engine.empty([count]);
    firstPass(engine, op, x, partials, 0, count === 1 ? scale : 1, b);
    return reducePartials(engine, op, partials, count, scale);
  });
}

interface RowsSpec {
  rows: number;
  length: number;
  rowStride: number;
  elemStride: number;
  base?: number;
  outBase?: number;
  scale?: number;
}

/**
 * Records out[outBase + r] = scale * op over k < length of x[base + r * rowStride + k * elemStride]
 * (see reduce-rows.wgsl). Rows longer than SEGMENT are folded in segments first, then the
 * [segments, rows] partials are reduced as columns.
 */
function reduceRows(engine: Engine, op: ReduceOp, x: Binding, out: Tensor, spec: RowsSpec): void {
  const { rows, length, scale = 1 } = spec;
  const segments = Math.ceil(length / SEGMENT);
  const target = segments === 1 ? out : engine.empty([segments, rows]);
  engine.run('reduce-rows', {
    bindings: { x, out: target },
    uniforms: {
      rows,
      length,
      rowStride: spec.rowStride,
      elemStride: spec.elemStride,
      segLength: SEGMENT,
      base: spec.base ?? 0,
      outBase: segments === 1 ? (spec.outBase ?? 0) : 0,
      scale: segments === 1 ? scale : 1,
    },
    overrides: { OP: OP[op] },
    workgroups: Math.ceil((rows * segments) / WG),
  });
  if (segments > 1) {
    reduceRows(engine, COMBINE[op], target, out, { rows, length: segments, rowStride: 1, elemStride: rows, outBase: spec.outBase, scale });
    target.dispose();
  }
}

/** [N, C, H*W] of a rank-4 NCHW tensor, or of a rank-2 [N, C] one (H*W = 1). */
function nchw(name: string, x: Tensor, allowRank2: boolean): [number, number, number] {
  checkTensor(name, 'x', x);
  const ranks = allowRank2 ? 'rank 4 (NCHW) or 2 ([N, C])' : 'rank 4 (NCHW)';
  check(name, x.shape.length === 4 || (allowRank2 && x.shape.length === 2), `x must have ${ranks}, got shape ${shapeString(x.shape)}`);
  const [n, c, h = 1, w = 1] = x.shape;
  return [n, c, h * w];
}

/** Per-map reduction [N, C, H, W] -> [N, C]: rows of H*W, windowed by images when x is too large to bind. */
function reduceMaps(engine: Engine, name: string, op: ReduceOp, x: Tensor, out: Tensor, [n, c, hw]: number[], scale: number): void {
  for (const w of bindingWindows(engine, name, n * c * hw, c * hw)) {
    reduceRows(engine, op, windowOf(x, w), out, { rows: w.count / hw, length: hw, rowStride: hw, elemStride: 1, base: w.base, outBase: w.start / hw, scale });
  }
}

/** Column reduction [N, C] -> [C]; when [N, C] is too large to bind, per-window columns first, then those. */
function reduceColumns(engine: Engine, name: string, op: ReduceOp, x: Tensor, n: number, c: number, scale: number): Tensor {
  const out = engine.empty([c]);
  const windows = bindingWindows(engine, name, n * c, c);
  if (windows.length === 1) {
    reduceRows(engine, op, x, out, { rows: c, length: n, rowStride: 1, elemStride: c, scale });
    return out;
  }
  const partial = engine.empty([windows.length, c]);
  windows.forEach((w, i) => reduceRows(engine, op, windowOf(x, w), partial, { rows: c, length: w.count / c, rowStride: 1, elemStride: c, base: w.base, outBase: i * c }));
  reduceRows(engine, COMBINE[op], partial, out, { rows: c, length: windows.length, rowStride: 1, elemStride: c, scale });
  partial.dispose();
  return out;
}

/** Reduction over N, H and W of [N, C, H, W] (or over N of [N, C]) to [C]. */
function reduceChannels(engine: Engine, name: string, op: ReduceOp, x: Tensor, mean: boolean): Tensor {
  const [n, c, hw] = nchw(name, x, true);
  const scale = mean ? 1 / (n * hw) : 1;
  return engine.scoped(name, () => {
    if (hw === 1) return reduceColumns(engine, name, op, x, n, c, scale);
    if (n === 1) {
      const out = engine.empty([c]);
      reduceMaps(engine, name, op, x, out, [n, c, hw], scale);
      return out;
    }
    const maps = engine.empty([n, c]);
    reduceMaps(engine, name, op, x, maps, [n, c, hw], 1);
    const out = reduceColumns(engine, name, COMBINE[op], maps, n, c, scale);
    maps.dispose();
    return out;
  });
}

/** Reduction over H and W of [N, C, H, W] to [N, C]. */
function reduceSpatial(engine: Engine, name: string, op: ReduceOp, x: Tensor, mean: boolean): Tensor {
  const [n, c, hw] = nchw(name, x, false);
  return engine.scoped(name, () => {
    const out = engine.empty([n, c]);
    reduceMaps(engine, name, op, x, out, [n, c, hw], mean ? 1 / hw : 1);
    return out;
  });
}

function whole(engine: Engine, name: string, op: ReduceOp, mean = false) {
  return (x: Tensor): Tensor => {
    checkTensor(name, 'x', x);
    return reduceAll(engine, name, op, x, mean ? 1 / x.size : 1);
  };
}

export function reduceOps(engine: Engine) {
  return {
    /** Sum of all elements -> [1]. */
    sum: whole(engine, 'sum', 'sum'),
    /** Sum of the squares of all elements -> [1]. */
    sumSquares: whole(engine, 'sumSquares', 'sumSquares'),
    /** Largest element -> [1]. */
    max: whole(engine, 'max', 'max'),
    /** Smallest element -> [1]. */
    min: whole(engine, 'min', 'min'),
    /** Mean of all elements -> [1]. */
    mean: whole(engine, 'mean', 'sum', true),
    /** Sum of a * b -> [1]; a and b have the same shape. */
    dot(a: Tensor, b: Tensor): Tensor {
      checkTensor('dot', 'a', a);
      checkTensor('dot', 'b', b);
      checkSameShape('dot', a, b);
      return reduceAll(engine, 'dot', 'sum', a, 1, b);
    },
    /** [N, C, H, W] (or [N, C]) -> [C]: the sum over N, H, W (a bias gradient). */
    channelSum: (x: Tensor) => reduceChannels(engine, 'channelSum', 'sum', x, false),
    /** [N, C, H, W] (or [N, C]) -> [C]: the mean over N, H, W. */
    channelMean: (x: Tensor) => reduceChannels(engine, 'channelMean', 'sum', x, true),
    /** [N, C, H, W] -> [N, C]: the mean of each feature map. */
    spatialMean: (x: Tensor) => reduceSpatial(engine, 'spatialMean', 'sum', x, true),
    /** [N, C, H, W] -> [N, C]: the largest value of each feature map. */
    spatialMax: (x: Tensor) => reduceSpatial(engine, 'spatialMax', 'max', x, false),
  };
}
