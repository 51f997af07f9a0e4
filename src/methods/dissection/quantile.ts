// Pass 1: each unit's threshold T_k with P(a_k > T_k) = q over every position of every image,
// from a streaming histogram on the GPU (src/ops/dissect.ts): memory is units x 2048 counters
// whatever the dataset's size, and one forward pass over the images suffices.
//
// Tolerance: the element of descending rank floor(q * n) lies in one bin; T_k is that bin's lower
// edge, so exact - 2^level < T_k <= exact (the bin width 2^level), and the level is the smallest that holds the
// unit's range in 2048 bins: the width is below 2 (max - min) / 2047, about 0.1% of the unit's
// range. A unit whose activation is the same everywhere is dead: it has no mask and no label. The
// mask is S_k >= T_k, except for a unit whose T_k would be its minimum (see unitThreshold).

import type { Dataset } from '../../data/broden.ts';
import type { Model } from '../../models/model.ts';
import { createHistogramState, recordHistogram, HISTOGRAM_BINS, type HistogramState } from '../../ops/dissect.ts';
import { BINS, type UnitHistogram } from '../../reference/dissect.ts';
import { quantileRank } from '../../reference/select.ts';
import { datasetImages, imageBatches } from '../common/image-set.ts';
import { QUANTILE_KIND, unitHistogram, type QuantileLayer, type QuantileState } from './state.ts';

export interface PassOptions {
  batch: number;
  start: number;
  end: number;
  onProgress?: (done: number, total: number) => void;
}

export interface UnitThreshold {
  threshold: number;
  tolerance: number;
  dead: boolean;
}

/** The largest float32 <= v (the GPU compares float32 maps with it). */
function floatBelow(v: number): number {
  const f = Math.fround(v);
  if (f <= v) return f;
  const bits = new Float32Array([f]);
  const u = new Int32Array(bits.buffer);
  u[0] += f > 0 ? -1 : 1;
  return bits[0];
}

/** The smallest normal float32 above v (a GPU may flush subnormals to zero, so 0 goes to 2^-126). */
function floatAbove(v: number): number {
  if (v === 0) return 2 ** -126;
  const bits = new Float32Array([v]);
  const u = new Int32Array(bits.buffer);
  u[0] += v > 0 ? 1 : -1;
  return Math.abs(bits[0]) < 2 ** -126 ? (v < 0 ? 0 : 2 ** -126) : bits[0];
}

/** The q-quantile threshold of a unit's histogram (see the tolerance above). */
export function unitThreshold(h: UnitHistogram, q: number): UnitThreshold {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('the unit has no counted activations');
  const width = 2 ** h.level;
  if (h.lo === h.hi) return { threshold: h.lo, tolerance: 0, dead: true };
  const rank = quantileRank(q, total);
  let above = 0;
  for (let j = BINS - 1; j >= 0; j--) {
    const count = h.counts[j];
    if (above + count > rank) {
      // The bin's lower edge: never above the exact element, so the mask holds every position the
      // exact threshold's would, and those within one bin below it.
      const t = floatBelow(Math.max((h.base + j) * width, h.lo));
      // A sparse unit (a ReLU's, zero at more than 1 - q of positions) would get T_k = its minimum and a
      // mask covering every pixel; its mask is the positions above the minimum instead.
      return { threshold: t <= h.lo ? floatAbove(h.lo) : t, tolerance: width, dead: false };
    }
    above += count;
  }
  throw new Error('unreachable: the rank is below the total');
}

/** Per layer, every unit's threshold from a (merged) quantile state. */
export function layerThresholds(state: QuantileState, q: number): { layer: string; units: UnitThreshold[] }[] {
  return state.layers.map((l) => ({ layer: l.layer, units: Array.from({ length: l.units }, (_, u) => unitThreshold(unitHistogram(l, u), q)) }));
}

function uploadState(model: Model, l: QuantileLayer): HistogramState {
  const gpu = createHistogramState(model.engine, l.units);
  const init = new Int32Array(4 * l.units);
  const f = new Float32Array(2);
  const bits = new Int32Array(f.buffer);
  for (let u = 0; u < l.units; u++) {
    [f[0], f[1]] = [l.lo[u], l.hi[u]];
    init.set([l.level[u], l.base[u], bits[0], bits[1]], 4 * u);
  }
  model.engine.upload(gpu.state, init);
  model.engine.upload(gpu.hist, Int32Array.from(l.counts, (v) => v | 0));
  return gpu;
}

/** u32 counters stored in an i32 buffer, as numbers (a plain loop: Array.from with a map is many times slower). */
export function unsigned(values: Int32Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] >>> 0;
  return out;
}

async function downloadState(layer: string, gpu: HistogramState): Promise<QuantileLayer> {
  const units = gpu.state.shape[0];
  const state = (await gpu.state.read()) as Int32Array;
  const counts = (await gpu.hist.read()) as Int32Array;
  const f = new Float32Array(state.buffer);
  const pick = (k: number, from: ArrayLike<number>) => Array.from({ length: units }, (_, u) => from[4 * u + k]);
  return {
    layer,
    units,
    level: pick(0, state),
    base: pick(1, state),
    lo: pick(2, f),
    hi: pick(3, f),
    counts: unsigned(counts),
  };
}

/**
 * Pass 1 over images [start, end): adds every unit's activations to its histogram. With `from`,
 * continues that state (a checkpoint, or another range's counts).
 */
export async function quantilePass(model: Model, dataset: Dataset, layers: string[], options: PassOptions, from?: QuantileState): Promise<QuantileState> {
  const { engine } = model;
  const last = layers.reduce((a, l) => (model.nodeIndexOf(l) > model.nodeIndexOf(a) ? l : a));
  const gpu = layers.map((layer, i) => (from ? uploadState(model, from.layers[i]) : createHistogramState(engine, model.layerShape(layer)[1])));
  try {
    let done = 0;
    const total = options.end - options.start;
    options.onProgress?.(0, total);
    // The GPU runs batch b while the next one is drawn and preprocessed (on a CPU driver that work
    // would otherwise wait): at most two batches in memory, and it stays flat.
    let inFlight: Promise<void> | null = null;
    for await (const { tensor } of imageBatches(model, datasetImages(dataset), options)) {
      await inFlight;
      const outputs = await model.forward(tensor, { until: last });
      layers.forEach((layer, i) => recordHistogram(engine, outputs.get(layer)!, gpu[i]));
      for (const t of outputs.values()) t.dispose();
      const batchDone = (done += tensor.shape[0]);
      tensor.dispose();
      inFlight = engine.sync().then(() => options.onProgress?.(batchDone, total));
      inFlight.catch(() => {}); // awaited above or below: not an unhandled rejection meanwhile
    }
    await inFlight;
    const range = { start: options.start, end: options.end, done: total };
    return {
      kind: QUANTILE_KIND,
      version: 1,
      model: model.spec.name,
      datasetImages: dataset.images.length,
      ranges: [...(from?.ranges ?? []), range].sort((a, b) => a.start - b.start),
      layers: await Promise.all(layers.map((layer, i) => downloadState(layer, gpu[i]))),
    };
  } finally {
    for (const g of gpu) {
      g.state.dispose();
      g.hist.dispose();
    }
  }
}

export { HISTOGRAM_BINS };
