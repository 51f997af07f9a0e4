// Pooling geometry (ONNX MaxPool / AveragePool / MaxUnpool, NCHW): attribute defaults, output
// sizes and validation. Shared by the GPU ops and the CPU references, so both agree on shapes.
//
// Along one axis, window o covers the taps start + k * dilation (0 <= k < kernel), where
// start = o * stride - padBegin. Taps outside [0, size) are padding.

import { check, checkInts, shapeString } from './util.ts';

export interface PoolAttrs {
  kernelShape: number[];
  /** [sH, sW], default [1, 1] (ONNX's default). */
  strides?: number[];
  /** [top, left, bottom, right], default zeros. */
  pads?: number[];
  /** [dH, dW], default [1, 1]. */
  dilations?: number[];
  /** Output size rounded up instead of down (a window may then hang over the bottom/right). */
  ceilMode?: boolean | number;
}

export interface AvgPoolAttrs extends PoolAttrs {
  /** Divide by the taps inside the padded input (true) or by the taps inside the input (false, the default). */
  countIncludePad?: boolean | number;
}

export interface UnpoolAttrs {
  kernelShape: number[];
  strides?: number[];
  pads?: number[];
  /** [N, C, H, W] of the unpooled tensor; default (in - 1) * stride + kernel - padBegin - padEnd. */
  outputShape?: number[];
}

/** Everything a pooling kernel needs, resolved: input [n, c, inH, inW] -> output [n, c, outH, outW]. */
export interface PoolGeometry {
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  padT: number;
  padL: number;
  padB: number;
  padR: number;
  dH: number;
  dW: number;
}

