// Validation helpers shared by the ops. Every op checks its inputs before any GPU work and names
// itself and the offending shapes in the message.

import { Tensor, shapeString } from '../engine/tensor.ts';

export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

export function check(op: string, condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) fail(op, typeof message === 'function' ? message() : message);
}

export function checkTensor(op: string, name: string, t: unknown, rank?: number, dtype: 'f32' | 'i32' = 'f32'): asserts t is Tensor {
  check(op, t instanceof Tensor, `${name} must be a Tensor`);
  check(op, !t.disposed, `${name} ${shapeString(t.shape)} was disposed`);
  check(op, t.dtype === dtype, `${name} must be ${dtype}, got ${t.dtype}`);
  if (rank !== undefined) check(op, t.shape.length === rank, `${name} must have rank ${rank}, got shape ${shapeString(t.shape)}`);
}

export function checkSameShape(op: string, a: Tensor, b: Tensor, names = ['a', 'b']): void {
  check(op, a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]), `${names[0]} ${shapeString(a.shape)} and ${names[1]} ${shapeString(b.shape)} must have the same shape`);
}

export function checkInts(op: string, name: string, values: unknown, length: number, min: number): number[] {
  check(op, Array.isArray(values) && values.length === length, `${name} must be an array of ${length} integers, got ${JSON.stringify(values)}`);
  for (const v of values as unknown[]) check(op, Number.isInteger(v) && (v as number) >= min, `${name} must be integers >= ${min}, got ${JSON.stringify(values)}`);
  return values as number[];
}

/** Workgroups for one thread per element. */
export function groupsFor(count: number, workgroupSize = 256): number {
  return Math.ceil(count / workgroupSize);
}

export { shapeString };
