// CPU references for the reductions (the living definition the GPU kernels are tested against).
// Accumulation is in float64 (JS numbers); results are plain numbers or Float32Arrays.

export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

export function sumSquares(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

export function max(x: ArrayLike<number>): number {
  let m = x[0];
  for (let i = 1; i < x.length; i++) m = Math.max(m, x[i]);
  return m;
}

export function min(x: ArrayLike<number>): number {
  let m = x[0];
  for (let i = 1; i < x.length; i++) m = Math.min(m, x[i]);
  return m;
}

export function mean(x: ArrayLike<number>): number {
  return sum(x) / x.length;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** [N, C, H, W] (shape given; [N, C] works with H = W = 1) -> [C]: sum over N, H, W, optionally divided by N*H*W. */
export function channelSum(x: ArrayLike<number>, [n, c, h = 1, w = 1]: number[], mean = false): Float32Array {
  const out = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) s += x[(b * c + ch) * h * w + i];
    out[ch] = mean ? s / (n * h * w) : s;
  }
  return out;
}

export function channelMean(x: ArrayLike<number>, shape: number[]): Float32Array {
  return channelSum(x, shape, true);
}

/** [N, C, H, W] -> [N, C]: the mean of each H x W map. */
export function spatialMean(x: ArrayLike<number>, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(n * c);
  for (let m = 0; m < n * c; m++) {
    let s = 0;
    for (let i = 0; i < h * w; i++) s += x[m * h * w + i];
    out[m] = s / (h * w);
  }
  return out;
}

/** [N, C, H, W] -> [N, C]: the largest value of each H x W map. */
export function spatialMax(x: ArrayLike<number>, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(n * c);
  for (let m = 0; m < n * c; m++) {
    let v = x[m * h * w];
    for (let i = 1; i < h * w; i++) v = Math.max(v, x[m * h * w + i]);
    out[m] = v;
  }
  return out;
}
