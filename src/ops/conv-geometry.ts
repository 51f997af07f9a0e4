// Attributes, validation and shape rules of ONNX Conv and ConvTranspose (2-D, NCHW), shared by the
// GPU ops and the CPU references. Every check runs before any GPU work and names the op and shapes.

import { check, checkInts, fail, shapeString } from './util.ts';

export interface ConvAttrs {
  /** [strideH, strideW], default [1, 1]. */
  strides?: readonly number[];
  /** [top, left, bottom, right], default zeros. */
  pads?: readonly number[];
  /** [dilationH, dilationW], default [1, 1]. */
  dilations?: readonly number[];
  /** Default 1; group = C is a depthwise convolution. */
  group?: number;
  /** Optional, as in ONNX: when given it must equal the weights' [kH, kW]. */
  kernelShape?: readonly number[];
}

export interface ConvTransposeAttrs extends ConvAttrs {
  /** [h, w] added to the output's bottom and right, default zeros; each below its stride or dilation. */
  outputPadding?: readonly number[];
  /**
   * [Ho, Wo]: the output size. The pads are then derived as ONNX does (auto_pad NOTSET): the total
   * padding stride * (in - 1) + outputPadding + (k - 1) * dilation + 1 - out is split with the
   * larger half at the beginning; any `pads` given are ignored.
   */
  outputShape?: readonly number[];
}

/**
 * A convolution between an input map [n, inC, inH, inW] and an output map [n, outC, outH, outW].
 * Conv: output pixel o reads input pixel o * stride - padBegin + k * dilation.
 * ConvTranspose: input pixel i feeds output pixel i * stride - padBegin + k * dilation.
 */
export interface ConvGeometry {
  n: number;
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strides: [number, number];
  /** [top, left, bottom, right]; negative only for a ConvTranspose whose outputShape exceeds its natural size. */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}

export const outputShape = (g: ConvGeometry): number[] => [g.n, g.outC, g.outH, g.outW];
export const inputShape = (g: ConvGeometry): number[] => [g.n, g.inC, g.inH, g.inW];

function checkShape4(op: string, name: string, shape: unknown): number[] {
  check(op, Array.isArray(shape) && shape.length === 4 && shape.every((d) => Number.isInteger(d) && d > 0), () => `${name} must be 4 positive integers (NCHW), got ${Array.isArray(shape) ? shapeString(shape) : String(shape)}`);
  return shape as number[];
}

/** The attributes every convolution shares, with defaults, checked. */
function commonAttrs(op: string, attrs: ConvAttrs, wShape: number[]) {
  check(op, typeof attrs === 'object' && attrs !== null, `attributes must be an object, got ${String(attrs)}`);
  const strides = checkInts(op, 'strides', attrs.strides ?? [1, 1], 2, 1) as [number, number];
  const dilations = checkInts(op, 'dilations', attrs.dilations ?? [1, 1], 2, 1) as [number, number];
  const pads = checkInts(op, 'pads', attrs.pads ?? [0, 0, 0, 0], 4, 0) as [number, number, number, number];
  const group = attrs.group ?? 1;
  check(op, Number.isInteger(group) && group >= 1, `group must be an integer >= 1, got ${String(group)}`);
  if (attrs.kernelShape !== undefined) {
    const k = checkInts(op, 'kernelShape', attrs.kernelShape, 2, 1);
    check(op, k[0] === wShape[2] && k[1] === wShape[3], `kernelShape ${shapeString(k)} does not match w ${shapeString(wShape)}`);
  }
  return { strides: [...strides] as [number, number], dilations: [...dilations] as [number, number], pads: [...pads] as [number, number, number, number], group };
}

/** Conv: x [N, C, H, W], w [M, C / group, kH, kW] (OIHW) -> y [N, M, Ho, Wo]. */
export function conv2dGeometry(op: string, xShape: readonly number[], wShape: readonly number[], attrs: ConvAttrs = {}): ConvGeometry {
  const [n, c, h, w] = checkShape4(op, 'x shape', xShape);
  const ws = checkShape4(op, 'w shape', wShape);
  const [m, wc, kH, kW] = ws;
  const { strides, dilations, pads, group } = commonAttrs(op, attrs, ws);
  const shapes = `x ${shapeString(xShape)}, w ${shapeString(wShape)}`;
  check(op, c % group === 0 && m % group === 0, () => `group ${group} must divide the input channels (${c}) and the output channels (${m}); ${shapes}`);
  check(op, wc === c / group, () => `w ${shapeString(wShape)} must have C / group = ${c / group} input channels (x has ${c}, group ${group}), has ${wc}`);
  const outSize = (size: number, k: number, s: number, d: number, before: number, after: number, axis: string) => {
    const span = (k - 1) * d + 1;
    check(op, span <= size + before + after, () => `the ${axis} kernel extent ${span} (kernel ${k}, dilation ${d}) is larger than the padded input (${size} + ${before} + ${after}); ${shapes}`);
    return Math.floor((size + before + after - span) / s) + 1;
  };
  const outH = outSize(h, kH, strides[0], dilations[0], pads[0], pads[2], 'vertical');
  const outW = outSize(w, kW, strides[1], dilations[1], pads[1], pads[3], 'horizontal');
  return { n, inC: c, inH: h, inW: w, outC: m, outH, outW, kH, kW, strides, pads, dilations, group };
}

