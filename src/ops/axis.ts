// Axis arguments (ONNX: an axis may count from the end, -1 being the last).

import { check, shapeString } from './util.ts';

/** The axis as an index in [0, rank), or an Error naming the op. */
export function normalizeAxis(op: string, axis: number, shape: readonly number[]): number {
  const rank = shape.length;
  check(op, Number.isInteger(axis) && axis >= -rank && axis < rank, () => `axis ${axis} is out of range for shape ${shapeString([...shape])}`);
  return axis < 0 ? axis + rank : axis;
}

/** A shape viewed as [outer, axis, inner] around one axis (inner is the axis's stride). */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return { outer: product(shape.slice(0, axis)), length: shape[axis], inner: product(shape.slice(axis + 1)) };
}
