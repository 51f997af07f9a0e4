// The two passes' states, as plain JSON-serialisable objects: a shard file holds one, dissect-merge
// adds them, and a long run can checkpoint one (counts so far + the images done) and go on.
//
// Quantile state: per unit the streaming histogram of pass 1 (src/reference/dissect.ts explains the
// bins). Tally state: per unit and concept the intersections, per unit and category the mask area,
// per concept its label area, and per unit its top images. Counts are exact integers, so adding
// shards gives the same numbers as one run over all images.

import { BINS, widen, type UnitHistogram } from '../../reference/dissect.ts';

export const QUANTILE_KIND = 'convsight-dissect-quantiles';
export const TALLY_KIND = 'convsight-dissect-tally';

/** Images [start, end) of the dataset, of which `done` (from start) have been counted. */
export interface ImageRange {
  start: number;
  end: number;
  done: number;
}

export interface QuantileLayer {
  layer: string;
  units: number;
  level: number[];
  base: number[];
  lo: number[];
  hi: number[];
  /** units x BINS counts. */
  counts: number[];
}

export interface QuantileState {
  kind: typeof QUANTILE_KIND;
  version: 1;
  model: string;
  /** Images in the whole dataset, and the ranges this state has counted (disjoint, sorted). */
  datasetImages: number;
  ranges: ImageRange[];
  layers: QuantileLayer[];
}

export interface Concept {
  number: number;
  name: string;
  category: string;
}

export interface TopImage {
  image: number;
  /**
   * The unit's maximum over the image's map at the layer's resolution (NetDissect-Lite's ranking).
   * States written before the tally skipped cold cells held the upsampled map's maximum, a little
   * lower; they still merge (the counts are the same), only the top images' order may mix the two.
   */
  value: number;
}

export interface TallyLayer {
  layer: string;
  units: number;
  thresholds: number[];
  /** |threshold - exact quantile| is below this (one histogram bin). */
  tolerance: number[];
  /** Units whose activation is the same everywhere in the dataset: no mask, no label. */
  dead: boolean[];
  /** units x labelCount intersections |M_k AND L_c|. */
  inter: number[];
  /** units x categories: |M_k| over the images labelled in each category. */
  area: number[];
  top: TopImage[][];
}

export interface TallyState {
  kind: typeof TALLY_KIND;
  version: 1;
  model: string;
  quantile: number;
  datasetImages: number;
  ranges: ImageRange[];
  categories: string[];
  /** Concepts by label number (index = number; number 0, "no label", and unused numbers are null). */
  concepts: (Concept | null)[];
  /** Per label number, |L_c| summed over the images. */
  labelArea: number[];
  /** Mask size (sh x sw). */
  maskSize: [number, number];
  layers: TallyLayer[];
}

export function unitHistogram(l: QuantileLayer, unit: number): UnitHistogram {
  const counts = new Float64Array(BINS);
  for (let j = 0; j < BINS; j++) counts[j] = l.counts[unit * BINS + j];
  return { level: l.level[unit], base: l.base[unit], lo: l.lo[unit], hi: l.hi[unit], counts };
}

function setUnitHistogram(l: QuantileLayer, unit: number, h: UnitHistogram): void {
  l.level[unit] = h.level;
  l.base[unit] = h.base;
  l.lo[unit] = h.lo;
  l.hi[unit] = h.hi;
  for (let j = 0; j < BINS; j++) l.counts[unit * BINS + j] = h.counts[j];
}

/**
 * Adds histogram `from` into `into`. Exact: into's level after widening is at least from's (the
 * level only grows with the range), so each of from's bins lies inside one of into's.
 */
export function addHistogram(into: UnitHistogram, from: UnitHistogram): void {
  if (!(from.lo <= from.hi)) return; // empty
  widen(into, from.lo, from.hi);
  const width = 2 ** (into.level - from.level);
  for (let j = 0; j < BINS; j++) {
    if (from.counts[j] !== 0) into.counts[Math.min(Math.max(Math.floor((from.base + j) / width) - into.base, 0), BINS - 1)] += from.counts[j];
  }
}

