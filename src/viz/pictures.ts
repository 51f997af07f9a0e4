// Turning arrays into pictures a person can look at: grids of tiles, heat maps of per-pixel
// values, and filters (conv weights) shown as small images. Pure functions on RGBA bytes, usable
// in Node (then encodePng) and on the page (then ImageData).

import type { RgbaImage } from '../data/image.ts';

/** Tiles equally sized images into a grid with a gap between them. */
export function imageGrid(tiles: RgbaImage[], columns: number, gap = 2, scale = 1, background = 255): RgbaImage {
  if (!tiles.length) throw new Error('imageGrid: no tiles');
  const { width: tw, height: th } = tiles[0];
  for (const t of tiles) if (t.width !== tw || t.height !== th) throw new Error(`imageGrid: tiles must share one size, got ${t.width}x${t.height} and ${tw}x${th}`);
  const rows = Math.ceil(tiles.length / columns);
  const cw = tw * scale;
  const ch = th * scale;
  const width = columns * cw + (columns + 1) * gap;
  const height = rows * ch + (rows + 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(background);
  tiles.forEach((tile, k) => {
    const ox = gap + (k % columns) * (cw + gap);
    const oy = gap + Math.floor(k / columns) * (ch + gap);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const src = (Math.floor(y / scale) * tw + Math.floor(x / scale)) * 4;
        const dst = ((oy + y) * width + ox + x) * 4;
        for (let c = 0; c < 4; c++) data[dst + c] = tile.data[src + c];
      }
    }
  });
  return { width, height, data };
}

/** A non-negative map (e.g. a saliency map) as a heat image: black -> red -> yellow -> white, scaled to its maximum. */
export function heatMap(values: ArrayLike<number>, width: number, height: number): RgbaImage {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const t = max > 0 ? values[i] / max : 0;
    data[4 * i] = 255 * Math.min(1, 3 * t);
    data[4 * i + 1] = 255 * Math.min(1, Math.max(0, 3 * t - 1));
    data[4 * i + 2] = 255 * Math.min(1, Math.max(0, 3 * t - 2));
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

/** Max over channels of |g| for image `index` of an NCHW gradient: Simonyan et al.'s saliency map. */
export function saliency(grad: Float32Array, shape: number[], index = 0): Float32Array {
  const [, c, h, w] = shape;
  const plane = h * w;
  const out = new Float32Array(plane);
  const base = index * c * plane;
  for (let k = 0; k < c; k++) for (let i = 0; i < plane; i++) out[i] = Math.max(out[i], Math.abs(grad[base + k * plane + i]));
  return out;
}

/**
 * An NCHW array shown as an RGB image with a symmetric linear scale around 0.5 grey (what
 * DeconvNet projections and gradients look like), image `index`, 3 channels (or 1 as grey).
 */
export function signedImage(values: Float32Array, shape: number[], index = 0): RgbaImage {
  const [, c, h, w] = shape;
  const plane = h * w;
  const base = index * c * plane;
  let max = 0;
  for (let i = base; i < base + c * plane; i++) max = Math.max(max, Math.abs(values[i]));
  const data = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) {
      const v = values[base + Math.min(k, c - 1) * plane + i];
      data[4 * i + k] = 255 * (0.5 + (max > 0 ? (0.5 * v) / max : 0));
    }
    data[4 * i + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** First-layer filters [M, 3, kH, kW] as M small RGB images, each scaled to its own range. */
export function filterImages(weights: Float32Array, shape: number[]): RgbaImage[] {
  const [m, c, kh, kw] = shape;
  const per = c * kh * kw;
  const tiles: RgbaImage[] = [];
  for (let f = 0; f < m; f++) {
    tiles.push(signedImage(weights.subarray(f * per, (f + 1) * per), [1, c, kh, kw]));
  }
  return tiles;
}
