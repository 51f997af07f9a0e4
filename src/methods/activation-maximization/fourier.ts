// The Fourier-space, colour-decorrelated image parameterization of Olah et al. 2017 ("Feature
// Visualization", Lucid's fft_image + to_valid_rgb): the optimiser moves spectral coefficients
// scaled by 1/f, so every frequency changes the image at a similar rate and the result is not
// the high-frequency pattern that plain pixel ascent finds; colours move along the decorrelated
// axes of natural images (the square root of their colour covariance).
//
//   t_c     = A_H (s ⊙ p_c) A_W^T             per colour plane: the spatial inverse transform
//   rgb     = K t + colourMean                 per pixel (K: Lucid's colour_correlation_svd_sqrt,
//                                              columns normalized by the largest column norm)
//   image   = (rgb * range - mean) / std       the model's preprocessing (channel order included)
//
// A_N is the orthonormal real Fourier basis of length N (columns: the constant, then cos and sin
// of each frequency k = 1 .. ceil(N/2) - 1, then for even N the alternating Nyquist column), so
// A_H (.) A_W^T is Lucid's orthonormal inverse 2-D DFT written over real numbers: cos·cos, cos·sin
// ... of (ky, kx) mix the complex frequencies (ky, kx) and (ky, -kx), which have the same |f|, so
// the same 1/f scale applies. s[i, j] = 1 / max(|f_ij|, 1 / max(H, W))^decay (decay 1), divided by
// 4 as in Lucid. The map is affine and invertible: pullback is its transposed linear part (exact),
// fromImage its inverse (the round trip, and Yosinski's projections applied in image space).
//
// On the GPU: the W transform is a gemm on [B*C*H, W]; the H transform a convolution whose kernel
// spans the whole height (H output channels, kernel H x 1: out[o, w] = sum_k A_H[o, k] y[k, w]);
// the colour map a 1x1 convolution.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Preprocessing } from '../../models/spec.ts';
import type { Parameterization } from '../common/optimize.ts';

/** Lucid's square root of the ImageNet colour covariance (RGB), and its colour mean. */
const COLOR_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];
const COLOR_MEAN = [0.48, 0.46, 0.41];

/** The orthonormal real Fourier basis A [N, N] (row n = sample, column i = basis function) and each column's frequency. */
export function realFourierBasis(n: number): { basis: Float64Array; freqs: Float64Array } {
  const basis = new Float64Array(n * n);
  const freqs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.ceil(i / 2);
    freqs[i] = k / n;
    for (let s = 0; s < n; s++) {
      let v: number;
      if (i === 0) v = 1 / Math.sqrt(n);
      else if (n % 2 === 0 && i === n - 1) v = (s % 2 === 0 ? 1 : -1) / Math.sqrt(n);
      else if (i % 2 === 1) v = Math.sqrt(2 / n) * Math.cos((2 * Math.PI * k * s) / n);
      else v = Math.sqrt(2 / n) * Math.sin((2 * Math.PI * k * s) / n);
      basis[s * n + i] = v;
    }
  }
  return { basis, freqs };
}

