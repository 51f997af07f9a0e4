// Selection: exact quantile thresholds (over a whole tensor or per channel) and top-k per row.
//
// Quantiles are an exact radix select on the GPU. Each float maps to a 32-bit key that orders
// like the float; three histogram passes over 11 + 11 + 10 bits of the keys find, digit by digit,
// the key of the element of the wanted rank. Only 2048-bin histograms per channel are built
// (workgroup memory, integer atomics), and they stay on the GPU: a small kernel picks each
// channel's bin. The result is an element of the input, exactly (not an interpolation).
//
// Top-k keeps, per thread, the best k (key, index) pairs of a slice of the row, then merges the
// sorted lists. Both compare sort keys rather than floats: the order is IEEE's total order (exact
// for subnormals, which GPU float compares may flush to zero; -0 below +0; NaN above +Infinity),
// the same as the CPU references in src/reference/select.ts.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { quantileRank } from '../reference/select.ts';
import { check, checkTensor, shapeString } from './util.ts';
import { bindingWindows, windowOf } from './windows.ts';

/** Key digits per pass, most significant first. */
const DIGITS = [
  { shift: 21, bits: 11 },
  { shift: 10, bits: 11 },
  { shift: 0, bits: 10 },
];
const BINS = 2048; // histogram bins per channel (quantile-histogram.wgsl)
const HISTOGRAM_WG = 64;
const SELECT_WG = 64;
const MAX_GRID = 65_535;

/** Elements of a channel: k < n * hw at x[n * c * hw + channel * hw + j] (k = n * hw + j). */
interface Layout {
  n: number;
  c: number;
  hw: number;
}

/**
 * Records the radix select of the element of descending rank `rank` in every channel of x;
 * returns a [C] tensor of those elements.
 */
function selectPerChannel(engine: Engine, name: string, x: Tensor, { n, c, hw }: Layout, rank: number): Tensor {
  const state = new Int32Array(2 * c);
  for (let ch = 0; ch < c; ch++) state[2 * ch + 1] = rank; // [prefix, rank] per channel
  const stateTensor = engine.tensor(state, [c, 2]);
  const hist = engine.zeros([c, BINS], 'i32');
  const out = engine.empty([c]);
  // A single channel is one contiguous run and may be split anywhere; otherwise windows hold whole images.
  const windows = bindingWindows(engine, name, n * c * hw, c === 1 ? 1 : c * hw);
  DIGITS.forEach(({ shift, bits }, pass) => {
    for (const w of windows) {
      const count = w.count / c; // elements of each channel in this window
      // 128K elements per workgroup (2K per thread): clearing and flushing the histogram (and
      // the two barriers, costly on a CPU driver) is then a small part of the work.
      const chunk = Math.max(2048 * HISTOGRAM_WG, Math.ceil(count / MAX_GRID));
      engine.run('quantile-histogram', {
        bindings: { x: windowOf(x, w), state: stateTensor, hist },
        uniforms: { count, hw: c === 1 ? count : hw, chw: c * hw, base: w.base, chunk, shift, bits, matchPrefix: pass === 0 ? 0 : 1 },
        workgroups: [Math.ceil(count / chunk), c, 1],
      });
    }
    engine.run('quantile-select', {
      bindings: { hist, state: stateTensor, out },
      uniforms: { channels: c, bits, last: pass === DIGITS.length - 1 ? 1 : 0 },
      workgroups: Math.ceil(c / SELECT_WG),
    });
  });
  stateTensor.dispose();
  hist.dispose();
  return out;
}

function checkQuantile(name: string, q: number): void {
  check(name, typeof q === 'number' && q >= 0 && q <= 1, `q must be a number in [0, 1], got ${q}`);
}

export interface TopK {
  /** [rows, k], each row sorted descending (IEEE's total order: -0 below +0, NaN above +Infinity). */
  values: Tensor;
  /** [rows, k] i32: the column of each value in x; equal values are ordered by the lower index. */
  indices: Tensor;
}

export const MAX_TOP_K = 64; // top-k.wgsl's MAX_K
const TOP_K_WG = 64;
const LISTS_PER_MERGE = 32;

