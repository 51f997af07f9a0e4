// Decoded pictures and how to tell an image file's format from its first bytes. Shared by the Node
// decoders (pngjs, jpeg-js) and the browser's (createImageBitmap).

export interface RgbImage {
  width: number;
  height: number;
  /** width x height RGB bytes, row-major, interleaved (HWC). */
  rgb: Uint8Array;
}

/** RGBA pixels, ready for ImageData / canvas or a PNG encoder. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

const startsWith = (bytes: Uint8Array, magic: number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);

/** The format announced by the file's magic bytes, or undefined. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif'; // GIF8
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp'; // RIFF....WEBP
  if (startsWith(bytes, [0x42, 0x4d])) return 'bmp'; // BM
  return undefined;
}

export function notAnImageError(name: string, bytes: Uint8Array, supported: string): Error {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const what = bytes.byteLength === 0 ? 'it is empty' : `it starts with bytes ${head}`;
  return new Error(`'${name}' is not an image: ${what} (supported: ${supported})`);
}
