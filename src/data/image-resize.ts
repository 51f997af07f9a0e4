// Resampling RGB images to a network's input size, on the CPU.
//
// Bilinear with antialiasing, as PIL's BILINEAR and torchvision's antialias=True: each output pixel
// is a weighted mean of the input pixels under a triangle filter. When shrinking by a factor s the
// triangle is widened to s input pixels each side, so every input pixel contributes (plain bilinear
// sampling would skip most of them and alias). Separable: rows first, then columns.

import type { RgbImage } from './image-format.ts';

/** A region of the source image, in pixels (may be fractional). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface AxisFilter {
  /** First input index read by each output position. */
  first: Int32Array;
  /** Number of input indices read by each output position. */
  count: Int32Array;
  /** Weights, `taps` per output position. */
  weights: Float32Array;
  taps: number;
}

/** Filter taps mapping [start, start + length) of an axis of `inSize` pixels onto `outSize` pixels. */
function axisFilter(inSize: number, start: number, length: number, outSize: number): AxisFilter {
  const scale = length / outSize;
  const support = Math.max(scale, 1); // triangle half-width in input pixels
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const center = start + (o + 0.5) * scale; // in input coordinates, pixel i covering [i, i + 1)
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs(i + 0.5 - center) / support);
      weights[o * taps + i - lo] = w;
      sum += w;
    }
    if (sum === 0) {
      // Degenerate (the box lies outside the image): take the nearest pixel.
      const nearest = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      first[o] = nearest;
      count[o] = 1;
      weights[o * taps] = 1;
      continue;
    }
    for (let k = 0; k < hi - lo; k++) weights[o * taps + k] /= sum;
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, taps };
}

/** Resamples `box` of the image (default: all of it) to outWidth x outHeight. */
export function resizeRgb(image: RgbImage, outWidth: number, outHeight: number, box: Box = { x: 0, y: 0, width: image.width, height: image.height }): RgbImage {
  const { width: w, height: h, rgb } = image;
  if (rgb.length !== w * h * 3) throw new Error(`resizeRgb: ${rgb.length} bytes do not make a ${w}x${h} RGB image`);
  if (!(outWidth >= 1 && outHeight >= 1 && Number.isInteger(outWidth) && Number.isInteger(outHeight))) throw new Error(`resizeRgb: bad output size ${outWidth}x${outHeight}`);
  const fx = axisFilter(w, box.x, box.width, outWidth);
  const fy = axisFilter(h, box.y, box.height, outHeight);

  // Rows the vertical pass will read, so that the horizontal pass filters only those.
  const rowLo = fy.first.reduce((a, b) => Math.min(a, b), h);
  const rowHi = fy.first.reduce((a, b, o) => Math.max(a, b + fy.count[o]), 0);
  const rows = new Float32Array((rowHi - rowLo) * outWidth * 3);
  for (let y = rowLo; y < rowHi; y++) {
    const src = y * w * 3;
    const dst = (y - rowLo) * outWidth * 3;
    for (let o = 0; o < outWidth; o++) {
      let r = 0, g = 0, b = 0;
      const base = o * fx.taps;
      for (let k = 0, i = src + fx.first[o] * 3; k < fx.count[o]; k++, i += 3) {
        const wt = fx.weights[base + k];
        r += wt * rgb[i];
        g += wt * rgb[i + 1];
        b += wt * rgb[i + 2];
      }
      rows[dst + o * 3] = r;
      rows[dst + o * 3 + 1] = g;
      rows[dst + o * 3 + 2] = b;
    }
  }

  const out = new Uint8Array(outWidth * outHeight * 3);
  const stride = outWidth * 3;
  for (let o = 0; o < outHeight; o++) {
    const base = o * fy.taps;
    for (let x = 0; x < stride; x++) {
      let v = 0;
      for (let k = 0; k < fy.count[o]; k++) v += fy.weights[base + k] * rows[(fy.first[o] - rowLo + k) * stride + x];
      out[o * stride + x] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return { width: outWidth, height: outHeight, rgb: out };
}

export interface FitOptions {
  /**
   * 'crop' (default): keep the aspect ratio and take a centred box of the target's aspect ratio;
   * 'stretch': squeeze the whole image into the target size.
   */
  fit?: 'crop' | 'stretch';
  /**
   * With 'crop', the fraction of the largest centred box that is kept. The default, 0.875, is the
   * standard ImageNet evaluation (resize the shorter side to 256, centre-crop 224).
   */
  cropFraction?: number;
}

/** The image as a network of input size width x height expects to see it (see FitOptions). */
export function fitImage(image: RgbImage, width: number, height: number, options: FitOptions = {}): RgbImage {
  const { fit = 'crop', cropFraction = 0.875 } = options;
  if (fit === 'stretch') return resizeRgb(image, width, height);
  if (fit !== 'crop') throw new Error(`fitImage: fit must be 'crop' or 'stretch', got '${fit}'`);
  if (!(cropFraction > 0 && cropFraction <= 1)) throw new Error(`fitImage: cropFraction must be in (0, 1], got ${cropFraction}`);
  // The largest box of the target's aspect ratio inside the image, shrunk by cropFraction, centred.
  const scale = Math.min(image.width / width, image.height / height) * cropFraction;
  const bw = width * scale;
  const bh = height * scale;
  return resizeRgb(image, width, height, { x: (image.width - bw) / 2, y: (image.height - bh) / 2, width: bw, height: bh });
}
