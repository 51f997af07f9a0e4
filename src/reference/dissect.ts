// CPU references for Network Dissection's kernels (src/ops/dissect.ts): the streaming histogram
// (dissect-histogram.wgsl) and the IoU tally (dissect-hot-cells.wgsl, dissect-tally.wgsl). The
// histogram arithmetic is float32's, as on the GPU, so that both give the same bins exactly; the
// method also uses fitLevel/absBin to merge shards' histograms.

export const BINS = 2048;
const MIN_LEVEL = -120;
const MAX_LEVEL = 120;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** floor(log2(v)) of a positive float32 from its exponent bits (-127 for subnormals). */
function exponentOf(v: number): number {
  f32[0] = v;
  return ((u32[0] >>> 23) & 0xff) - 127;
}

/** The absolute bin of v at a level: floor(v / 2^level). */
export function absBin(v: number, level: number): number {
  return Math.floor(v * 2 ** -level);
}

function fits(lo: number, hi: number, level: number): boolean {
  const m = Math.max(Math.abs(lo), Math.abs(hi));
  return m * 2 ** -level < 2 ** 30 && absBin(hi, level) - absBin(lo, level) <= BINS - 1;
}

/** The smallest level at which [lo, hi] spans at most BINS bins (and bins index in 31 bits). */
export function fitLevel(lo: number, hi: number): number {
  const span = Math.fround(hi - lo);
  const m = Math.max(Math.abs(lo), Math.abs(hi));
  let level = MIN_LEVEL;
  if (span > 0) level = Math.max(level, exponentOf(span) - 12);
  if (m > 0) level = Math.max(level, exponentOf(m) - 31);
  while (level < MAX_LEVEL && !fits(lo, hi, level)) level++;
  return level;
}

/** A unit's histogram: BINS counts of width 2^level from absolute bin base, over the range [lo, hi]. */
export interface UnitHistogram {
  level: number;
  base: number;
  lo: number;
  hi: number;
  counts: Float64Array;
}

export function emptyHistogram(): UnitHistogram {
  return { level: 0, base: 0, lo: Infinity, hi: -Infinity, counts: new Float64Array(BINS) };
}

/** Moves h to the level and base that [lo, hi] asks for, adding old bins into new ones (exact). */
export function widen(h: UnitHistogram, lo: number, hi: number): void {
  const newLo = Math.min(h.lo, lo);
  const newHi = Math.max(h.hi, hi);
  const level = fitLevel(newLo, newHi);
  const base = absBin(newLo, level);
  if (h.lo <= h.hi && (level !== h.level || base !== h.base)) {
    const shift = 2 ** Math.min(level - h.level, 31);
    const old = h.counts;
    h.counts = new Float64Array(BINS);
    for (let j = 0; j < BINS; j++) {
      if (old[j] !== 0) h.counts[Math.min(Math.max(Math.floor((h.base + j) / shift) - base, 0), BINS - 1)] += old[j];
    }
  }
  Object.assign(h, { level, base, lo: newLo, hi: newHi });
}

/** Adds values to h, widening it first (what one batch does on the GPU for one unit). */
export function addValues(h: UnitHistogram, values: ArrayLike<number>): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (values.length === 0) return;
  widen(h, lo, hi);
  for (let i = 0; i < values.length; i++) h.counts[Math.min(Math.max(absBin(values[i], h.level) - h.base, 0), BINS - 1)]++;
}

/** The values of unit c of x [N, C, hw] (NCHW storage). */
export function unitValues(x: ArrayLike<number>, n: number, c: number, hw: number, unit: number): Float32Array {
  const out = new Float32Array(n * hw);
  for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) out[i * hw + j] = x[(i * c + unit) * hw + j];
  return out;
}

/**
 * The hot cells of maps a [N, C, h, w] (dissect-hot-cells.wgsl): cell (i, j) of map m, listed as
 * m * h * w + i * w + j, has corners (i, j), (i, j1), (i1, j), (i1, j1) with i1 = min(i + 1, h - 1),
 * j1 = min(j + 1, w - 1), and is hot when max(corners) + (max |corners| + |T|) * 2^-16 >= T in
 * float32 (T = +inf: never). Sorted (the kernel lists them in no particular order).
 */
export function hotCells(a: ArrayLike<number>, [n, c, h, w]: [number, number, number, number], thresholds: ArrayLike<number>): number[] {
  const f = Math.fround;
  const out: number[] = [];
  for (let m = 0; m < n * c; m++) {
    const t = thresholds[m % c];
    if (!(t <= 3.4028234663852886e38)) continue;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const [i1, j1] = [Math.min(i + 1, h - 1), Math.min(j + 1, w - 1)];
        const corners = [a[m * h * w + i * w + j], a[m * h * w + i * w + j1], a[m * h * w + i1 * w + j], a[m * h * w + i1 * w + j1]];
        const top = Math.max(...corners);
        const size = Math.max(...corners.map(Math.abs));
        if (f(top + f(f(size + Math.abs(t)) * 2 ** -16)) >= t) out.push(m * h * w + i * w + j);
      }
    }
  }
  return out;
}

/**
 * The tally of one batch (dissect-tally.wgsl): s [N, C, S] (the maps upsampled to the mask size),
 * thresholds [C], labels [N, E, S], present [N] bitmasks; adds to inter [C, L] and area [C, K].
 */
export function tallyReference(
  s: ArrayLike<number>,
  [n, c, pixels]: [number, number, number],
  thresholds: ArrayLike<number>,
  labels: ArrayLike<number>,
  entries: number,
  present: ArrayLike<number>,
  inter: Float64Array,
  area: Float64Array,
  labelCount: number,
  categories: number,
): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      let masked = 0;
      for (let x = 0; x < pixels; x++) {
        if (!(s[(i * c + k) * pixels + x] >= thresholds[k])) continue;
        masked++;
        for (let e = 0; e < entries; e++) {
          const l = labels[(i * entries + e) * pixels + x];
          if (l > 0) inter[k * labelCount + l]++;
        }
      }
      for (let cat = 0; cat < categories; cat++) if ((present[i] >>> cat) & 1) area[k * categories + cat] += masked;
    }
  }
}

/**
 * Each map's maximum at its own resolution, a [N, C, hw] -> [N, C] (the tally's peak, which ranks a
 * unit's top images as NetDissect-Lite does: the max over the feature map, not over its upsampling).
 */
export function mapPeaks(a: ArrayLike<number>, [n, c, hw]: [number, number, number]): Float32Array {
  const peak = new Float32Array(n * c).fill(-Infinity);
  for (let m = 0; m < n * c; m++) for (let j = 0; j < hw; j++) peak[m] = Math.max(peak[m], a[m * hw + j]);
  return peak;
}