/** Output length along one axis, ONNX's (and PyTorch's) rule. */
export function pooledLength(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceil: boolean): number {
  const span = dilation * (kernel - 1) + 1;
  const room = size + padBegin + padEnd - span;
  let out = (ceil ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // With ceilMode the last window must start inside the input or the begin padding; one that
  // would start in the end padding is dropped.
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}

/** The number of taps of the window starting at `start` that fall inside [lo, hi). */
export function tapCount(start: number, kernel: number, dilation: number, lo: number, hi: number): number {
  let count = 0;
  for (let k = 0; k < kernel; k++) {
    const p = start + k * dilation;
    if (p >= lo && p < hi) count++;
  }
  return count;
}

/** Checks an [N, C, H, W] shape of positive integers. */
export function checkShape4(op: string, name: string, shape: unknown): number[] {
  check(op, Array.isArray(shape) && shape.length === 4 && shape.every((d) => Number.isInteger(d) && d > 0), () => `${name} must be 4 positive integers [N, C, H, W], got ${JSON.stringify(shape)}`);
  return shape as number[];
}

/** Validates the attributes against the input shape and resolves the geometry; throws an Error naming the op. */
export function poolGeometry(op: string, xShape: readonly number[], attrs: PoolAttrs): PoolGeometry {
  const [n, c, inH, inW] = checkShape4(op, 'input shape', xShape);
  check(op, typeof attrs === 'object' && attrs !== null, 'attributes { kernelShape, ... } are required');
  const [kH, kW] = checkInts(op, 'kernelShape', attrs.kernelShape, 2, 1);
  const [sH, sW] = checkInts(op, 'strides', attrs.strides ?? [1, 1], 2, 1);
  const [padT, padL, padB, padR] = checkInts(op, 'pads', attrs.pads ?? [0, 0, 0, 0], 4, 0);
  const [dH, dW] = checkInts(op, 'dilations', attrs.dilations ?? [1, 1], 2, 1);
  const ceil = Boolean(attrs.ceilMode);

  const spanH = dH * (kH - 1) + 1;
  const spanW = dW * (kW - 1) + 1;
  check(
    op,
    spanH <= inH + padT + padB && spanW <= inW + padL + padR,
    () =>
      `kernel ${kH}x${kW} (dilations [${dH}, ${dW}], span ${spanH}x${spanW}) is larger than the padded input ` +
      `${inH + padT + padB}x${inW + padL + padR} (x ${shapeString(xShape)}, pads [${padT}, ${padL}, ${padB}, ${padR}])`,
  );
  const outH = pooledLength(inH, kH, sH, padT, padB, dH, ceil);
  const outW = pooledLength(inW, kW, sW, padL, padR, dW, ceil);

  // A window made only of padding has no maximum and no average over the input; ONNX leaves it
  // undefined, so it is an error here.
  const axes = [
    ['row', outH, sH, padT, kH, dH, inH],
    ['column', outW, sW, padL, kW, dW, inW],
  ] as const;
  for (const [axis, out, stride, pad, kernel, dilation, size] of axes) {
    for (let o = 0; o < out; o++) {
      check(
        op,
        tapCount(o * stride - pad, kernel, dilation, 0, size) > 0,
        () => `the window at output ${axis} ${o} covers only padding (x ${shapeString(xShape)}, kernelShape [${kH}, ${kW}], strides [${sH}, ${sW}], pads [${padT}, ${padL}, ${padB}, ${padR}], dilations [${dH}, ${dW}])`,
      );
    }
  }
  return { n, c, inH, inW, outH, outW, kH, kW, sH, sW, padT, padL, padB, padR, dH, dW };
}

export function pooledShape(g: PoolGeometry): number[] {
  return [g.n, g.c, g.outH, g.outW];
}

/**
 * Geometry of MaxUnpool: y [N, C, inH', inW'] (the pooled tensor) back to [N, C, H, W]. The
 * returned geometry is that of the max-pool that maps [N, C, H, W] onto y's shape.
 */
export function unpoolGeometry(op: string, yShape: readonly number[], attrs: UnpoolAttrs): PoolGeometry {
  const [n, c, pooledH, pooledW] = checkShape4(op, 'y shape', yShape);
  check(op, typeof attrs === 'object' && attrs !== null, 'attributes { kernelShape, ... } are required');
  const [kH, kW] = checkInts(op, 'kernelShape', attrs.kernelShape, 2, 1);
  const [sH, sW] = checkInts(op, 'strides', attrs.strides ?? [1, 1], 2, 1);
  const [padT, padL, padB, padR] = checkInts(op, 'pads', attrs.pads ?? [0, 0, 0, 0], 4, 0);
  let outShape: number[];
  if (attrs.outputShape !== undefined) {
    outShape = checkShape4(op, 'outputShape', attrs.outputShape);
    check(op, outShape[0] === n && outShape[1] === c, () => `outputShape ${shapeString(outShape)} must keep y's batch and channels (y ${shapeString(yShape)})`);
  } else {
    outShape = [n, c, (pooledH - 1) * sH + kH - padT - padB, (pooledW - 1) * sW + kW - padL - padR];
    check(op, outShape[2] > 0 && outShape[3] > 0, () => `the default output shape ${shapeString(outShape)} of y ${shapeString(yShape)} is empty (kernelShape [${kH}, ${kW}], strides [${sH}, ${sW}], pads [${padT}, ${padL}, ${padB}, ${padR}])`);
  }
  const [, , inH, inW] = outShape;
  // The switches only make sense if pooling the output shape gives back y's shape (floor or ceil).
  const fits = (size: number, pooled: number, k: number, s: number, pb: number, pe: number) =>
    size + pb + pe >= k && (pooledLength(size, k, s, pb, pe, 1, false) === pooled || pooledLength(size, k, s, pb, pe, 1, true) === pooled);
  check(
    op,
    fits(inH, pooledH, kH, sH, padT, padB) && fits(inW, pooledW, kW, sW, padL, padR),
    () => `y ${shapeString(yShape)} is not the max-pool of outputShape ${shapeString(outShape)} with kernelShape [${kH}, ${kW}], strides [${sH}, ${sW}], pads [${padT}, ${padL}, ${padB}, ${padR}]`,
  );
  return { n, c, inH, inW, outH: pooledH, outW: pooledW, kH, kW, sH, sW, padT, padL, padB, padR, dH: 1, dW: 1 };
}
