// A minimal protocol-buffers wire-format reader and writer: just what ONNX files need.
//
// Why not a generated decoder (protobufjs + onnx.proto)? ONNX uses eight message types; the wire
// format is four encodings; and weights can be hundreds of megabytes, which this reader hands out
// as zero-copy subarrays, bounds-checked, with errors that say which message was cut short.
//
// Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited (bytes, strings, sub-messages, packed
// repeated scalars), 5 fixed 32-bit. A field's tag is varint(field << 3 | wire type).

export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

export class ProtoError extends Error {}

export class ProtoReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    /** What is being decoded, for error messages (e.g. 'TensorProto'). */
    readonly context: string,
    start = 0,
    readonly end = bytes.byteLength,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private truncated(what: string): never {
    throw new ProtoError(`truncated ${this.context}: ${what} at byte ${this.pos} runs past the end (byte ${this.end})`);
  }

  /** Reads a field tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (field === 0 || ![0, 1, 2, 5].includes(wire)) throw new ProtoError(`corrupt ${this.context}: invalid field tag ${t} at byte ${this.pos}`);
    return [field, wire];
  }

  /** The 64 bits of a varint as [low, high] unsigned 32-bit halves. */
  private varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) this.truncated('a varint');
      const b = this.bytes[this.pos++];
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new ProtoError(`corrupt ${this.context}: varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** An unsigned varint (exact up to 2^53). */
  varint(): number {
    const [lo, hi] = this.varint64();
    return hi * 2 ** 32 + lo;
  }

  /** A signed int64 / int32 varint (two's complement: negative values take 10 bytes). */
  int64(): number {
    const [lo, hi] = this.varint64();
    return (hi | 0) * 2 ** 32 + lo;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.truncated('a 32-bit value');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  fixed64(): number {
    if (this.pos + 8 > this.end) this.truncated('a 64-bit value');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's payload, as a view into the file (no copy). */
  bytesField(): Uint8Array {
    const length = this.varint();
    if (this.pos + length > this.end) this.truncated(`a field of ${length} bytes`);
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytesField());
  }

  /** A reader over an embedded message. */
  message(context: string): ProtoReader {
    const length = this.varint();
    if (this.pos + length > this.end) this.truncated(`${context} of ${length} bytes`);
    const sub = new ProtoReader(this.bytes, context, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  /** Repeated integers, packed (wire type 2) or one per field (wire type 0). */
  int64s(wire: number, into: number[]): void {
    if (wire !== WIRE.bytes) {
      into.push(this.int64());
      return;
    }
    const packed = this.message(this.context);
    while (!packed.done) into.push(packed.int64());
  }

  /** Repeated floats, packed or not. */
  floats(wire: number, into: number[]): void {
    if (wire !== WIRE.bytes) {
      into.push(this.fixed32());
      return;
    }
    const packed = this.message(this.context);
    while (!packed.done) into.push(packed.fixed32());
  }

  /** Repeated doubles, packed or not. */
  doubles(wire: number, into: number[]): void {
    if (wire !== WIRE.bytes) {
      into.push(this.fixed64());
      return;
    }
    const packed = this.message(this.context);
    while (!packed.done) into.push(packed.fixed64());
  }

  skip(wire: number): void {
    if (wire === WIRE.varint) this.varint();
    else if (wire === WIRE.fixed64) this.advance(8);
    else if (wire === WIRE.fixed32) this.advance(4);
    else this.bytesField();
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) this.truncated(`a ${n}-byte value`);
    this.pos += n;
  }
}

/**
 * Builds a message as a list of byte chunks, so that large payloads (weights) are copied once,
 * into the final buffer, by finish().
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  length = 0;

  private flushScratch(): void {
    if (!this.scratch.length) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private rawVarint(value: number): void {
    // Split into 32-bit halves: negative int64 values are written as 64-bit two's complement.
    const high = Math.floor(value / 2 ** 32);
    let lo = (value - high * 2 ** 32) >>> 0;
    let hi = high >>> 0;
    while (hi !== 0 || lo > 0x7f) {
      this.scratch.push((lo & 0x7f) | 0x80);
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
      this.length++;
    }
    this.scratch.push(lo);
    this.length++;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, WIRE.varint);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE.fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.scratch.push(...b);
    this.length += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE.bytes);
    this.rawVarint(data.byteLength);
    this.flushScratch();
    this.chunks.push(data);
    this.length += data.byteLength;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const sub = new ProtoWriter();
    build(sub);
    sub.flushScratch();
    this.tag(field, WIRE.bytes);
    this.rawVarint(sub.length);
    this.flushScratch();
    this.chunks.push(...sub.chunks);
    this.length += sub.length;
    return this;
  }

  packedInts(field: number, values: readonly number[]): this {
    return this.message(field, (w) => values.forEach((v) => w.rawVarint(v)));
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
