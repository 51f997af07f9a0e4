// CPU references for selection: quantile thresholds and top-k (sorting, for clarity).

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
  const sorted = Float32Array.from(x).sort(); // ascending
  return sorted[sorted.length - 1 - quantileRank(q, sorted.length)];
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
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((i, j) => x[r * n + j] - x[r * n + i] || i - j);
    for (let p = 0; p < k; p++) {
      values[r * k + p] = x[r * n + order[p]];
      indices[r * k + p] = order[p];
    }
  }
  return { values, indices };
}
