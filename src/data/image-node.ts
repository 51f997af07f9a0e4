// Images in Node: PNG through pngjs, JPEG through jpeg-js (both pure JavaScript), and PNG encoding.
//
// Nothing here is imported statically: the packages are loaded with require() on first use, so
// that Vite can bundle the modules that import this one for the page, where it is never called.

import type * as Pngjs from 'pngjs';
import type * as JpegJs from 'jpeg-js';
import { detectImageFormat, notAnImageError, type RgbImage } from './image-format.ts';
import { checkJpegSize, checkPngSize } from './image-limits.ts';
import { writeFileAtomic } from './atomic-write.ts';

/** Loads a package with Node's require, at call time (so bundling for the page never sees it). */
export function nodeRequire<T>(name: string): T {
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  return createRequire(import.meta.url)(name) as T;
}

const SUPPORTED = 'PNG and JPEG';

function rgbaToRgb(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  // Alpha is dropped (as PIL's convert('RGB') does): the colour under transparent pixels is kept.
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { width, height, rgb };
}

/** Decodes PNG or JPEG bytes; `name` (a file name) is used in error messages. */
export function decodeImageNode(bytes: Uint8Array, name = 'image'): RgbImage {
  const format = detectImageFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') {
    if (format) throw new Error(`'${name}' is a ${format.toUpperCase()} image; in Node only ${SUPPORTED} can be decoded`);
    throw notAnImageError(name, bytes, SUPPORTED);
  }
  // A header declaring more pixels than the file can hold is refused before the decoder allocates them.
  if (format === 'png') checkPngSize(bytes, name);
  else checkJpegSize(bytes, name);
  try {
    if (format === 'png') {
      const { PNG } = nodeRequire<typeof Pngjs>('pngjs');
      // pngjs normalizes every variant (grey, palette, 16-bit, alpha) to 8-bit RGBA.
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return rgbaToRgb(png.data, png.width, png.height);
    }
    const jpeg = nodeRequire<typeof JpegJs>('jpeg-js');
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return rgbaToRgb(img.data, img.width, img.height);
  } catch (e) {
    throw new Error(`'${name}' is a damaged ${format.toUpperCase()} image: ${(e as Error).message}`);
  }
}

/** Reads and decodes an image file. */
export async function readImageFile(path: string): Promise<RgbImage> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (e) {
    throw new Error(`cannot read image '${path}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return decodeImageNode(bytes, path);
}

/** Encodes RGBA pixels as a PNG file's bytes. */
export function encodePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes do not make a ${width}x${height} RGBA image`);
  const { PNG } = nodeRequire<typeof Pngjs>('pngjs');
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png)); // a plain copy, not a view into Node's Buffer pool
}

/** Writes RGBA pixels to a PNG file, atomically (an interrupted run leaves the old file, not half a new one). */
export async function writePng(path: string, image: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }): Promise<void> {
  await writeFileAtomic(path, encodePng(image.data, image.width, image.height));
}
