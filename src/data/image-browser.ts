// Images in the browser: anything the browser can decode (PNG, JPEG, GIF, WebP, ...), through
// createImageBitmap and an OffscreenCanvas.

import { detectImageFormat, notAnImageError, type RgbImage } from './image-format.ts';

/** Decodes an image file's bytes (or a Blob / File) to RGB; `name` is used in error messages. */
export async function decodeImageInBrowser(source: Blob | ArrayBuffer | Uint8Array, name = source instanceof File ? source.name : 'image'): Promise<RgbImage> {
  let blob: Blob;
  if (source instanceof Blob) blob = source;
  else {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (!detectImageFormat(bytes)) throw notAnImageError(name, bytes, 'the formats this browser decodes');
    blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(`'${name}' is not an image this browser can decode: ${(e as Error).message}`);
  }
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('decodeImageInBrowser: no 2D canvas context');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { width, height, rgb };
}
