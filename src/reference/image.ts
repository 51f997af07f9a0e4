// CPU references for the image-space helpers of Activation Maximization and Network Inversion:
// Gaussian blur, translation (jitter), total variation, the alpha norm and per-pixel norms.
// Plain loops in float64 (results are Float64Array so that finite differences stay accurate);
// every tensor is NCHW, passed as a flat array and its shape.

import { TV_EPSILON } from '../ops/image-regularizers.ts';

export { TV_EPSILON };

export type Shape4 = readonly [number, number, number, number];
export type Border = 'wrap' | 'zero';

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** The normalized 1-D Gaussian g[k + radius], k in [-radius, radius]. */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  const g = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += g[k + radius] = k === 0 ? 1 : Math.exp((-k * k) / (2 * sigma * sigma));
  return g.map((v) => v / total);
}

/**
 * One 1-D blur pass along H (axis 2) or W (axis 3) with replicate borders:
 * y[.., i, ..] = sum_k g[k] * x[.., clamp(i + k, 0, L - 1), ..].
 */
function blurAxis(x: ArrayLike<number>, shape: Shape4, g: Float64Array, axis: 2 | 3): Float64Array {
  const [n, c, h, w] = shape;
  const r = (g.length - 1) / 2;
  const y = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) {
          const ii = axis === 2 ? clamp(i + k, 0, h - 1) : i;
          const jj = axis === 3 ? clamp(j + k, 0, w - 1) : j;
          acc += g[k + r] * x[(p * h + ii) * w + jj];
        }
        y[(p * h + i) * w + j] = acc;
      }
    }
  }
  return y;
}

/** The transpose of blurAxis, written as the scatter it is (the GPU computes it as a gather). */
function blurAxisAdjoint(dy: ArrayLike<number>, shape: Shape4, g: Float64Array, axis: 2 | 3): Float64Array {
  const [n, c, h, w] = shape;
  const r = (g.length - 1) / 2;
  const dx = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const d = dy[(p * h + i) * w + j];
        for (let k = -r; k <= r; k++) {
          const ii = axis === 2 ? clamp(i + k, 0, h - 1) : i;
          const jj = axis === 3 ? clamp(j + k, 0, w - 1) : j;
          dx[(p * h + ii) * w + jj] += g[k + r] * d;
        }
      }
    }
  }
  return dx;
}

/** Separable Gaussian blur with replicate borders; sigma 0 is the identity. */
export function gaussianBlur(x: ArrayLike<number>, shape: Shape4, sigma: number, radius = Math.ceil(3 * sigma)): Float64Array {
  if (sigma === 0) return Float64Array.from(x);
  const g = gaussianKernel(sigma, radius);
  return blurAxis(blurAxis(x, shape, g, 3), shape, g, 2);
}

/** dx for y = gaussianBlur(x): the transposed passes in reverse order. */
export function gaussianBlurAdjoint(dy: ArrayLike<number>, shape: Shape4, sigma: number, radius = Math.ceil(3 * sigma)): Float64Array {
  if (sigma === 0) return Float64Array.from(dy);
  const g = gaussianKernel(sigma, radius);
  return blurAxisAdjoint(blurAxisAdjoint(dy, shape, g, 2), shape, g, 3);
}

/**
 * The bilinear taps of y[i] = x[i - shift] along one axis of length len: a list of
 * [source index, weight] (a source outside the image is dropped for 'zero', wrapped for 'wrap').
 */
function shiftTaps(i: number, shift: number, len: number, border: Border): [number, number][] {
  const pos = i - shift;
  const lo = Math.floor(pos);
  const f = pos - lo;
  const taps: [number, number][] = [];
  for (const [src, wt] of [[lo, 1 - f], [lo + 1, f]] as const) {
    if (wt === 0) continue;
    if (border === 'wrap') taps.push([((src % len) + len) % len, wt]);
    else if (src >= 0 && src < len) taps.push([src, wt]);
  }
  return taps;
}

/** y[h, w] = x[h - dy, w - dx], bilinear for fractional shifts. */
export function translate(x: ArrayLike<number>, shape: Shape4, dy: number, dx: number, border: Border = 'wrap'): Float64Array {
  const [n, c, h, w] = shape;
  const y = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let acc = 0;
        for (const [si, wi] of shiftTaps(i, dy, h, border)) {
          for (const [sj, wj] of shiftTaps(j, dx, w, border)) acc += wi * wj * x[(p * h + si) * w + sj];
        }
        y[(p * h + i) * w + j] = acc;
      }
    }
  }
  return y;
}

