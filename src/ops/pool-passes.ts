// How the pooling kernels split their work: into chunks of planes (tensors too large to bind
// whole), passes over blocks of window taps (windows larger than the kernels' unrolled 3x3), and
// phases of windows that do not overlap (the scatter of max-pool's backward).

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check } from './util.ts';
import type { PoolGeometry } from './pool-geometry.ts';

/** Elements per thread along a row: the kernels' vec4 lanes. */
export const SEGMENT = 4;

export interface PlaneChunk {
  first: number;
  count: number;
  /** The chunk's planes of a tensor holding `perPlane` elements per plane (the whole tensor when there is one chunk). */
  bind(t: Tensor, perPlane: number): Binding;
}

/**
 * Splits `planes` planes into chunks whose bindings all fit maxStorageBufferBindingSize. Chunks
 * start at multiples of minStorageBufferOffsetAlignment / 4 planes, so every byte offset is
 * aligned whatever the plane size. Called before any GPU work: a plane too large is an Error.
 */
export function planeChunks(engine: Engine, op: string, planes: number, perPlane: number[]): PlaneChunk[] {
  const limit = engine.limits.maxStorageBufferBindingSize;
  const planeBytes = Math.max(...perPlane) * 4;
  if (planes * planeBytes <= limit) return [{ first: 0, count: planes, bind: (t) => t }];
  const granule = engine.limits.minStorageBufferOffsetAlignment / 4;
  const step = Math.floor(limit / planeBytes / granule) * granule;
  check(op, step > 0, () => `${granule} planes of ${planeBytes} bytes exceed maxStorageBufferBindingSize (${limit}); the planes are too large to process in chunks`);
  const chunks: PlaneChunk[] = [];
  for (let first = 0; first < planes; first += step) {
    const count = Math.min(step, planes - first);
    chunks.push({ first, count, bind: (tensor, elements) => ({ tensor, offset: first * elements * 4, size: count * elements * 4 }) });
  }
  return chunks;
}

/**
 * Whether max-pool-strip.wgsl and avg-pool-strip.wgsl take this geometry: adjacent outputs share
 * the input rows and columns they read when there is no dilation and the strides are small (at
 * most 12 columns and 6 rows a pass); and the output must hold a thread's 4 columns (max-pool:
 * and 2 rows). The general kernels (max-pool.wgsl, avg-pool.wgsl) take the rest.
 */
export function stripFits(g: PoolGeometry): boolean {
  return g.dH === 1 && g.dW === 1 && g.sH <= 3 && g.sW <= 3 && g.outH >= 2 && g.outW >= SEGMENT;
}

/**
 * Whether avg-pool-backward-scatter.wgsl takes this geometry: windows that do not overlap (stride
 * at least the kernel, no dilation), at least 4 a row. The gather (avg-pool-backward.wgsl) takes
 * the rest.
 */
export function scatterFits(g: PoolGeometry): boolean {
  return g.dH === 1 && g.dW === 1 && g.sH >= g.kH && g.sW >= g.kW && g.outW >= SEGMENT;
}

/** Whether the windows cover every element of the input: no gaps in or between them, none after the last. */
export function coversInput(g: PoolGeometry): boolean {
  const covers = (size: number, windows: number, kernel: number, stride: number, dilation: number, pad: number) => {
    const span = (kernel - 1) * dilation + 1;
    return (dilation === 1 || kernel === 1) && stride <= span && (windows - 1) * stride - pad + span >= size;
  };
  return covers(g.inH, g.outH, g.kH, g.sH, g.dH, g.padT) && covers(g.inW, g.outW, g.kW, g.sW, g.dW, g.padL);
}

/**
 * The passes of the forward kernels: each visits a block of at most 3x3 window taps (the
 * overrides BH x BW: the kernel's size capped at 3, a tile size compiled into the pipeline), so
 * windows up to 3x3 take one pass. Blocks tile the kernel from its first tap (blockH, blockW);
 * the last one of an axis may hang past the kernel's end, and the kernels leave those taps out
 * (or, in avg-pool-backward-scatter.wgsl, repeat one of the window's own taps in their place).
 */
