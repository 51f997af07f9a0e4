// Images in and out of a network: decoding (Node or browser), fitting to the input size,
// preprocessing into an input tensor, and the inverse for display.
//
// Preprocessing (ModelSpec.input.preprocessing) maps a pixel byte p of the network's channel c to
//   ((p / 255) * range - mean[c]) / std[c]
// with the channels in the network's order (RGB or BGR; one channel = luminance).

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { isNode } from '../engine/device.ts';
import type { ModelSpec, Preprocessing } from '../models/spec.ts';
import { decodeImageInBrowser } from './image-browser.ts';
import type { RgbImage, RgbaImage } from './image-format.ts';
import { decodeImageNode } from './image-node.ts';
import { fitImage, type FitOptions } from './image-resize.ts';

export type { RgbImage, RgbaImage, ImageFormat } from './image-format.ts';
export { detectImageFormat } from './image-format.ts';
export { resizeRgb, fitImage, type FitOptions, type Box } from './image-resize.ts';
export { decodeImageNode, readImageFile, encodePng, writePng } from './image-node.ts';
export { decodeImageInBrowser } from './image-browser.ts';

/** Decodes image bytes: PNG and JPEG in Node, whatever the browser supports on a page. */
export async function decodeImage(bytes: Uint8Array | ArrayBuffer, name = 'image'): Promise<RgbImage> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return isNode() ? decodeImageNode(data, name) : decodeImageInBrowser(data, name);
}

type Input = ModelSpec['input'];

/** Per network channel: which RGB channel it reads (-1: luminance), and its mean and std. */
function channelPlan(p: Preprocessing, channels: number): { source: number; mean: number; std: number }[] {
  if (channels !== 1 && channels !== 3) throw new Error(`images have 1 or 3 channels; the model input has ${channels}`);
  return Array.from({ length: channels }, (_, c) => ({
    source: channels === 1 ? -1 : p.channelOrder === 'BGR' ? 2 - c : c,
    mean: p.mean.length === 1 ? p.mean[0] : p.mean[c],
    std: p.std.length === 1 ? p.std[0] : p.std[c],
  }));
}

const luminance = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/** RGB bytes (exactly the input's H x W) -> the preprocessed input as planar float32 [C * H * W]. */
export function preprocessImage(image: RgbImage, input: Input): Float32Array {
  const [channels, height, width] = input.shape;
  if (image.width !== width || image.height !== height) {
    throw new Error(`preprocessImage: the image is ${image.width}x${image.height}, the model input is ${width}x${height} (use fitImage first)`);
  }
  const plan = channelPlan(input.preprocessing, channels);
  const scale = input.preprocessing.range / 255;
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  const { rgb } = image;
  plan.forEach(({ source, mean, std }, c) => {
    for (let i = 0; i < plane; i++) {
      const p = source < 0 ? luminance(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) : rgb[3 * i + source];
      out[c * plane + i] = (p * scale - mean) / std;
    }
  });
  return out;
}

/**
 * An RGB image (any size: it is fitted to the input, see FitOptions) as the model's input tensor
 * [1, C, H, W], preprocessed.
 */
export function imageToTensor(engine: Engine, rgb: Uint8Array, width: number, height: number, input: Input, options: FitOptions = {}): Tensor {
  if (rgb.length !== width * height * 3) throw new Error(`imageToTensor: ${rgb.length} bytes do not make a ${width}x${height} RGB image`);
  const [c, h, w] = input.shape;
  let image: RgbImage = { width, height, rgb };
  if (width !== w || height !== h) image = fitImage(image, w, h, options);
  return engine.tensor(preprocessImage(image, input), [1, c, h, w]);
}

/**
 * The inverse of preprocessing, for display: image `index` of an NCHW tensor's data as RGBA
 * bytes, values outside the displayable range clamped.
 */
export function tensorToImage(data: Float32Array, shape: number[], preprocessing: Preprocessing, index = 0): RgbaImage {
  if (shape.length !== 4) throw new Error(`tensorToImage: expects an NCHW shape, got [${shape.join(', ')}]`);
  const [n, channels, height, width] = shape;
  if (data.length !== n * channels * height * width) throw new Error(`tensorToImage: ${data.length} values do not fill [${shape.join(', ')}]`);
  if (index < 0 || index >= n) throw new Error(`tensorToImage: image ${index} of a batch of ${n}`);
  const plan = channelPlan(preprocessing, channels);
  const toByte = 255 / preprocessing.range;
  const plane = width * height;
  const base = index * channels * plane;
  const out = new Uint8ClampedArray(plane * 4); // Uint8ClampedArray rounds and clamps on assignment
  for (let i = 0; i < plane; i++) out[4 * i + 3] = 255;
  plan.forEach(({ source, mean, std }, c) => {
    for (let i = 0; i < plane; i++) {
      const v = (data[base + c * plane + i] * std + mean) * toByte;
      if (source < 0) out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
      else out[4 * i + source] = v;
    }
  });
  return { width, height, data: out };
}

/** RGB -> RGBA (opaque), for display and encodePng. */
export function rgbToRgba(image: RgbImage): RgbaImage {
  const n = image.width * image.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    data[4 * i] = image.rgb[3 * i];
    data[4 * i + 1] = image.rgb[3 * i + 1];
    data[4 * i + 2] = image.rgb[3 * i + 2];
    data[4 * i + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}
