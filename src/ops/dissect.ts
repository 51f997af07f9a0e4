// Network Dissection's GPU kernels (pass 1: the streaming per-unit histogram behind each unit's
// quantile threshold; pass 2: the IoU tally, as a list of the hot cells and their tally). They are
// Dissection's own, not engine.ops: nothing else needs them. CPU references: src/reference/dissect.ts.
//
// Pass 1 keeps, per unit, BINS bins of width 2^level over the running range [lo, hi] of the unit's
// activations (shaders/dissect-histogram.wgsl explains why the result does not depend on batching,
// order or sharding). Memory is C * BINS counters whatever the dataset's size.
// Sizing for a CPU driver (SwiftShader), where the kernels were measured: few workgroups that loop,
// as starting a workgroup costs, and one that meets a barrier costs ~0.1 ms.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkTensor, shapeString } from './util.ts';

export const HISTOGRAM_BINS = 2048; // dissect-histogram.wgsl
/** Label numbers the tally takes (Broden's go to 1197): inter holds units x labels counters. */
export const MAX_TALLY_LABELS = 3072;
const WG = 64;
const HISTOGRAM_VALUES_PER_WORKGROUP = 16 * 1024;
/**
 * Threads of dissect-hot-cells (about: a whole number of maps' cells) and of dissect-tally, each
 * looping over many maps or hot cells: on a CPU driver (SwiftShader) every workgroup costs.
 */
const TALLY_THREADS = 2048;

/** A unit's histogram state on the GPU: [C, 4] i32 (level, base, bits of lo, bits of hi) and [C, BINS] counts. */
export interface HistogramState {
  state: Tensor;
  hist: Tensor;
}

function checkBindable(engine: Engine, op: string, name: string, t: Tensor): void {
  check(op, t.byteLength <= engine.limits.maxStorageBufferBindingSize, `${name} ${shapeString(t.shape)} is larger than one storage binding (${engine.limits.maxStorageBufferBindingSize} bytes); use a smaller batch`);
}

/** An empty histogram state for `channels` units (lo = +inf, hi = -inf). */
export function createHistogramState(engine: Engine, channels: number): HistogramState {
  const init = new Int32Array(4 * channels);
  const bits = new Int32Array(new Float32Array([Infinity, -Infinity]).buffer);
  for (let c = 0; c < channels; c++) {
    init[4 * c + 2] = bits[0];
    init[4 * c + 3] = bits[1];
  }
  return { state: engine.tensor(init, [channels, 4], 'i32'), hist: engine.zeros([channels, HISTOGRAM_BINS], 'i32') };
}

/** Records the counting of x [N, C, H, W] (or [N, C]) into the units' histograms. */
export function recordHistogram(engine: Engine, x: Tensor, { state, hist }: HistogramState): void {
  const op = 'dissectHistogram';
  checkTensor(op, 'x', x);
  check(op, x.shape.length === 4 || x.shape.length === 2, `x must be [N, C, H, W] or [N, C], got ${shapeString(x.shape)}`);
  const [n, c] = x.shape;
  const hw = x.shape.length === 4 ? x.shape[2] * x.shape[3] : 1;
  check(op, state.shape[0] === c, `x ${shapeString(x.shape)} has ${c} units but the histogram state holds ${state.shape[0]}`);
  checkBindable(engine, op, 'x', x);
  engine.scoped(op, () => {
    // Enough values per workgroup that starting it is a small part (see dissect-histogram.wgsl).
    const workgroups = Math.min(c, Math.ceil((c * n * hw) / HISTOGRAM_VALUES_PER_WORKGROUP), 65535);
    engine.run('dissect-histogram', {
      bindings: { x, xq: x, state, hist },
      uniforms: { images: n, hw, chw: c * hw, units: c },
      overrides: { QUADS: hw % 4 === 0 ? 1 : 0 },
      workgroups,
    });
  });
}

/** The tally's running counts on the GPU: inter [C, L], area [C, K] (u32 as i32 storage). */
export interface TallyCounters {
  inter: Tensor;
  area: Tensor;
}