/** The per-coefficient scale s [H, W]: 1 / max(|f|, 1 / max(H, W))^decay / 4. */
export function spectrumScale(h: number, w: number, decay = 1): Float32Array {
  const fy = realFourierBasis(h).freqs;
  const fx = realFourierBasis(w).freqs;
  const s = new Float32Array(h * w);
  const floor = 1 / Math.max(h, w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s[i * w + j] = 1 / Math.max(Math.hypot(fy[i], fx[j]), floor) ** decay / 4;
  return s;
}

/** The colour map image_c = sum_k M[c, k] t_k + bias_c from decorrelated colour to the model's input. */
export function colorMap(preprocessing: Preprocessing, channels: number): { matrix: Float64Array; bias: Float64Array } {
  const matrix = new Float64Array(channels * channels);
  const bias = new Float64Array(channels);
  const { range, mean, std, channelOrder } = preprocessing;
  const at = (v: number[] | [number], c: number) => (v.length === 1 ? v[0] : v[c]);
  if (channels !== 3) {
    for (let c = 0; c < channels; c++) {
      matrix[c * channels + c] = (range * 0.25) / at(std, c);
      bias[c] = (range * 0.5 - at(mean, c)) / at(std, c);
    }
    return { matrix, bias };
  }
  const norms = [0, 1, 2].map((k) => Math.hypot(COLOR_SQRT[0][k], COLOR_SQRT[1][k], COLOR_SQRT[2][k]));
  const maxNorm = Math.max(...norms);
  for (let c = 0; c < 3; c++) {
    const rgb = channelOrder === 'BGR' ? 2 - c : c; // the model's channel c holds this RGB colour
    for (let k = 0; k < 3; k++) matrix[c * 3 + k] = ((COLOR_SQRT[rgb][k] / maxNorm) * range) / at(std, c);
    bias[c] = (COLOR_MEAN[rgb] * range - at(mean, c)) / at(std, c);
  }
  return { matrix, bias };
}

function invert3(m: Float64Array, n: number): Float64Array {
  // Gauss-Jordan on a tiny matrix.
  const a = Array.from({ length: n }, (_, r) => [...Array.from(m.slice(r * n, r * n + n)), ...Array.from({ length: n }, (_, c) => (c === r ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    for (let c = 0; c < 2 * n; c++) a[col][c] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      for (let c = 0; c < 2 * n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return Float64Array.from(a.flatMap((row) => row.slice(n)));
}

export interface FourierParameterization extends Parameterization {
  /** The parameters whose render is `image` (the exact inverse); the caller disposes them. */
  fromImage(image: Tensor): Tensor;
  /** Lucid's start: spectral coefficients drawn from N(0, sd^2) (sd 0.01), [batch, C, H, W]. */
  initial(batch: number, random: { normal(): number }, sd?: number): Tensor;
  dispose(): void;
}

/** The Fourier parameterization for a model input of `shape` [C, H, W] and its preprocessing. */
export function fourierParameterization(engine: Engine, shape: [number, number, number], preprocessing: Preprocessing, options: { decay?: number } = {}): FourierParameterization {
  const [channels, h, w] = shape;
  const { ops, grad } = engine;
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const transposed = (a: Float64Array, n: number) => {
    const t = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) t[c * n + r] = a[r * n + c];
    return t;
  };
  const aw = engine.tensor(f32(realFourierBasis(w).basis), [w, w]);
  const ah = realFourierBasis(h).basis;
  const kh = engine.tensor(f32(ah), [h, 1, h, 1]); // out[o] = sum_k A_H[o, k] y[k]
  const khT = engine.tensor(f32(transposed(ah, h)), [h, 1, h, 1]);
  const { matrix, bias } = colorMap(preprocessing, channels);
  const color = engine.tensor(f32(matrix), [channels, channels, 1, 1]);
  const colorT = engine.tensor(f32(transposed(matrix, channels)), [channels, channels, 1, 1]);
  const colorInv = engine.tensor(f32(invert3(matrix, channels)), [channels, channels, 1, 1]);
  const colorBias = engine.tensor(f32(bias), [channels]);
  const negBias = engine.tensor(f32(bias.map((b) => -b)), [channels]);
  const scaleData = spectrumScale(h, w, options.decay ?? 1);
  const scales = new Map<number, { s: Tensor; inv: Tensor }>();
  const scaleFor = (batch: number) => {
    let entry = scales.get(batch);
    if (!entry) {
      const s = new Float32Array(batch * channels * h * w);
      for (let p = 0; p < batch * channels; p++) s.set(scaleData, p * h * w);
      entry = { s: engine.tensor(s, [batch, channels, h, w]), inv: engine.tensor(s.map((v) => 1 / v), [batch, channels, h, w]) };
      scales.set(batch, entry);
    }
    return entry;
  };
  const checkShape = (what: string, t: Tensor) => {
    const s = t.shape;
    if (s.length !== 4 || s[1] !== channels || s[2] !== h || s[3] !== w) throw new Error(`fourier parameterization: ${what} must be [B, ${channels}, ${h}, ${w}], got [${s.join(', ')}]`);
  };

  // Planes [B, C, H, W] -> A_H (.) A_W^T per plane, or with `adjoint` A_H^T (.) A_W.
  const spatial = (x: Tensor, adjoint: boolean): Tensor => {
    const batch = x.shape[0];
    const rows = x.reshape([batch * channels * h, w]);
    const alongW = ops.gemm(rows, aw, null, { transB: !adjoint });
    const planes = alongW.reshape([batch * channels, 1, h, w]);
    const alongH = ops.conv2d(planes, adjoint ? khT : kh, undefined, {});
    const out = alongH.reshape([batch, channels, h, w]);
    for (const t of [rows, alongW, planes, alongH]) t.dispose();
    return out;
  };

  return {
    name: 'fourier',
    render(params) {
      checkShape('the parameters', params);
      return engine.scoped('fourier render', () => {
        const scaled = ops.mul(params, scaleFor(params.shape[0]).s);
        const t = spatial(scaled, false);
        const image = ops.conv2d(t, color, colorBias, {});
        scaled.dispose();
        t.dispose();
        return image;
      });
    },
    pullback(params, dImage) {
      checkShape('the image gradient', dImage);
      return engine.scoped('fourier pullback', () => {
        const dt = ops.conv2d(dImage, colorT, undefined, {});
        const dScaled = spatial(dt, true);
        const dParams = ops.mul(dScaled, scaleFor(params.shape[0]).s);
        dt.dispose();
        dScaled.dispose();
        return dParams;
      });
    },
    fromImage(image) {
      checkShape('the image', image);
      return engine.scoped('fourier fromImage', () => {
        const centred = ops.add(image, negBias);
        const t = ops.conv2d(centred, colorInv, undefined, {});
        const scaled = spatial(t, true);
        const params = ops.mul(scaled, scaleFor(image.shape[0]).inv);
        for (const x of [centred, t, scaled]) x.dispose();
        return params;
      });
    },
    initial(batch, random, sd = 0.01) {
      const data = new Float32Array(batch * channels * h * w);
      for (let i = 0; i < data.length; i++) data[i] = sd * random.normal();
      return engine.tensor(data, [batch, channels, h, w]);
    },
    dispose() {
      for (const t of [aw, kh, khT, color, colorT, colorInv, colorBias, negBias]) t.dispose();
      for (const { s, inv } of scales.values()) {
        s.dispose();
        inv.dispose();
      }
      scales.clear();
    },
  };
}
