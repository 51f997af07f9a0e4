// Mutations for the readers' fuzzer: each takes a valid file (and, for splices, another valid file
// of the same kind) and a seeded random source, and returns a damaged copy. Binary mutations aim
// half their hits at the first 512 bytes, where the headers, lengths and counts live; text
// mutations aim at numbers, names, quotes and separators, where the parsers make decisions.
//
// Every mutation is a pure function of (input, seed): a run is reproduced from its seed alone.

import { Random } from '../data/concepts/random.ts';

export { Random };

/** Values that break size arithmetic: zero, one, sign bits, all ones, 2^31, 2^32, 2^53. */
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000];
const INTERESTING_TEXT_NUMBERS = ['-1', '0', '-0', '1e9', '1000000000', '4294967296', '9007199254740993', '1e309', '-1e309', '1.5', 'NaN', '', 'x', '99999999999999999999', '2147483648', '65536', '100000'];

/** A position, half the time among the first 512 bytes. */
function position(rng: Random, length: number): number {
  if (length === 0) return 0;
  return rng.next() < 0.5 ? rng.int(0, Math.min(length, 512) - 1) : rng.int(0, length - 1);
}

function flipBits(bytes: Uint8Array, rng: Random): Uint8Array {
  const out = copy(bytes);
  const n = rng.int(1, 8);
  for (let k = 0; k < n && out.length; k++) out[position(rng, out.length)] ^= 1 << rng.int(0, 7);
  return out;
}

function setBytes(bytes: Uint8Array, rng: Random): Uint8Array {
  const out = copy(bytes);
  const n = rng.int(1, 4);
  for (let k = 0; k < n && out.length; k++) out[position(rng, out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x01, rng.int(0, 255)]);
  return out;
}

function truncate(bytes: Uint8Array, rng: Random): Uint8Array {
  return copy(bytes.subarray(0, rng.next() < 0.3 ? position(rng, bytes.length) : rng.int(0, bytes.length)));
}

/** An integer written over 1, 2, 4 or 8 bytes, either byte order (PNG is big-endian, the rest little). */
function interestingInteger(bytes: Uint8Array, rng: Random): Uint8Array {
  const out = copy(bytes);
  if (!out.length) return out;
  const width = rng.pick([1, 2, 4, 4, 8]);
  const at = Math.min(position(rng, out.length), Math.max(0, out.length - width));
  let value = rng.pick(INTERESTING_U32);
  if (rng.next() < 0.2) value = (value + rng.int(-2, 2)) >>> 0;
  const big = rng.next() < 0.5;
  const field = new Uint8Array(width);
  for (let i = 0; i < width; i++) {
    const byte = i < 4 ? (value >>> (8 * i)) & 0xff : value >= 0x80000000 ? 0xff : 0; // sign-extend into 8 bytes
    field[big ? width - 1 - i : i] = byte;
  }
  out.set(field.subarray(0, Math.min(width, out.length - at)), at);
  return out;
}

/** A protobuf varint of a huge or negative value, written over the bytes at a position. */
function varint(bytes: Uint8Array, rng: Random): Uint8Array {
  const values = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, -1, -(2 ** 31), 1e9, 0];
  const v = rng.pick(values);
  const encoded: number[] = [];
  let hi = Math.floor(v / 2 ** 32);
  let lo = (v - hi * 2 ** 32) >>> 0;
  hi >>>= 0;
  while (hi !== 0 || lo > 0x7f) {
    encoded.push((lo & 0x7f) | 0x80);
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  encoded.push(lo);
  const at = position(rng, bytes.length);
  const replace = rng.int(0, 2); // bytes of the old value replaced (0: inserted)
  return concat(bytes.subarray(0, at), Uint8Array.from(encoded), bytes.subarray(Math.min(bytes.length, at + replace)));
}

/** The start of one file joined to the rest of another (or of itself, shifted). */
function splice(bytes: Uint8Array, rng: Random, other: Uint8Array): Uint8Array {
  const a = position(rng, bytes.length);
  const b = rng.next() < 0.5 ? Math.min(other.length, a + rng.int(-16, 16)) : rng.int(0, other.length);
  return concat(bytes.subarray(0, a), other.subarray(Math.max(0, b)));
}

/** A chunk repeated (lengths no longer match what follows) or removed. */
function chunk(bytes: Uint8Array, rng: Random): Uint8Array {
  const at = position(rng, bytes.length);
  const length = rng.int(1, 64);
  if (rng.next() < 0.5) return concat(bytes.subarray(0, at), bytes.subarray(at + length));
  const piece = bytes.subarray(at, at + length);
  const times = rng.pick([1, 2, 16]);
  return concat(bytes.subarray(0, at), ...Array.from({ length: times }, () => piece), bytes.subarray(at));
}

