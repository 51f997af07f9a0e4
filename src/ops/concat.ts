// Concat and split along any axis (ONNX Concat / Split); concat's backward is the split of dy.
//
// Both are block copies: viewed as [outer, axis, inner], each piece is `outer` rows of
// axis_i * inner contiguous elements, placed at its offset in every row of the whole.

import type { Engine } from '../engine/engine.ts';
import { Tensor } from '../engine/tensor.ts';
import { aroundAxis, normalizeAxis } from './axis.ts';
import { check, checkInts, checkTensor, groupsFor, shapeString } from './util.ts';

const WG = 64;
/** Up to this many rows a block moves by buffer copies (one per row) instead of a kernel. */
const MAX_COPY_ROWS = 64;

/** A block copy; the fields are also the kernel's uniforms. */
interface Block {
  rows: number;
  rowLen: number;
  srcStride: number;
  srcOff: number;
  dstStride: number;
  dstOff: number;
}

function copyBlock(engine: Engine, src: Tensor, dst: Tensor, b: Block): void {
  const bindable = Math.max(src.byteLength, dst.byteLength) <= engine.limits.maxStorageBufferBindingSize;
  if (b.rows <= MAX_COPY_ROWS || !bindable) {
    // Few rows (concatenating channels of one image is one row per input) or tensors too large
    // to bind: buffer copies have no binding limit and run at memcpy speed.
    const encoder = engine.commandEncoder();
    for (let r = 0; r < b.rows; r++) {
      encoder.copyBufferToBuffer(src.buffer, (b.srcOff + r * b.srcStride) * 4, dst.buffer, (b.dstOff + r * b.dstStride) * 4, b.rowLen * 4);
    }
    return;
  }
  engine.run('concat', {
    bindings: { src, dst },
    uniforms: { ...b },
    workgroups: [groupsFor(Math.ceil(b.rowLen / 4), WG), Math.min(b.rows, engine.limits.maxComputeWorkgroupsPerDimension), 1],
  });
}

/** The pieces of `whole` along `axis`, of the given sizes (already validated). */
function splitInto(engine: Engine, whole: Tensor, sizes: number[], axis: number): Tensor[] {
  const { outer, length, inner } = aroundAxis(whole.shape, axis);
  let offset = 0;
  return sizes.map((size) => {
    const shape = whole.shape.map((d, i) => (i === axis ? size : d));
    const piece = engine.empty(shape, whole.dtype);
    copyBlock(engine, whole, piece, { rows: outer, rowLen: size * inner, srcStride: length * inner, srcOff: offset * inner, dstStride: size * inner, dstOff: 0 });
    offset += size;
    return piece;
  });
}

function checkSplitSizes(op: string, shape: number[], sizes: unknown, axis: number): number[] {
  check(op, Array.isArray(sizes) && sizes.length > 0, `sizes must be a non-empty array, got ${JSON.stringify(sizes)}`);
  checkInts(op, 'sizes', sizes, sizes.length, 1);
  const total = sizes.reduce((a: number, b: number) => a + b, 0);
  check(op, total === shape[axis], () => `sizes ${JSON.stringify(sizes)} add up to ${total}, but axis ${axis} of ${shapeString(shape)} is ${shape[axis]}`);
  return sizes;
}

export function concatOps(engine: Engine) {
  return {
    /** ONNX Concat: the tensors joined along `axis`; all other dimensions must agree. */
    concat(xs: Tensor[], axis: number): Tensor {
      const op = 'concat';
      check(op, Array.isArray(xs) && xs.length > 0, 'needs a non-empty array of tensors');
      xs.forEach((x, i) => checkTensor(op, `xs[${i}]`, x, undefined, xs[0]?.dtype === 'i32' ? 'i32' : 'f32'));
      const first = xs[0].shape;
      const ax = normalizeAxis(op, axis, first);
      for (const x of xs) {
        const fits = x.shape.length === first.length && x.shape.every((d, i) => i === ax || d === first[i]);
        check(op, fits, () => `shapes ${xs.map((t) => shapeString(t.shape)).join(', ')} differ outside axis ${ax}`);
      }
      const length = xs.reduce((sum, x) => sum + x.shape[ax], 0);
      const shape = first.map((d, i) => (i === ax ? length : d));
      const { outer, inner } = aroundAxis(shape, ax);
      return engine.scoped(op, () => {
        const y = engine.empty(shape, xs[0].dtype);
        let offset = 0;
        for (const x of xs) {
          const rowLen = x.shape[ax] * inner;
          copyBlock(engine, x, y, { rows: outer, rowLen, srcStride: rowLen, srcOff: 0, dstStride: length * inner, dstOff: offset * inner });
          offset += x.shape[ax];
        }
        return y;
      });
    },

    /** ONNX Split: x cut along `axis` into pieces of the given sizes. */
    split(x: Tensor, sizes: number[], axis: number): Tensor[] {
      const op = 'split';
      checkTensor(op, 'x', x, undefined, x instanceof Tensor && x.dtype === 'i32' ? 'i32' : 'f32');
      const ax = normalizeAxis(op, axis, x.shape);
      checkSplitSizes(op, x.shape, sizes, ax);
      return engine.scoped(op, () => splitInto(engine, x, sizes, ax));
    },
  };
}

export function concatGrads(engine: Engine) {
  return {
    /** The gradients of concat's inputs (their shapes given) from dy: the split of dy. */
    concat(dy: Tensor, shapes: number[][], axis: number): Tensor[] {
      const op = 'concat backward';
      checkTensor(op, 'dy', dy);
      const ax = normalizeAxis(op, axis, dy.shape);
      check(op, Array.isArray(shapes) && shapes.length > 0, 'shapes must be a non-empty array');
      for (const s of shapes) {
        const fits = Array.isArray(s) && s.length === dy.shape.length && s.every((d, i) => i === ax || d === dy.shape[i]);
        check(op, fits, () => `input shape ${JSON.stringify(s)} does not fit dy ${shapeString(dy.shape)} outside axis ${ax}`);
      }
      checkSplitSizes(op, dy.shape, shapes.map((s) => s[ax]), ax);
      return engine.scoped(op, () => splitInto(engine, dy, shapes.map((s) => s[ax]), ax));
    },
  };
}
