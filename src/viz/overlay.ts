// Picture helpers for the methods that show where in an image something happens: crops that
// may leave the image (receptive-field patches, padded), pictures side by side, a heat map laid
// over a photo (occlusion maps), a box outline, and a projection (an NCHW array) as a picture.
// Pure functions on RGBA bytes, for PNGs in Node and ImageData on the page.

import type { RgbaImage } from '../data/image.ts';
import { heatMap, saliency, signedImage } from './pictures.ts';

export interface Rect {
  /** Inclusive pixel ranges; may lie partly outside the image. */
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The rectangle of `image`, filled with `fill` (grey) where it leaves the image. */
export function cropPadded(image: RgbaImage, rect: Rect, fill = 128): RgbaImage {
  const width = rect.right - rect.left + 1;
  const height = rect.bottom - rect.top + 1;
  if (!(width > 0 && height > 0)) throw new Error(`cropPadded: empty rectangle ${JSON.stringify(rect)}`);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = rect.top + y;
      const sx = rect.left + x;
      const dst = (y * width + x) * 4;
      if (sy < 0 || sx < 0 || sy >= image.height || sx >= image.width) {
        data[dst] = data[dst + 1] = data[dst + 2] = fill;
        data[dst + 3] = 255;
      } else {
        const src = (sy * image.width + sx) * 4;
        for (let c = 0; c < 4; c++) data[dst + c] = image.data[src + c];
      }
    }
  }
  return { width, height, data };
}

/** Pictures left to right, top-aligned, `gap` pixels of `background` between and around them. */
export function sideBySide(pictures: RgbaImage[], gap = 4, background = 255): RgbaImage {
  if (!pictures.length) throw new Error('sideBySide: no pictures');
  const width = pictures.reduce((sum, p) => sum + p.width, 0) + gap * (pictures.length + 1);
  const height = Math.max(...pictures.map((p) => p.height)) + 2 * gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(background);
  let ox = gap;
  for (const p of pictures) {
    for (let y = 0; y < p.height; y++) data.set(p.data.subarray(y * p.width * 4, (y + 1) * p.width * 4), ((gap + y) * width + ox) * 4);
    ox += p.width + gap;
  }
  return { width, height, data };
}

/**
 * A map of `mapWidth` x `mapHeight` values (bilinearly stretched to the picture) over the
 * picture as a heat map (black-red-yellow-white, scaled to the map's range), blended with `alpha`.
 */
export function heatOverlay(picture: RgbaImage, values: ArrayLike<number>, mapWidth: number, mapHeight: number, alpha = 0.6): RgbaImage {
  if (values.length !== mapWidth * mapHeight) throw new Error(`heatOverlay: ${values.length} values do not fill ${mapWidth}x${mapHeight}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const { width, height } = picture;
  const stretched = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(mapHeight - 1, Math.max(0, ((y + 0.5) * mapHeight) / height - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(mapHeight - 1, y0 + 1);
    for (let x = 0; x < width; x++) {
      const fx = Math.min(mapWidth - 1, Math.max(0, ((x + 0.5) * mapWidth) / width - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(mapWidth - 1, x0 + 1);
      const top = values[y0 * mapWidth + x0] * (1 - (fx - x0)) + values[y0 * mapWidth + x1] * (fx - x0);
      const bottom = values[y1 * mapWidth + x0] * (1 - (fx - x0)) + values[y1 * mapWidth + x1] * (fx - x0);
      stretched[y * width + x] = (top * (1 - (fy - y0)) + bottom * (fy - y0) - lo) / (hi > lo ? hi - lo : 1);
    }
  }
  const heat = heatMap(stretched, width, height);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height * 4; i++) data[i] = (i & 3) === 3 ? 255 : (1 - alpha) * picture.data[i] + alpha * heat.data[i];
  return { width, height, data };
}

/** The outline of a rectangle drawn into a copy of the picture. */
export function drawBox(picture: RgbaImage, rect: Rect, color: [number, number, number] = [255, 0, 0]): RgbaImage {
  const data = Uint8ClampedArray.from(picture.data);
  const put = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= picture.width || y >= picture.height) return;
    data.set(color, (y * picture.width + x) * 4);
  };
  for (let x = rect.left; x <= rect.right; x++) {
    put(x, rect.top);
    put(x, rect.bottom);
  }
  for (let y = rect.top; y <= rect.bottom; y++) {
    put(rect.left, y);
    put(rect.right, y);
  }
  return { width: picture.width, height: picture.height, data };
}

export type ProjectionStyle = 'signed' | 'heat';

export interface ProjectionImageOptions {
  index?: number;
  style?: ProjectionStyle;
  rect?: Rect;
  /**
   * Contrast: the quantile of |value| shown at full scale (default 1: the largest |value|, Zeiler &
   * Fergus's display); e.g. 0.99 lets the strongest 1% saturate so that faint structure shows.
   */
  quantile?: number;
}

/**
 * Image `index` of an NCHW projection (or gradient) for display, within `rect` when given
 * (grey outside the map): 'signed' centres 0 at grey and scales by the largest |value| (Zeiler &
 * Fergus's display); 'heat' shows max over colours of |value| as a heat map (Simonyan et al.).
 */
export function projectionImage(values: Float32Array, shape: number[], options: ProjectionImageOptions = {}): RgbaImage {
  const { index = 0, style = 'signed' } = options;
  const [, c, h, w] = shape;
  const rect = options.rect ?? { top: 0, bottom: h - 1, left: 0, right: w - 1 };
  const rh = rect.bottom - rect.top + 1;
  const rw = rect.right - rect.left + 1;
  const crop = new Float32Array(c * rh * rw);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < rh; y++) {
      const sy = rect.top + y;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < rw; x++) {
        const sx = rect.left + x;
        if (sx >= 0 && sx < w) crop[(ch * rh + y) * rw + x] = values[((index * c + ch) * h + sy) * w + sx];
      }
    }
  }
  const q = options.quantile ?? 1;
  if (!(q > 0 && q <= 1)) throw new Error(`projectionImage: quantile must be in (0, 1], got ${q}`);
  if (q < 1) {
    // Scale so that the quantile maps to the largest |value|, then clip there.
    const sorted = Float32Array.from(crop, Math.abs).sort();
    const level = sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
    const max = sorted[sorted.length - 1];
    if (level > 0) for (let i = 0; i < crop.length; i++) crop[i] = Math.max(-max, Math.min(max, (crop[i] * max) / level));
  }
  return style === 'heat' ? heatMap(saliency(crop, [1, c, rh, rw]), rw, rh) : signedImage(crop, [1, c, rh, rw]);
}

/** Nearest-neighbour magnification (a 64x64 input is a speck on a screen). */
export function magnify(picture: RgbaImage, scale: number): RgbaImage {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`magnify: scale must be a positive integer, got ${scale}`);
  if (scale === 1) return picture;
  const width = picture.width * scale;
  const height = picture.height * scale;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (Math.floor(y / scale) * picture.width + Math.floor(x / scale)) * 4;
      data.set(picture.data.subarray(src, src + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}
