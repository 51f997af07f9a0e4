// Images in the browser: anything the browser can decode (PNG, JPEG, GIF, WebP, ...), through
// createImageBitmap and an OffscreenCanvas.

import { detectImageFormat, notAnImageError, type RgbImage } from './image-format.ts';
import { checkJpegSize, checkPngSize, MAX_PIXELS } from './image-limits.ts';

/** Decodes an image file's bytes (or a Blob / File) to RGB; `name` is used in error messages. */
export async function decodeImageInBrowser(source: Blob | ArrayBuffer | Uint8Array, name = source instanceof File ? source.name : 'image'): Promise<RgbImage> {
  let blob: Blob;
  let bytes: Uint8Array;
  if (source instanceof Blob) {
    blob = source;
    bytes = new Uint8Array(await source.arrayBuffer());
  } else {
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (!detectImageFormat(bytes)) throw notAnImageError(name, bytes, 'the formats this browser decodes');
    blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  }
  // As in Node: a header declaring more pixels than the file holds is refused before decoding.
  const format = detectImageFormat(bytes);
  if (format === 'png') checkPngSize(bytes, name);
  else if (format === 'jpeg') checkJpegSize(bytes, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(`'${name}' is not an image this browser can decode: ${(e as Error).message}`);
  }
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS) {
    bitmap.close();
    throw new Error(`'${name}' is ${width}x${height} pixels, more than the limit of ${MAX_PIXELS / 2 ** 20} megapixels`);
  }
  try {
    return drawnRgb(bitmap, width, height);
  } finally {
    bitmap.close();
  }
}

/** The RGB pixels of anything a canvas can draw (a decoded bitmap, a video frame), at width x height. */
export function drawnRgb(source: CanvasImageSource, width: number, height: number): RgbImage {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas context in this browser');
  ctx.drawImage(source, 0, 0);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { width, height, rgb };
}
