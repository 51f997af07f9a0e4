// First-layer diagnosis (Zeiler & Fergus 2014, section 4.1). Looking at AlexNet's first-layer
// filters, they found a mix of extremely high and low frequency filters with little coverage of
// the mid frequencies, and "dead" filters; smaller filters and a smaller stride fixed both. Per
// filter of the first convolution this reports:
//   - dead: never active over an image set: its output (before the ReLU) is never above
//     `threshold` (default 0) at any position of any image (the per-unit maximum comes from the
//     streaming top-k, one pass over the set);
//   - high-frequency share: the share of the filter's spectral energy above half the Nyquist
//     frequency. The spectrum is the DFT of the filter zero-padded to `fftSize` (default 32) per
//     input channel, summed over channels; frequencies f = (fy, fx) in cycles per pixel, Nyquist
//     0.5, so "above half Nyquist" is |f| = sqrt(fy^2 + fx^2) > 0.25. A constant filter has
//     about 0, a checkerboard about 1, a single tap (a flat spectrum) the area outside the
//     disc: 1 - pi/16 = 0.80;
//   - the filters as pictures (viz filterImages: each scaled to its own range, grey is zero).

import type { RgbaImage } from '../../data/image.ts';
import type { Model } from '../../models/model.ts';
import { filterImages } from '../../viz/pictures.ts';
import type { ImageSet } from '../common/image-set.ts';
import { topActivations } from '../common/top-activations.ts';

export interface FilterReport {
  unit: number;
  /** The largest pre-ReLU response over the set (NaN without a set). */
  maxActivation: number;
  dead: boolean;
  highFrequencyShare: number;
}

export interface FirstLayerDiagnosis {
  layer: string;
  filters: FilterReport[];
  /** The filters as pictures (RGB for 3 input channels), in unit order. */
  images: RgbaImage[];
  deadCount: number;
}

export interface FirstLayerOptions {
  /** The convolution to diagnose (default: the model's first conv node). */
  layer?: string;
  /** A unit is dead if its response never exceeds this (default 0). */
  threshold?: number;
  fftSize?: number;
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Share of the energy of a [C, kh, kw] filter above half the Nyquist frequency. */
export function highFrequencyShare(filter: Float32Array, channels: number, kh: number, kw: number, fftSize = 32): number {
  const n = Math.max(fftSize, kh, kw);
  // Separable DFT: rows first (fx), then columns (fy), for each channel.
  let high = 0;
  let total = 0;
  const cos = (k: number, x: number) => Math.cos((2 * Math.PI * k * x) / n);
  const sin = (k: number, x: number) => Math.sin((2 * Math.PI * k * x) / n);
  const power = new Float64Array(n * n);
  for (let c = 0; c < channels; c++) {
    // rowRe/rowIm[y][kx] = sum_x w[y][x] e^{-2 pi i kx x / n}
    const rowRe = new Float64Array(kh * n);
    const rowIm = new Float64Array(kh * n);
    for (let y = 0; y < kh; y++) {
      for (let kx = 0; kx < n; kx++) {
        let re = 0;
        let im = 0;
        for (let x = 0; x < kw; x++) {
          const v = filter[(c * kh + y) * kw + x];
          re += v * cos(kx, x);
          im -= v * sin(kx, x);
        }
        rowRe[y * n + kx] = re;
        rowIm[y * n + kx] = im;
      }
    }
    for (let ky = 0; ky < n; ky++) {
      for (let kx = 0; kx < n; kx++) {
        let re = 0;
        let im = 0;
        for (let y = 0; y < kh; y++) {
          const c0 = cos(ky, y);
          const s0 = sin(ky, y);
          const a = rowRe[y * n + kx];
          const b = rowIm[y * n + kx];
          re += a * c0 + b * s0; // (a + ib) e^{-i t} = (a cos t + b sin t) + i(b cos t - a sin t)
          im += b * c0 - a * s0;
        }
        power[ky * n + kx] += re * re + im * im;
      }
    }
  }
  for (let ky = 0; ky < n; ky++) {
    const fy = (ky <= n / 2 ? ky : ky - n) / n;
    for (let kx = 0; kx < n; kx++) {
      const fx = (kx <= n / 2 ? kx : kx - n) / n;
      const p = power[ky * n + kx];
      total += p;
      if (Math.hypot(fy, fx) > 0.25) high += p;
    }
  }
  return total > 0 ? high / total : 0;
}

/** Dead filters over `set` (skipped without one), frequency content and pictures of the first conv's filters. */
export async function firstLayerDiagnosis(model: Model, set: ImageSet | null, options: FirstLayerOptions = {}): Promise<FirstLayerDiagnosis> {
  const layer = options.layer ?? model.spec.nodes.find((n) => n.type === 'conv')?.name;
  if (!layer) throw new Error(`model '${model.spec.name}' has no conv layer to diagnose`);
  const node = model.spec.nodes.find((n) => n.name === layer);
  if (!node) model.layerShape(layer); // throws listing the layers
  if (node!.type !== 'conv') throw new Error(`layer '${layer}' is a ${node!.type}, not a conv: its filters cannot be diagnosed`);
  const weight = model.weight(layer, 'weight')!;
  const [units, channels, kh, kw] = weight.shape;
  const threshold = options.threshold ?? 0;
  const maxima = new Float32Array(units).fill(NaN);
  if (set) {
    const top = await topActivations(model, set, { layer, k: 1, batch: options.batch, onProgress: options.onProgress });
    top.units.forEach((hits, u) => (maxima[u] = hits[0]?.value ?? NaN));
  }
  const w = await weight.readFloat();
  const per = channels * kh * kw;
  const filters = Array.from({ length: units }, (_, unit) => ({
    unit,
    maxActivation: maxima[unit],
    dead: set !== null && !(maxima[unit] > threshold),
    highFrequencyShare: highFrequencyShare(w.subarray(unit * per, (unit + 1) * per), channels, kh, kw, options.fftSize),
  }));
  return { layer, filters, images: filterImages(w, weight.shape), deadCount: filters.filter((f) => f.dead).length };
}
