// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?:
// {string: string}}, then the raw little-endian data, offsets relative to its start.
// We read F32, F16, BF16 and F64 (all become float32) and write F32.

import { float32FromBfloat16Bytes, float32FromBytes, float32FromFloat16Bytes, float32FromFloat64Bytes, float32ToBytes } from './float-formats.ts';

/** A tensor on the CPU: row-major float32 data of the given shape. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

const DTYPES: Record<string, { size: number; decode: (bytes: Uint8Array) => Float32Array }> = {
  F32: { size: 4, decode: float32FromBytes },
  F16: { size: 2, decode: float32FromFloat16Bytes },
  BF16: { size: 2, decode: float32FromBfloat16Bytes },
  F64: { size: 8, decode: float32FromFloat64Bytes },
};

/** The reference implementation refuses headers over 100 MB; so do we, before parsing garbage. */
const MAX_HEADER_BYTES = 100_000_000;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown): Entry {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v !== 'object' || v === null) fail(`tensor '${name}': header entry is not an object`);
  if (typeof v.dtype !== 'string') fail(`tensor '${name}': missing dtype`);
  if (!DTYPES[v.dtype]) fail(`tensor '${name}': dtype ${v.dtype} is not supported (${Object.keys(DTYPES).join(', ')})`);
  const shape = v.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of sizes`);
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isInteger(o) || o < 0) || offsets[1] < offsets[0]) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
  }
  return { name, dtype: v.dtype, shape, begin: offsets[0], end: offsets[1] };
}

function readHeader(file: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (file.byteLength < 8) fail(`file of ${file.byteLength} bytes is too short to hold the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} is implausible (not a safetensors file?)`);
  if (8 + headerLength > file.byteLength) fail(`header of ${headerLength} bytes does not fit in a file of ${file.byteLength} bytes (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

export function parseSafetensors(bytes: ArrayBuffer | Uint8Array): Map<string, HostTensor> {
  const file = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { header, dataStart } = readHeader(file);
  const dataLength = file.byteLength - dataStart;
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value));

  for (const e of entries) {
    const expected = e.shape.reduce((a, b) => a * b, 1) * DTYPES[e.dtype].size;
    if (e.end - e.begin !== expected) {
      fail(`tensor '${e.name}': ${e.dtype} [${e.shape.join(', ')}] needs ${expected} bytes but data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin}`);
    }
    if (e.end > dataLength) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes; truncated file?)`);
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const [prev, cur] = [sorted[i - 1], sorted[i]];
    if (cur.begin < prev.end) fail(`tensors '${prev.name}' [${prev.begin}, ${prev.end}] and '${cur.name}' [${cur.begin}, ${cur.end}] overlap`);
  }

  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const raw = file.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { shape: e.shape, data: DTYPES[e.dtype].decode(raw) });
  }
  return tensors;
}

/** The "__metadata__" strings of a safetensors file (empty when there are none). */
export function safetensorsMetadata(bytes: ArrayBuffer | Uint8Array): Record<string, string> {
  const { header } = readHeader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return (header.__metadata__ as Record<string, string> | undefined) ?? {};
}

/** Writes float32 tensors, in the map's order, 8-byte aligned (the header is padded with spaces). */
export function writeSafetensors(tensors: Map<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`writeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).byteLength) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);

  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.byteLength, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    out.set(float32ToBytes(t.data), at);
    at += t.data.byteLength;
  }
  return out;
}
