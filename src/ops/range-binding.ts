// Binding part of a tensor. A storage binding may start only at a multiple of
// minStorageBufferOffsetAlignment (256 bytes), so a range begins at the aligned offset at or
// before the first element wanted, and the kernel adds `skip` elements to its indices.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { fail } from './util.ts';

/** A binding of elements [start, start + count) of a tensor, and the elements it starts early. */
export function rangeBinding(engine: Engine, tensor: Tensor, start: number, count: number): { binding: Binding; skip: number } {
  const align = engine.limits.minStorageBufferOffsetAlignment / 4;
  const base = Math.floor(start / align) * align;
  if (base === 0 && count === tensor.size) return { binding: tensor, skip: 0 };
  return { binding: { tensor, offset: base * 4, size: (start - base + count) * 4 }, skip: start - base };
}

/** The most elements one range may cover and still fit a binding wherever it starts. */
export function rangeLimit(engine: Engine): number {
  return Math.floor(engine.limits.maxStorageBufferBindingSize / 4) - engine.limits.minStorageBufferOffsetAlignment / 4;
}

/**
 * Splits n images into runs whose elements (perImage of each tensor) fit one binding each, and
 * that hold at most `maxImages` images (a kernel's grid limit).
 */
export function imageChunks(engine: Engine, op: string, n: number, perImage: number[], maxImages = Infinity): { first: number; count: number }[] {
  const largest = Math.max(...perImage);
  const fit = Math.min(Math.floor(rangeLimit(engine) / largest), maxImages);
  if (fit < 1) fail(op, `one image of ${largest} elements is larger than a storage binding may be (maxStorageBufferBindingSize ${engine.limits.maxStorageBufferBindingSize} bytes)`);
  const chunks = [];
  for (let first = 0; first < n; first += fit) chunks.push({ first, count: Math.min(fit, n - first) });
  return chunks;
}