export function createTallyCounters(engine: Engine, channels: number, labels: number, categories: number): TallyCounters {
  check('dissectTally', labels >= 1 && labels <= MAX_TALLY_LABELS, `the dataset has ${labels - 1} label numbers; the tally handles at most ${MAX_TALLY_LABELS - 1}`);
  check('dissectTally', categories >= 1 && categories <= 32, `the dataset has ${categories} categories; the tally handles 1 to 32`);
  return { inter: engine.zeros([channels, labels], 'i32'), area: engine.zeros([channels, categories], 'i32') };
}

/**
 * Records the tally of one batch: a [N, C, h, w] (the maps, upsampled inside the kernel to the
 * mask size [sh, sw] exactly as resizeBilinear does), thresholds [C], labels [N, E, sh, sw] i32
 * (0 = none, < L), present [N] i32 (bit k: image n has labels in category k). Returns peak [N, C],
 * each map's maximum at its own resolution (what ranks a unit's top images).
 */
export function recordTally(engine: Engine, a: Tensor, thresholds: Tensor, labels: Tensor, present: Tensor, counters: TallyCounters): Tensor {
  const op = 'dissectTally';
  checkTensor(op, 'a', a, 4);
  checkTensor(op, 'thresholds', thresholds, 1);
  checkTensor(op, 'labels', labels, 4, 'i32');
  checkTensor(op, 'present', present, 1, 'i32');
  const [n, c, h, w] = a.shape;
  const [, entries, sh, sw] = labels.shape;
  const [labelCount, categories] = [counters.inter.shape[1], counters.area.shape[1]];
  check(op, thresholds.shape[0] === c, `thresholds ${shapeString(thresholds.shape)} must have one value per unit of a ${shapeString(a.shape)}`);
  check(op, labels.shape[0] === n, `labels ${shapeString(labels.shape)} must have one set of maps per image of a ${shapeString(a.shape)}`);
  check(op, present.shape[0] === n, `present ${shapeString(present.shape)} must have one entry per image (${n})`);
  check(op, counters.inter.shape[0] === c, `the counters hold ${counters.inter.shape[0]} units, a has ${c}`);
  checkBindable(engine, op, 'a', a);
  checkBindable(engine, op, 'labels', labels);
  return engine.scoped(op, () => {
    const { count, hot } = listHotCells(engine, a, thresholds);
    try {
      engine.run('dissect-tally', {
        bindings: { a, threshold: thresholds, labels, present, count, hot, inter: counters.inter, area: counters.area },
        uniforms: { channels: c, inH: h, inW: w, outH: sh, outW: sw, ratioH: h / sh, ratioW: w / sw, entries, labels: labelCount, categories, threads: TALLY_THREADS },
        workgroups: TALLY_THREADS / WG,
      });
      return engine.ops.spatialMax(a);
    } finally {
      count.dispose();
      hot.dispose();
    }
  });
}

/**
 * The hot cells of a [N, C, h, w] at thresholds [C] (dissect-hot-cells.wgsl): count [1] and hot
 * [N * C * h * w], whose first count[0] entries are the cells (map * h * w + cell), unordered.
 */
export function listHotCells(engine: Engine, a: Tensor, thresholds: Tensor): { count: Tensor; hot: Tensor } {
  const [n, c, h, w] = a.shape;
  const cells = h * w;
  const quads = w % 4 === 0; // a thread takes 4 cells of a row (dissect-hot-cells.wgsl)
  const perMap = quads ? cells / 4 : cells;
  const groups = Math.min(n * c, Math.ceil(TALLY_THREADS / perMap));
  const count = engine.zeros([1], 'i32');
  const hot = engine.empty([n * c * cells], 'i32');
  engine.run('dissect-hot-cells', {
    bindings: { a, aq: a, threshold: thresholds, count, hot },
    uniforms: { maps: n * c, channels: c, inH: h, inW: w, groups },
    overrides: { QUADS: quads ? 1 : 0 },
    workgroups: Math.ceil((groups * perMap) / WG),
  });
  return { count, hot };
}

export { WG as DISSECT_WG };