/** Records the two stages of top-k: per-thread lists over interleaved columns, then merges of sorted lists. */
function topK(engine: Engine, x: Tensor, k: number): TopK {
  checkTensor('topK', 'x', x, 2);
  const [rows, n] = x.shape;
  check('topK', Number.isInteger(k) && k >= 1 && k <= MAX_TOP_K, `k must be an integer in [1, ${MAX_TOP_K}], got ${k}`);
  check('topK', k <= n, `k = ${k} is more than the ${n} values per row of x ${shapeString(x.shape)}`);
  return engine.scoped('topK', () => {
    // Threads per row: each scans about 512 * k elements, so that insertions (about k * ln(m / k)
    // of them, each shifting up to k entries) stay a small part of the work; at most 256, and few
    // enough for the [rows, lists, k] lists to be bound whole.
    const bindable = Math.floor(engine.limits.maxStorageBufferBindingSize / (4 * rows * k));
    check('topK', bindable >= 1, `the [${rows}, ${k}] result of x ${shapeString(x.shape)} is too large to bind`);
    const lists = Math.min(256, Math.ceil(n / (512 * Math.max(k, 8))), bindable);
    let values = engine.empty([rows, lists, k]);
    let indices = engine.empty([rows, lists, k], 'i32');
    for (const w of bindingWindows(engine, 'topK', rows * n, n)) {
      const windowRows = w.count / n;
      engine.run('top-k', {
        bindings: { x: windowOf(x, w), values, indices },
        uniforms: { n, k, lists, rows: windowRows, base: w.base, rowOut: w.start / n },
        workgroups: Math.ceil((windowRows * lists) / TOP_K_WG),
      });
    }
    // Merge the sorted lists of each row until one is left.
    for (let count = lists; count > 1; ) {
      const groups = Math.ceil(count / LISTS_PER_MERGE);
      const mergedValues = engine.empty([rows, groups, k]);
      const mergedIndices = engine.empty([rows, groups, k], 'i32');
      engine.run('top-k-merge', {
        bindings: { valuesIn: values, indicesIn: indices, values: mergedValues, indices: mergedIndices },
        uniforms: { lists: count, k, perGroup: LISTS_PER_MERGE, groups, rows },
        workgroups: Math.ceil((rows * groups) / TOP_K_WG),
      });
      values.dispose();
      indices.dispose();
      values = mergedValues;
      indices = mergedIndices;
      count = groups;
    }
    const result = { values: values.reshape([rows, k]), indices: indices.reshape([rows, k]) };
    values.dispose();
    indices.dispose();
    return result;
  });
}

export function selectOps(engine: Engine) {
  return {
    /**
     * The threshold T with a fraction q of x's elements above it (q = 0.005: the top 0.5%).
     * Exact: T is the element of descending rank floor(q * n) (at most n - 1), so with distinct
     * values exactly floor(q * n) elements are greater than T. Ranks follow IEEE's total order
     * (-0 below +0, NaN above +Infinity).
     */
    async quantile(x: Tensor, q: number): Promise<number> {
      checkTensor('quantile', 'x', x);
      checkQuantile('quantile', q);
      const out = engine.scoped('quantile', () => selectPerChannel(engine, 'quantile', x, { n: 1, c: 1, hw: x.size }, quantileRank(q, x.size)));
      const value = (await out.read())[0];
      out.dispose();
      return value;
    },

    /** quantile() of each channel of [N, C, H, W] (or [N, C]) over its N*H*W values: C thresholds. */
    async quantilePerChannel(x: Tensor, q: number): Promise<Float32Array> {
      checkTensor('quantilePerChannel', 'x', x);
      check('quantilePerChannel', x.shape.length === 4 || x.shape.length === 2, `x must have rank 4 (NCHW) or 2 ([N, C]), got shape ${shapeString(x.shape)}`);
      checkQuantile('quantilePerChannel', q);
      const [n, c, h = 1, w = 1] = x.shape;
      check('quantilePerChannel', c <= MAX_GRID, `x ${shapeString(x.shape)} has more than ${MAX_GRID} channels`);
      const out = engine.scoped('quantilePerChannel', () => selectPerChannel(engine, 'quantilePerChannel', x, { n, c, hw: h * w }, quantileRank(q, n * h * w)));
      const values = (await out.read()) as Float32Array;
      out.dispose();
      return values;
    },

    /** The k (<= 64) largest values of each row of x [rows, n], sorted descending, ties to the lower index. */
    topK: (x: Tensor, k: number): TopK => topK(engine, x, k),
  };
}
