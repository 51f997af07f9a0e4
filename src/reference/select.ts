// CPU references for selection: quantile thresholds and top-k (sorting, for clarity).
//
// Both order floats by their sort keys: the float's bits as an unsigned integer that orders like
// the float (negatives with all bits flipped, others with the sign bit set). This is IEEE's total
// order: exact for subnormals (which GPU float compares may flush to zero), -0 below +0, NaN
// above +Infinity.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function sortKey(v: number): number {
  f32[0] = v;
  const u = u32[0];
  return (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
}

export function keyToFloat(key: number): number {
  u32[0] = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return f32[0];
}

/**
 * The descending rank (0-based) of the element returned as the q-quantile threshold of n
 * elements: floor(q * n), at most n - 1. With distinct values exactly floor(q * n) elements are
 * greater than it. The tiny epsilon keeps q * n that should be an integer (0.29 * 100 is
 * 28.999999999999996 in float64) from rounding down.
 */
export function quantileRank(q: number, n: number): number {
  return Math.min(n - 1, Math.floor(q * n + 1e-9));
}

/** The threshold T with a fraction q of the elements above it: the element of descending rank quantileRank(q, n). */
export function quantile(x: ArrayLike<number>, q: number): number {
  const keys = new Uint32Array(Float32Array.from(x).buffer); // the float bits, made keys in place
  for (let i = 0; i < keys.length; i++) keys[i] = (keys[i] & 0x80000000 ? ~keys[i] : keys[i] | 0x80000000) >>> 0;
  keys.sort(); // ascending
  return keyToFloat(keys[keys.length - 1 - quantileRank(q, keys.length)]);
}

/** One quantile threshold per channel of [N, C, H, W] ([N, C] works with H = W = 1), over its N*H*W values. */
export function quantilePerChannel(x: ArrayLike<number>, [n, c, h = 1, w = 1]: number[], q: number): Float32Array {
  const out = new Float32Array(c);
  const values = new Float32Array(n * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) values[b * h * w + i] = x[(b * c + ch) * h * w + i];
    out[ch] = quantile(values, q);
  }
  return out;
}

/** The k largest of each row of [rows, n], larger first, equal values by the lower index. */
export function topK(x: ArrayLike<number>, rows: number, n: number, k: number): { values: Float32Array; indices: Int32Array } {
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const keys = Uint32Array.from({ length: n }, (_, i) => sortKey(x[r * n + i]));
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((i, j) => keys[j] - keys[i] || i - j);
    for (let p = 0; p < k; p++) {
      values[r * k + p] = x[r * n + order[p]];
      indices[r * k + p] = order[p];
    }
  }
  return { values, indices };
}