export function tapBlocks(g: PoolGeometry) {
  const overrides = { BH: Math.min(3, g.kH), BW: Math.min(3, g.kW) };
  const blocks = [];
  for (let blockH = 0; blockH < Math.ceil(g.kH / 3); blockH++) {
    for (let blockW = 0; blockW < Math.ceil(g.kW / 3); blockW++) blocks.push({ blockH, blockW });
  }
  return { overrides, blocks };
}

/**
 * The passes of max-pool-strip.wgsl: blocks of at most 3x3 taps as in tapBlocks, but each lying
 * inside the kernel: where 3 does not divide the kernel, an axis's last block starts at
 * k - 3 and overlaps the one before it (taps visited twice do not change a maximum), so that the
 * kernel needs no mask for taps past the window. The later passes merge into the first (MERGE).
 */
export function stripMaxBlocks(g: PoolGeometry) {
  const BH = Math.min(3, g.kH);
  const BW = Math.min(3, g.kW);
  const starts = (k: number, b: number) => Array.from({ length: Math.ceil(k / 3) }, (_, i) => Math.min(3 * i, k - b));
  const passes = [];
  for (const khStart of starts(g.kH, BH)) {
    for (const kwStart of starts(g.kW, BW)) passes.push({ uniforms: { khStart, kwStart }, overrides: { BH, BW, SH: g.sH, SW: g.sW, MERGE: passes.length > 0 ? 1 : 0 } });
  }
  return passes;
}

/**
 * How many windows after a window along one axis can overlap it (share an element): windows
 * `stride` apart overlap while they are less than a window's span apart; at most windows - 1.
 */
export function overlapReach(span: number, stride: number, windows: number): number {
  return Math.min(Math.ceil(span / stride) - 1, windows - 1);
}

/**
 * The phases of max-pool-backward.wgsl: windows (oh, ow) with oh = phaseH mod stepH and
 * ow = phaseW mod stepW, where stepH x stepW windows (one more than the overlap reach) span a
 * window, so that no two windows of a phase overlap; rows x cols of them per plane.
 */
export function backwardPhases(g: PoolGeometry) {
  const stepH = overlapReach((g.kH - 1) * g.dH + 1, g.sH, g.outH) + 1;
  const stepW = overlapReach((g.kW - 1) * g.dW + 1, g.sW, g.outW) + 1;
  const phases = [];
  for (let phaseH = 0; phaseH < stepH; phaseH++) {
    for (let phaseW = 0; phaseW < stepW; phaseW++) {
      phases.push({ phaseH, phaseW, stepH, stepW, rows: Math.ceil((g.outH - phaseH) / stepH), cols: Math.ceil((g.outW - phaseW) / stepW) });
    }
  }
  return phases;
}

/**
 * The passes of the gather kernel (avg-pool-backward.wgsl), in window order, for threads that
 * each compute a block of `blockRows` rows x 4 columns. A pass visits NR x NC windows (overrides,
 * tile sizes of at most 3): NR rows of windows, ending passRow * NR rows above the last one
 * covering the block's last row, and NC columns, starting NC * passCol after the first one
 * covering its first column. Enough passes that every window covering a block is visited; the
 * first one stores, the later ones add.
 */
export function windowPasses(g: PoolGeometry, blockRows: number) {
  const reachH = (g.kH - 1) * g.dH;
  const reachW = (g.kW - 1) * g.dW;
  // The most windows covering one block, along each axis.
  const covering = (size: number, block: number, pad: number, reach: number, stride: number, windows: number) => {
    let most = 1;
    for (let start = 0; start < size; start += block) {
      const first = Math.max(0, Math.ceil((start + pad - reach) / stride));
      const last = Math.min(windows - 1, Math.floor((Math.min(start + block, size) - 1 + pad) / stride));
      most = Math.max(most, last - first + 1);
    }
    return most;
  };
  const rows = covering(g.inH, blockRows, g.padT, reachH, g.sH, g.outH);
  const columns = covering(g.inW, SEGMENT, g.padL, reachW, g.sW, g.outW);
  const NC = Math.min(3, columns);
  const NR = Math.min(3, rows);
  const passes = [];
  for (let passRow = Math.ceil(rows / NR) - 1; passRow >= 0; passRow--) {
    for (let passCol = 0; passCol < Math.ceil(columns / NC); passCol++) passes.push({ passRow, passCol });
  }
  return { overrides: { NR, NC }, passes };
}
