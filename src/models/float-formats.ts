// Little-endian float decoding shared by the safetensors and ONNX readers: every weight ends up as
// float32, whatever precision the file stored.

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 values from little-endian bytes (a copy, so the result owns aligned memory). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength >>> 2;
  if (littleEndianHost) {
    // Copy through a fresh buffer: the bytes may be unaligned (and Node's Buffer.slice is a view).
    const copy = new Uint8Array(n * 4);
    copy.set(bytes.subarray(0, n * 4));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function float32FromFloat64Bytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >>> 3);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** IEEE 754 half precision (1 sign, 5 exponent, 10 mantissa bits) to float32. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function float32FromFloat16Bytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  return out;
}

/** bfloat16 is the top half of a float32: shift it back into place. */
export function float32FromBfloat16Bytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bits = new Uint32Array(bytes.byteLength >>> 1);
  for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  return new Float32Array(bits.buffer);
}

/** float32 values as little-endian bytes (a view when the host is little-endian, as every JS host is in practice). */
export function float32ToBytes(data: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}
