// Binding windows: a tensor larger than the device's maxStorageBufferBindingSize is processed
// in pieces, each bound as a byte range of the buffer. A range must start at a multiple of
// minStorageBufferOffsetAlignment (256 bytes), so a window starts a little before its first
// element and the kernel skips `base` elements.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { fail } from './util.ts';

export interface Window {
  /** First element of the window in the tensor, a multiple of the unit. */
  start: number;
  /** Elements in the window (whole units, except possibly the tensor's last one). */
  count: number;
  /** Byte range bound for the window. */
  offset: number;
  size: number;
  /** Elements between the bound range's start and `start` (what the kernel adds to its indices). */
  base: number;
}

/**
 * Splits elements [0, total) of tensors into windows of whole units of `unit` elements (the last
 * unit may be short) that fit one binding. One window covering everything when it fits.
 */
export function bindingWindows(engine: Engine, op: string, total: number, unit: number): Window[] {
  const limit = Math.floor(engine.limits.maxStorageBufferBindingSize / 4);
  if (total <= limit) return [{ start: 0, count: total, offset: 0, size: total * 4, base: 0 }];
  const align = engine.limits.minStorageBufferOffsetAlignment / 4;
  const windows: Window[] = [];
  for (let start = 0; start < total; ) {
    const base = start % align;
    const units = Math.floor((limit - base) / unit);
    if (units < 1) fail(op, `one unit of ${unit} elements does not fit the device's maxStorageBufferBindingSize (${engine.limits.maxStorageBufferBindingSize} bytes)`);
    const count = Math.min(units * unit, total - start);
    windows.push({ start, count, offset: (start - base) * 4, size: (base + count) * 4, base });
    start += count;
  }
  return windows;
}

/** The binding of a window of a tensor. */
export function windowOf(t: Tensor, w: Window) {
  return w.offset === 0 && w.size === t.byteLength ? t : { tensor: t, offset: w.offset, size: w.size };
}
