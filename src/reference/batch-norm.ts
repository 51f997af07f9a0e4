// CPU reference for batch normalization over the channels of [N, C] or [N, C, H, W]:
//   y = (x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + shift[c]
// with either given (running) statistics or the batch's own: the mean and biased variance of
// channel c over every image and position. Its backward, written out from the chain rule.

export interface Statistics {
  mean: Float64Array;
  variance: Float64Array;
}

/** N, C and the values per channel and image. */
function dims(shape: readonly number[]): [number, number, number] {
  return [shape[0], shape[1], shape.length === 4 ? shape[2] * shape[3] : 1];
}

/** Calls f(index, channel) for every element. */
function eachElement(shape: readonly number[], f: (i: number, c: number) => void): void {
  const [n, c, hw] = dims(shape);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < hw; k++) f((b * c + ch) * hw + k, ch);
}

export function batchStatistics(x: ArrayLike<number>, shape: readonly number[]): Statistics {
  const [n, c, hw] = dims(shape);
  const count = n * hw;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  eachElement(shape, (i, ch) => (mean[ch] += x[i] / count));
  eachElement(shape, (i, ch) => (variance[ch] += (x[i] - mean[ch]) ** 2 / count));
  return { mean, variance };
}

export function batchNorm(
  x: ArrayLike<number>,
  shape: readonly number[],
  stats: Statistics,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
  epsilon: number,
): Float64Array {
  const y = new Float64Array(x.length);
  eachElement(shape, (i, c) => (y[i] = ((x[i] - stats.mean[c]) / Math.sqrt(stats.variance[c] + epsilon)) * scale[c] + shift[c]));
  return y;
}

/** Training mode: normalized with x's own statistics. */
export function batchNormTraining(x: ArrayLike<number>, shape: readonly number[], scale: ArrayLike<number>, shift: ArrayLike<number>, epsilon: number): Float64Array {
  return batchNorm(x, shape, batchStatistics(x, shape), scale, shift, epsilon);
}

/**
 * Gradients of sum(dy * y). With batch statistics, the mean and variance depend on x too:
 *   dx = scale * r * (dy - mean(dy) - xhat * mean(dy * xhat)), r = 1 / sqrt(variance + epsilon)
 * (means over the channel's values); with fixed statistics dx = scale * r * dy.
 */
export function batchNormBackward(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  shape: readonly number[],
  stats: Statistics,
  scale: ArrayLike<number>,
  epsilon: number,
  batchStatisticsUsed: boolean,
): { dx: Float64Array; dscale: Float64Array; dshift: Float64Array } {
  const [n, c, hw] = dims(shape);
  const count = n * hw;
  const r = Array.from(stats.variance, (v) => 1 / Math.sqrt(v + epsilon));
  const xhat = (i: number, ch: number) => (x[i] - stats.mean[ch]) * r[ch];
  const dscale = new Float64Array(c);
  const dshift = new Float64Array(c);
  eachElement(shape, (i, ch) => {
    dshift[ch] += dy[i];
    dscale[ch] += dy[i] * xhat(i, ch);
  });
  const dx = new Float64Array(x.length);
  eachElement(shape, (i, ch) => {
    const g = batchStatisticsUsed ? dy[i] - dshift[ch] / count - (xhat(i, ch) * dscale[ch]) / count : dy[i];
    dx[i] = scale[ch] * r[ch] * g;
  });
  return { dx, dscale, dshift };
}
