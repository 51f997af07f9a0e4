// Refusing an image before decoding when its header declares more pixels than the file can hold.
//
// A decoder allocates the picture its header announces (pngjs and jpeg-js both do, up front), so a
// 1 kB file claiming 100k x 100k pixels would take 40 GB, or hang filling it in. The bounds:
//   PNG: the pixel data is deflate-compressed, and deflate expands at most 1032-fold (a 258-byte
//        match per 2 bits), so height x (1 + row bytes) <= 1032 x (IDAT bytes) + slack.
//   JPEG: every 8x8 block of every component costs at least one bit of entropy-coded data (the DC
//        difference's code), so pixels <= 64 x 8 x (file bytes), for one component.
// Plus a hard cap (MAX_PIXELS), far above what a classifier's input needs.

/** 2^26 pixels (64 megapixels, an 8192 x 8192 picture: 256 MiB as RGBA). */
export const MAX_PIXELS = 2 ** 26;
const DEFLATE_MAX_RATIO = 1032;

function refuse(name: string, format: string, message: string): never {
  throw new Error(`'${name}' is a damaged ${format} image: ${message}`);
}

const megapixels = (w: number, h: number) => `${w}x${h} (${((w * h) / 1e6).toFixed(1)} megapixels)`;

function checkPixels(name: string, format: string, width: number, height: number): void {
  if (width === 0 || height === 0) refuse(name, format, `its header declares ${width}x${height} pixels`);
  if (width * height > MAX_PIXELS) refuse(name, format, `its header declares ${megapixels(width, height)}, more than the limit of ${MAX_PIXELS / 2 ** 20} megapixels`);
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Checks a PNG's IHDR against its IDAT bytes. Leaves other damage to the decoder. */
export function checkPngSize(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') refuse(name, 'PNG', 'it has no IHDR header chunk');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const channels = PNG_CHANNELS[bytes[25]];
  if (!channels || ![1, 2, 4, 8, 16].includes(bitDepth)) refuse(name, 'PNG', `colour type ${bytes[25]} with bit depth ${bitDepth} is not a PNG pixel format`);
  checkPixels(name, 'PNG', width, height);
  let compressed = 0;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'IDAT') compressed += Math.min(length, bytes.length - at - 8);
    at += 12 + length;
  }
  // Interlaced images add at most a filter byte per row of each of 7 passes.
  const raw = height * (1 + Math.ceil((width * channels * bitDepth) / 8)) + (bytes[28] === 1 ? 7 * height : 0);
  if (raw > DEFLATE_MAX_RATIO * compressed + 1024) {
    refuse(name, 'PNG', `its header declares ${megapixels(width, height)}, ${raw} bytes of pixel data, but its ${compressed} compressed bytes can hold at most ${DEFLATE_MAX_RATIO * compressed}`);
  }
}

/** Checks a JPEG's frame header (SOFn) against the file's size. */
export function checkJpegSize(bytes: Uint8Array, name: string): void {
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return; // not a marker where one should be: the decoder will say so
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return; // start of scan / end of image before any frame
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && at + 9 <= bytes.length) {
      const height = (bytes[at + 5] << 8) | bytes[at + 6];
      const width = (bytes[at + 7] << 8) | bytes[at + 8];
      checkPixels(name, 'JPEG', width, height);
      if (width * height > 512 * bytes.length + 65536) {
        refuse(name, 'JPEG', `its header declares ${megapixels(width, height)}, more than its ${bytes.length} bytes can encode`);
      }
      return;
    }
    at += 2 + length;
  }
}