/** ConvTranspose: x [N, C, H, W], w [C, M / group, kH, kW] (IOHW) -> y [N, M, Ho, Wo]. */
export function convTranspose2dGeometry(op: string, xShape: readonly number[], wShape: readonly number[], attrs: ConvTransposeAttrs = {}): ConvGeometry {
  const [n, c, h, w] = checkShape4(op, 'x shape', xShape);
  const ws = checkShape4(op, 'w shape', wShape);
  const [wc, mg, kH, kW] = ws;
  const { strides, dilations, pads, group } = commonAttrs(op, attrs, ws);
  check(op, c % group === 0, () => `group ${group} must divide the input channels (${c}); x ${shapeString(xShape)}`);
  check(op, wc === c, () => `w ${shapeString(wShape)} must have ${c} input channels (x ${shapeString(xShape)}), has ${wc}`);
  const outputPadding = checkInts(op, 'outputPadding', attrs.outputPadding ?? [0, 0], 2, 0);
  for (let i = 0; i < 2; i++) {
    check(op, outputPadding[i] < Math.max(strides[i], dilations[i]), () => `outputPadding ${shapeString(outputPadding)} must be smaller than the stride or the dilation (strides ${shapeString(strides)}, dilations ${shapeString(dilations)})`);
  }
  // The output size for zero pads; the pads cut it down.
  const full = [0, 1].map((i) => strides[i] * ([h, w][i] - 1) + outputPadding[i] + ([kH, kW][i] - 1) * dilations[i] + 1);
  let outH: number;
  let outW: number;
  if (attrs.outputShape !== undefined) {
    [outH, outW] = checkInts(op, 'outputShape', attrs.outputShape, 2, 1);
    const totalH = full[0] - outH;
    const totalW = full[1] - outW;
    pads[0] = totalH - Math.trunc(totalH / 2);
    pads[2] = Math.trunc(totalH / 2);
    pads[1] = totalW - Math.trunc(totalW / 2);
    pads[3] = Math.trunc(totalW / 2);
  } else {
    outH = full[0] - pads[0] - pads[2];
    outW = full[1] - pads[1] - pads[3];
    check(op, outH > 0 && outW > 0, () => `the output would be ${outH} x ${outW}: the pads ${shapeString(pads)} remove more than the ${full[0]} x ${full[1]} output; x ${shapeString(xShape)}, w ${shapeString(wShape)}`);
  }
  return { n, inC: c, inH: h, inW: w, outC: mg * group, outH, outW, kH, kW, strides, pads, dilations, group };
}

/** Checks that a gradient (or any tensor) has the shape the geometry expects. */
export function checkShapeIs(op: string, name: string, shape: readonly number[], expected: readonly number[], what: string): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) fail(op, `${name} ${shapeString(shape)} must be ${shapeString(expected)} (${what})`);
}

/**
 * How a kernel finds its weights in w [d0, d1, kH, kW]. `outputFirst`: d0 holds the kernel's output
 * channels (all groups) and d1 its reduction channels (per group), as for Conv's OIHW; otherwise the
 * other way round, as for ConvTranspose's IOHW. `flip` reverses the taps.
 */
export interface WeightLayout {
  outputFirst: boolean;
  flip: boolean;
}

/** Per-group channel counts and the strides of w between groups, output and reduction channels. */
export function weightStrides(w: { shape: readonly number[] }, groups: number, { outputFirst }: WeightLayout) {
  const [d0, d1, kH, kW] = w.shape;
  const taps = kH * kW;
  const groupO = outputFirst ? d0 / groups : d1;
  const groupI = outputFirst ? d1 : d0 / groups;
  return { taps, groupO, groupI, strideGroup: groupO * groupI * taps, strideO: outputFirst ? d1 * taps : taps, strideI: outputFirst ? taps : d1 * taps };
}