// ---- text (JSON, CSV) ---------------------------------------------------------------------------

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Replaces the k-th match of `pattern` (k random) using `replace`. */
function replaceOne(text: string, pattern: RegExp, rng: Random, replace: (m: string) => string): string {
  const matches = [...text.matchAll(pattern)];
  if (!matches.length) return text;
  const m = rng.pick(matches);
  return text.slice(0, m.index) + replace(m[0]) + text.slice(m.index! + m[0].length);
}

function textMutation(bytes: Uint8Array, rng: Random): Uint8Array {
  let text = decoder.decode(bytes);
  const kind = rng.int(0, 7);
  if (kind <= 2) text = replaceOne(text, /-?\d+(\.\d+)?(e[+-]?\d+)?/g, rng, () => rng.pick(INTERESTING_TEXT_NUMBERS));
  else if (kind === 3) text = replaceOne(text, /"(F32|F16|BF16|F64|conv|relu|maxpool|linear|flatten|RGB|BGR)"/g, rng, () => `"${rng.pick(['I64', 'F8_E4M3', 'BOOL', 'U8', 'xx', '', 'pad', 'lrn', 'concat', 'add', 'reshape', 'batchnorm', 'softmax', 'RGBA'])}"`);
  else if (kind === 4) text = replaceOne(text, /[",;:\[\]{}\r\n]/g, rng, () => rng.pick(['', '"', ',', ';', '\n', '[', '{', 'null', '""']));
  else if (kind === 5) {
    // A line (a CSV row, or a JSON line) repeated many times: a row count far beyond the seed's.
    const lines = text.split('\n');
    const k = rng.int(0, Math.max(0, lines.length - 1));
    lines.splice(k, 0, ...Array.from({ length: rng.pick([2, 50, 2000]) }, () => lines[k]));
    text = lines.join('\n');
  } else if (kind === 6) text = replaceOne(text, /\[[-\d, ]*\]/g, rng, () => rng.pick(['[]', '[0]', '[-1, 2]', '[100000, 100000, 100000]', '[1e9, 1e9]', '[1.5, 2]', '[null]', '"x"', '[65536, 65536, 3]']));
  else text = replaceOne(text, /[A-Za-z_][\w./-]*/g, rng, (m) => rng.pick(['', m + m, 'images/../../etc/passwd', '__proto__', 'constructor', m.slice(0, -1), 'x'.repeat(300)]));
  return encoder.encode(text);
}

/**
 * Recomputes the CRC of every whole PNG chunk: pngjs refuses a chunk whose CRC is wrong, so without
 * this almost every mutation would stop at the first check and the decoder behind it go untested.
 */
export function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const zlib = process.getBuiltinModule('node:zlib') as typeof import('node:zlib');
  const out = copy(bytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, zlib.crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

export type MutationName = 'flip' | 'set' | 'truncate' | 'integer' | 'varint' | 'splice' | 'chunk' | 'text';

const BINARY: MutationName[] = ['flip', 'flip', 'set', 'truncate', 'integer', 'integer', 'splice', 'chunk'];

/**
 * One damaged copy of `bytes`: 1-3 stacked mutations. `kind` picks the mix: text mutations for
 * JSON and CSV, varints for protobuf; `others` are valid files of the same kind to splice with.
 */
export function mutate(bytes: Uint8Array, rng: Random, kind: 'binary' | 'png' | 'protobuf' | 'text', others: Uint8Array[]): { bytes: Uint8Array; mutations: MutationName[] } {
  const menu: MutationName[] = kind === 'text' ? ['text', 'text', 'text', 'text', 'truncate', 'splice', 'flip', 'chunk'] : kind === 'protobuf' ? [...BINARY, 'varint', 'varint'] : BINARY;
  const mutations: MutationName[] = [];
  let out = bytes;
  const count = rng.pick([1, 1, 1, 2, 3]);
  for (let k = 0; k < count; k++) {
    const m = rng.pick(menu);
    mutations.push(m);
    if (m === 'flip') out = flipBits(out, rng);
    else if (m === 'set') out = setBytes(out, rng);
    else if (m === 'truncate') out = truncate(out, rng);
    else if (m === 'integer') out = interestingInteger(out, rng);
    else if (m === 'varint') out = varint(out, rng);
    else if (m === 'splice') out = splice(out, rng, others.length ? rng.pick(others) : out);
    else if (m === 'chunk') out = chunk(out, rng);
    else out = textMutation(out, rng);
  }
  if (kind === 'png' && rng.next() < 0.8) out = fixPngCrcs(out);
  return { bytes: out, mutations };
}

/** A copy (a Node Buffer's slice() is a view, and the seeds must stay intact). */
const copy = (bytes: Uint8Array) => new Uint8Array(bytes);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
