// Binding part of a tensor. A storage binding may start only at a multiple of
// minStorageBufferOffsetAlignment (256 bytes), so a range begins at the aligned offset at or
// before the first element wanted, and the kernel adds `skip` elements to its indices.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';

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
