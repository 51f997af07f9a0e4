// PNG helpers: 8-bit RGB pictures, and Broden label maps stored as label = R + 256 * G. Encoding is
// our own (below); decoding goes through pngjs, which reads every PNG variant (pictures are decoded
// by image-node.ts).

import type * as Pngjs from 'pngjs';
import { detectImageFormat, type RgbImage } from './image-format.ts';
import { nodeRequire } from './image-node.ts';
import { checkPngSize } from './image-limits.ts';

// Node-only modules are fetched on use, so that this file can sit in the page's bundle (through
// src/index.ts) without being called there.
const zlib = () => process.getBuiltinModule('node:zlib') as typeof import('node:zlib');

export function encodeRgbPng(image: RgbImage): Buffer {
  if (image.rgb.length !== image.width * image.height * 3) throw new Error(`encodeRgbPng: ${image.rgb.length} bytes for a ${image.width}x${image.height} RGB picture`);
  return writePng(image.width, image.height, image.rgb, true);
}

/** Encodes label numbers (0..65535) as Broden does: red = label % 256, green = label / 256, blue = 0. */
export function encodeLabelPng(labels: ArrayLike<number>, width: number, height: number): Buffer {
  if (labels.length !== width * height) throw new Error(`encodeLabelPng: ${labels.length} labels for a ${width}x${height} mask`);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!(v >= 0 && v <= 65535 && Number.isInteger(v))) throw new Error(`encodeLabelPng: label ${v} at pixel ${i} is not an integer in 0..65535`);
    rgb[3 * i] = v & 255;
    rgb[3 * i + 1] = v >> 8;
  }
  return writePng(width, height, rgb, false);
}

// A minimal PNG writer (8-bit RGB, one IDAT chunk): a few times faster than pngjs's, which matters
// when a dataset writes four small PNGs per image. Pictures use the 'Sub' scanline filter (each byte
// minus the same channel of the pixel to its left), which helps deflate on smooth areas; label maps,
// runs of equal values, compress best unfiltered.
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function writePng(width: number, height: number, rgb: Uint8Array, subFilter: boolean): Buffer {
  const stride = width * 3;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const src = y * stride;
    raw[row] = subFilter ? 1 : 0;
    for (let x = 0; x < stride; x++) raw[row + 1 + x] = subFilter && x >= 3 ? rgb[src + x] - rgb[src + x - 3] : rgb[src + x];
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', header), chunk('IDAT', zlib().deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib().crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Decodes a Broden mask: label = R + 256 * G per pixel. */
export function decodeLabelPng(bytes: Uint8Array, what = 'PNG'): { width: number; height: number; labels: Int32Array } {
  const png = readPng(bytes, what);
  const labels = new Int32Array(png.width * png.height);
  for (let i = 0; i < labels.length; i++) labels[i] = png.data[4 * i] + 256 * png.data[4 * i + 1];
  return { width: png.width, height: png.height, labels };
}

function readPng(bytes: Uint8Array, what: string): Pngjs.PNG {
  if (detectImageFormat(bytes) !== 'png') throw new Error(`${what} is not a readable PNG: it does not start with the PNG signature`);
  checkPngSize(bytes, what);
  try {
    return nodeRequire<typeof Pngjs>('pngjs').PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`${what} is not a readable PNG: ${(e as Error).message}`);
  }
}