/** The transpose of translate, as a scatter. */
export function translateAdjoint(g: ArrayLike<number>, shape: Shape4, dy: number, dx: number, border: Border = 'wrap'): Float64Array {
  const [n, c, h, w] = shape;
  const out = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const d = g[(p * h + i) * w + j];
        for (const [si, wi] of shiftTaps(i, dy, h, border)) {
          for (const [sj, wj] of shiftTaps(j, dx, w, border)) out[(p * h + si) * w + sj] += wi * wj * d;
        }
      }
    }
  }
  return out;
}

/**
 * R_TV(x) = sum over n, c, i, j of (dh^2 + dv^2)^(beta / 2) with dh = x[i, j+1] - x[i, j] and
 * dv = x[i+1, j] - x[i, j]; a difference that would leave the image is 0. The gradient uses
 * (s + eps)^(beta/2 - 1), eps = TV_EPSILON for beta < 2, so that it is finite where s = 0
 * (eps = 0 gives the exact gradient wherever it exists).
 */
export function totalVariation(x: ArrayLike<number>, shape: Shape4, beta = 2, eps = beta < 2 ? TV_EPSILON : 0): { value: number; grad: Float64Array } {
  const [n, c, h, w] = shape;
  const grad = new Float64Array(n * c * h * w);
  let value = 0;
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const at = (p * h + i) * w + j;
        const dh = j + 1 < w ? x[at + 1] - x[at] : 0;
        const dv = i + 1 < h ? x[at + w] - x[at] : 0;
        const s = dh * dh + dv * dv;
        value += s ** (beta / 2);
        if (s + eps === 0) continue; // beta >= 2 and a flat spot: no gradient
        // d/dx of (s)^(beta/2) = (beta / 2) s^(beta/2 - 1) * ds/dx, and ds/d(dh) = 2 dh.
        const q = beta * (s + eps) ** (beta / 2 - 1);
        if (j + 1 < w) grad[at + 1] += q * dh;
        if (i + 1 < h) grad[at + w] += q * dv;
        grad[at] -= q * (dh + dv);
      }
    }
  }
  return { value, grad };
}

/** R_a(x) = sum |x|^alpha and its gradient alpha |x|^(alpha-1) sign(x) (0 at x = 0). */
export function alphaNorm(x: ArrayLike<number>, alpha = 6): { value: number; grad: Float64Array } {
  const grad = new Float64Array(x.length);
  let value = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    value += a ** alpha;
    grad[i] = a === 0 ? 0 : alpha * a ** (alpha - 1) * Math.sign(x[i]);
  }
  return { value, grad };
}

/** Sum over channels of f(x, g) at every pixel: the [N, 1, H, W] result. */
function overChannels(shape: Shape4, f: (at: number) => number): Float64Array {
  const [n, c, h, w] = shape;
  const out = new Float64Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) out[b * h * w + p] += f((b * c + ch) * h * w + p);
    }
  }
  return out;
}

/** The Euclidean norm over colour channels at each pixel: [N, 1, H, W]. */
export function pixelNorm(x: ArrayLike<number>, shape: Shape4): Float64Array {
  return overChannels(shape, (at) => x[at] * x[at]).map(Math.sqrt);
}

/** Yosinski's contribution: sum over channels of |x * g| at each pixel: [N, 1, H, W]. */
export function pixelContribution(x: ArrayLike<number>, g: ArrayLike<number>, shape: Shape4): Float64Array {
  return overChannels(shape, (at) => Math.abs(x[at] * g[at]));
}

/** x * mask with mask [N, 1, H, W] broadcast over channels. */
export function maskPixels(x: ArrayLike<number>, mask: ArrayLike<number>, shape: Shape4): Float64Array {
  const [n, c, h, w] = shape;
  const y = new Float64Array(n * c * h * w);
  for (let i = 0; i < y.length; i++) {
    const b = Math.floor(i / (c * h * w));
    y[i] = x[i] * mask[b * h * w + (i % (h * w))];
  }
  return y;
}