/** The ranges of several states as one sorted list; throws if two overlap. */
export function joinRanges(lists: ImageRange[][], what: string): ImageRange[] {
  const all = lists.flat().sort((a, b) => a.start - b.start);
  for (let i = 1; i < all.length; i++) {
    const [a, b] = [all[i - 1], all[i]];
    if (b.start < a.start + a.done) throw new Error(`${what}: image ranges [${a.start}, ${a.end}) and [${b.start}, ${b.end}) overlap: a shard was given twice?`);
  }
  return all;
}

export function imagesCounted(ranges: ImageRange[]): number {
  return ranges.reduce((s, r) => s + r.done, 0);
}

function sameLayers(a: { layers: { layer: string; units: number }[] }, b: { layers: { layer: string; units: number }[] }): boolean {
  return a.layers.length === b.layers.length && a.layers.every((l, i) => l.layer === b.layers[i].layer && l.units === b.layers[i].units);
}

function checkCompatible(states: (QuantileState | TallyState)[], what: string): void {
  if (states.length === 0) throw new Error(`${what}: no states to merge`);
  const [first] = states;
  for (const s of states) {
    if (s.kind !== first.kind) throw new Error(`${what}: cannot merge a ${s.kind} with a ${first.kind}`);
    if (s.model !== first.model) throw new Error(`${what}: shards of different models (${first.model}, ${s.model})`);
    if (s.datasetImages !== first.datasetImages) throw new Error(`${what}: shards of datasets of different sizes (${first.datasetImages}, ${s.datasetImages} images)`);
    if (!sameLayers(s, first)) throw new Error(`${what}: shards of different layers (${first.layers.map((l) => l.layer)} vs ${s.layers.map((l) => l.layer)})`);
  }
}

/** Adds quantile states (pass-1 shards) into one. */
export function mergeQuantileStates(states: QuantileState[]): QuantileState {
  const what = 'dissect-merge';
  checkCompatible(states, what);
  const ranges = joinRanges(states.map((s) => s.ranges), what);
  const layers = states[0].layers.map((l0, li) => {
    const out: QuantileLayer = { ...l0, level: [...l0.level], base: [...l0.base], lo: [...l0.lo], hi: [...l0.hi], counts: [...l0.counts] };
    for (let u = 0; u < l0.units; u++) {
      const h = unitHistogram(l0, u);
      for (const s of states.slice(1)) addHistogram(h, unitHistogram(s.layers[li], u));
      setUnitHistogram(out, u, h);
    }
    return out;
  });
  return { ...states[0], ranges, layers };
}

/** Adds tally states (pass-2 shards) into one; they must share thresholds and concepts. */
export function mergeTallyStates(states: TallyState[], topImages: number): TallyState {
  const what = 'dissect-merge';
  checkCompatible(states, what);
  const [first] = states;
  for (const s of states) {
    if (s.quantile !== first.quantile) throw new Error(`${what}: shards tallied at different quantiles (${first.quantile}, ${s.quantile})`);
    if (s.layers.some((l, i) => l.thresholds.some((t, u) => t !== first.layers[i].thresholds[u]))) {
      throw new Error(`${what}: shards tallied with different thresholds: run every tally shard with the same merged --quantiles file`);
    }
    if (s.concepts.length !== first.concepts.length || s.categories.join() !== first.categories.join()) throw new Error(`${what}: shards of datasets with different concepts`);
  }
  const ranges = joinRanges(states.map((s) => s.ranges), what);
  const add = (arrays: number[][]) => arrays[0].map((_, i) => arrays.reduce((s, a) => s + a[i], 0));
  return {
    ...first,
    ranges,
    labelArea: add(states.map((s) => s.labelArea)),
    layers: first.layers.map((l, li) => ({
      ...l,
      inter: add(states.map((s) => s.layers[li].inter)),
      area: add(states.map((s) => s.layers[li].area)),
      top: l.top.map((_, u) => bestImages(states.flatMap((s) => s.layers[li].top[u]), topImages)),
    })),
  };
}

/** The `count` highest, by value then by lower image index (so that every split keeps the same). */
export function bestImages(list: TopImage[], count: number): TopImage[] {
  return [...list].sort((a, b) => b.value - a.value || a.image - b.image).slice(0, count);
}
