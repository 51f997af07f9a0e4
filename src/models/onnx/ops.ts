// ONNX operators -> ModelSpec nodes: one converter per operator. A converter reads the node's
// attributes (with ONNX's defaults), pulls constant inputs (weights, shapes, bounds) out of the
// graph, and emits a node, or folds the operator into the node before it (BatchNormalization and
// bias Adds into the convolution or linear layer they follow). Geometry is 2-D NCHW only.

import type { HostTensor } from '../safetensors.ts';
import type { NodeSpec } from '../spec.ts';
import { DATA_TYPE, type OnnxNode, type OnnxTensor } from './onnx-format.ts';
import { Attrs, fmt, nodeError, type ImportContext } from './context.ts';
import { FOLD_TARGETS, batchNormAffine, foldAffineInto } from '../fold.ts';

type Converter = (node: OnnxNode, ctx: ImportContext, a: Attrs) => void;
type Quad = [number, number, number, number];

const FLT_MAX = 3.4028234663852886e38;

function pair(node: OnnxNode, a: Attrs, name: string, dflt: number[]): [number, number] {
  const v = a.ints(name, dflt);
  if (v.length !== 2) nodeError(node, `${name} ${fmt(v)}: only 2-D (NCHW) operators are supported`);
  return [v[0], v[1]];
}

function spatialShape(node: OnnxNode, ctx: ImportContext): [number, number] {
  const x = ctx.shapeOf(node, node.inputs[0]);
  if (x.length !== 4) nodeError(node, `expects an NCHW input, got ${fmt(x)}`);
  return [x[2], x[3]];
}

/** Padding from auto_pad (SAME_UPPER, SAME_LOWER, VALID) or, for NOTSET, the pads attribute. */
function windowPads(node: OnnxNode, ctx: ImportContext, a: Attrs, kernel: number[], strides: number[], dilations: number[]): Quad {
  const mode = a.string('auto_pad', 'NOTSET');
  if (mode === 'NOTSET') {
    const p = a.ints('pads', [0, 0, 0, 0]);
    if (p.length !== 4) nodeError(node, `pads ${fmt(p)}: only 2-D (NCHW) operators are supported`);
    if (p.some((v) => v < 0)) nodeError(node, `negative pads ${fmt(p)} are not supported`);
    return [p[0], p[1], p[2], p[3]];
  }
  if (mode === 'VALID') return [0, 0, 0, 0];
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') nodeError(node, `unknown auto_pad '${mode}'`);
  const size = spatialShape(node, ctx);
  const pads: Quad = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    // SAME: the output has ceil(in / stride) positions; the extra padding goes at the end for SAME_UPPER.
    const out = Math.ceil(size[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size[i]);
    const small = Math.floor(total / 2);
    [pads[i], pads[i + 2]] = mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  }
  return pads;
}

function noExtraOutputs(node: OnnxNode, ctx: ImportContext, what: string): void {
  if (node.outputs.slice(1).some((o) => o && ctx.isRead(o))) nodeError(node, `its ${what} output is used, which is not supported`);
}

/** [rows, cols] row-major -> [cols, rows], in cache-friendly blocks (fc weights can be 100M values). */
function transpose(m: HostTensor): HostTensor {
  const [rows, cols] = m.shape;
  const out = new Float32Array(rows * cols);
  const B = 64;
  for (let r0 = 0; r0 < rows; r0 += B) {
    for (let c0 = 0; c0 < cols; c0 += B) {
      const r1 = Math.min(r0 + B, rows);
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = m.data[r * cols + c];
    }
  }
  return { shape: [cols, rows], data: out };
}

function scaleInPlace(data: Float32Array, s: number): void {
  if (s !== 1) for (let i = 0; i < data.length; i++) data[i] *= s;
}

/** A per-output-channel vector from a constant that broadcasts over [1, M, H, W] or [1, M]. */
function channelVector(c: HostTensor, outShape: number[]): Float32Array | undefined {
  const m = outShape[1];
  if (c.data.length === 1) return new Float32Array(m).fill(c.data[0]);
  const dims = [...c.shape];
  while (dims.length && dims[0] === 1) dims.shift();
  const wanted = outShape.length === 4 ? [m, 1, 1] : [m];
  if (dims.join() !== wanted.join() || c.shape.length > outShape.length) return undefined;
  return c.data;
}

/**
 * Adds a per-channel `shift` after multiplying by `scale` (undefined: 1) into the weights and bias of
 * the conv / convtranspose / linear node `target`.
 */
function foldAffine(ctx: ImportContext, target: NodeSpec, scale: Float32Array | undefined, shift: Float32Array): void {
  const bias = foldAffineInto(target, ctx.weights.get(`${target.name}.weight`)!, ctx.weights.get(`${target.name}.bias`)?.data, scale, shift);
  ctx.weights.set(`${target.name}.bias`, { shape: [bias.length], data: bias });
}

function convLike(node: OnnxNode, ctx: ImportContext, a: Attrs, transposed: boolean): void {
  const weight = ctx.floats(node, 1, 'weight');
  if (weight.shape.length !== 4) nodeError(node, `weight ${fmt(weight.shape)}: only 2-D convolutions (rank-4 weights) are supported`);
  const bias = node.inputs[2] ? ctx.floats(node, 2, 'bias') : undefined;
  const kernel = pair(node, a, 'kernel_shape', weight.shape.slice(2));
  if (kernel[0] !== weight.shape[2] || kernel[1] !== weight.shape[3]) nodeError(node, `kernel_shape ${fmt(kernel)} does not match weight ${fmt(weight.shape)}`);
  const strides = pair(node, a, 'strides', [1, 1]);
  const dilations = pair(node, a, 'dilations', [1, 1]);
  const group = a.int('group', 1);
  if (!transposed) {
    const pads = windowPads(node, ctx, a, kernel, strides, dilations);
    ctx.emit(node, 'conv', [node.inputs[0]], { strides, pads, dilations, group }, { weight, bias });
    return;
  }
  const outputPadding = pair(node, a, 'output_padding', [0, 0]);
  const autoPad = a.string('auto_pad', 'NOTSET');
  let pads: Quad;
  if (a.has('output_shape') || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    // ONNX derives the pads from the requested output size (SAME: input size times stride).
    const size = spatialShape(node, ctx);
    const target = a.has('output_shape') ? a.ints('output_shape').slice(-2) : [size[0] * strides[0], size[1] * strides[1]];
    pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const total = strides[i] * (size[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - target[i];
      if (total < 0) nodeError(node, `output_shape ${fmt(target)} is larger than the convolution can produce`);
      const half = Math.floor(total / 2);
      [pads[i], pads[i + 2]] = autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
    }
  } else {
    pads = windowPads(node, ctx, a, kernel, strides, dilations);
  }
  ctx.emit(node, 'convtranspose', [node.inputs[0]], { strides, pads, dilations, group, outputPadding }, { weight, bias });
}

function pool(node: OnnxNode, ctx: ImportContext, a: Attrs, type: 'maxpool' | 'avgpool'): void {
  const kernelShape = pair(node, a, 'kernel_shape', []);
  const strides = pair(node, a, 'strides', [1, 1]);
  const dilations = pair(node, a, 'dilations', [1, 1]);
  const pads = windowPads(node, ctx, a, kernelShape, strides, dilations);
  const ceilMode = a.int('ceil_mode', 0) === 1;
  if (type === 'maxpool') {
    noExtraOutputs(node, ctx, 'Indices');
    ctx.emit(node, 'maxpool', [node.inputs[0]], { kernelShape, strides, pads, dilations, ceilMode });
  } else {
    if (dilations[0] !== 1 || dilations[1] !== 1) nodeError(node, `dilations ${fmt(dilations)} are not supported for AveragePool`);
    ctx.emit(node, 'avgpool', [node.inputs[0]], { kernelShape, strides, pads, ceilMode, countIncludePad: a.int('count_include_pad', 0) === 1 });
  }
}

function linear(node: OnnxNode, ctx: ImportContext, weight: HostTensor, bias?: HostTensor): void {
  ctx.emit(node, 'linear', [node.inputs[0]], {}, { weight, bias });
}

/** Add (or Sum) of computed tensors, or of one computed tensor and a constant bias to fold. */
function add(node: OnnxNode, ctx: ImportContext): void {
  const constant = node.inputs.findIndex((i) => ctx.constants.has(i));
  if (constant < 0) {
    ctx.emit(node, 'add', node.inputs);
    return;
  }
  const data = node.inputs.filter((i) => !ctx.constants.has(i));
  const target = data.length === 1 ? ctx.producerOfType(data[0], FOLD_TARGETS) : undefined;
  const values = ctx.floats(node, constant, 'addend');
  const shift = target && ctx.soleReader(data[0]) ? channelVector(values, ctx.shapes.get(target.name)!) : undefined;
  if (!target || !shift || node.inputs.length !== 2) {
    nodeError(node, `adding a constant ${fmt(values.shape)} is supported only as a per-channel bias of the Conv, ConvTranspose, Gemm or MatMul whose sole reader it is`);
  }
  foldAffine(ctx, target, undefined, shift);
  ctx.alias(node.outputs[0], target.name);
}

function batchNorm(node: OnnxNode, ctx: ImportContext, a: Attrs): void {
  if (a.int('training_mode', 0) !== 0) nodeError(node, 'training_mode is not supported');
  noExtraOutputs(node, ctx, 'running statistics');
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => ctx.floats(node, i, ['scale', 'B', 'mean', 'var'][i - 1]));
  const c = gamma.data.length;
  if ([beta, mean, variance].some((t) => t.data.length !== c)) nodeError(node, `scale, B, mean and var must all have ${c} values`);
  const { scale, shift } = batchNormAffine(gamma.data, beta.data, mean.data, variance.data, a.float('epsilon', 1e-5));
  const x = node.inputs[0];
  const xShape = ctx.shapeOf(node, x);
  if (xShape[1] !== c) nodeError(node, `has ${c} channels of statistics for input ${fmt(xShape)}`);
  const target = ctx.producerOfType(x, FOLD_TARGETS);
  if (target && ctx.soleReader(x)) {
    foldAffine(ctx, target, scale, shift);
    ctx.alias(node.outputs[0], target.name);
    return;
  }
  // Not after a convolution: the same affine map as a depthwise 1x1 convolution.
  if (xShape.length !== 4) nodeError(node, `input ${fmt(xShape)} does not follow a Conv or Gemm, and only NCHW inputs can be normalized on their own`);
  ctx.emit(node, 'conv', [x], { group: c }, { weight: { shape: [c, 1, 1, 1], data: scale }, bias: { shape: [c], data: shift } });
}

function pad(node: OnnxNode, ctx: ImportContext, a: Attrs): void {
  const mode = a.string('mode', 'constant');
  if (mode !== 'constant') nodeError(node, `mode '${mode}' is not supported (only 'constant')`);
  const rank = ctx.shapeOf(node, node.inputs[0]).length;
  let pads: number[];
  let value: number;
  if (ctx.opset < 11) {
    pads = a.has('pads') ? a.ints('pads') : a.ints('paddings');
    value = a.float('value', 0);
  } else {
    pads = ctx.numbers(node, 1, 'pads')!;
    value = ctx.numbers(node, 2, 'constant_value', false)?.[0] ?? 0;
    const axes = ctx.numbers(node, 3, 'axes', false);
    if (axes) {
      // Pads given for some axes only: spread them over all axes.
      const full = new Array(2 * rank).fill(0);
      axes.forEach((ax, i) => {
        const k = ax < 0 ? ax + rank : ax;
        full[k] = pads[i];
        full[k + rank] = pads[i + axes.length];
      });
      pads = full;
    }
  }
  if (rank !== 4 || pads.length !== 8) nodeError(node, `pads ${fmt(pads)} for an input of rank ${rank}: only NCHW inputs are supported`);
  if (pads.some((p) => p < 0)) nodeError(node, `negative pads ${fmt(pads)} (cropping) are not supported`);
  if (pads[0] || pads[1] || pads[4] || pads[5]) nodeError(node, `pads ${fmt(pads)} pad the batch or channel axis; only H and W can be padded`);
  ctx.emit(node, 'pad', [node.inputs[0]], { pads: [pads[2], pads[3], pads[6], pads[7]], value });
}

function reshape(node: OnnxNode, ctx: ImportContext, a: Attrs): void {
  const target = ctx.opset >= 5 ? ctx.numbers(node, 1, 'shape')! : a.ints('shape');
  const x = ctx.shapeOf(node, node.inputs[0]);
  const allowZero = a.int('allowzero', 0) === 1;
  if (allowZero && target.includes(0)) nodeError(node, `shape ${fmt(target)} with allowzero = 1 is not supported`);
  // 0 copies the input's size on that axis (the batch, for the first one).
  const dims = target.map((d, i) => (d === 0 ? (i < x.length ? x[i] : nodeError(node, `shape ${fmt(target)} copies axis ${i}, which input ${fmt(x)} lacks`)) : d));
  const [batch, ...rest] = dims;
  if (batch !== 1 && batch !== -1) nodeError(node, `shape ${fmt(target)} changes the batch axis of input ${fmt(x)}; only reshapes that keep it are supported`);
  if (batch === -1 && rest.includes(-1)) nodeError(node, `shape ${fmt(target)} has two unknown (-1) sizes`);
  ctx.emit(node, 'reshape', [node.inputs[0]], { shape: rest });
}

function constant(node: OnnxNode, ctx: ImportContext, a: Attrs): void {
  const name = node.outputs[0];
  let t: OnnxTensor | undefined = a.tensor('value');
  if (t) t = { ...t, name };
  else if (a.has('value_float')) t = { name, dims: [], dataType: DATA_TYPE.FLOAT, floatData: Float32Array.of(a.float('value_float')) };
  else if (a.has('value_floats')) t = { name, dims: [a.floats('value_floats')!.length], dataType: DATA_TYPE.FLOAT, floatData: Float32Array.from(a.floats('value_floats')!) };
  else if (a.has('value_int')) t = { name, dims: [], dataType: DATA_TYPE.INT64, int64Data: [a.int('value_int')] };
  else if (a.has('value_ints')) t = { name, dims: [a.ints('value_ints').length], dataType: DATA_TYPE.INT64, int64Data: a.ints('value_ints') };
  else nodeError(node, 'only value, value_float(s) and value_int(s) constants are supported');
  ctx.constants.set(name, t);
}

export const CONVERTERS: Record<string, Converter> = {
  Conv: (node, ctx, a) => convLike(node, ctx, a, false),
  ConvTranspose: (node, ctx, a) => convLike(node, ctx, a, true),
  Relu: (node, ctx) => ctx.emit(node, 'relu', [node.inputs[0]]),
  LeakyRelu: (node, ctx, a) => ctx.emit(node, 'leakyrelu', [node.inputs[0]], { alpha: a.float('alpha', 0.01) }),
  Clip: (node, ctx, a) => {
    const [min, max] =
      ctx.opset < 11
        ? [a.float('min', -FLT_MAX), a.float('max', FLT_MAX)]
        : [ctx.numbers(node, 1, 'min', false)?.[0] ?? -FLT_MAX, ctx.numbers(node, 2, 'max', false)?.[0] ?? FLT_MAX];
    ctx.emit(node, 'clip', [node.inputs[0]], { min, max });
  },
  MaxPool: (node, ctx, a) => pool(node, ctx, a, 'maxpool'),
  AveragePool: (node, ctx, a) => pool(node, ctx, a, 'avgpool'),
  GlobalAveragePool: (node, ctx) => ctx.emit(node, 'globalavgpool', [node.inputs[0]]),
  GlobalMaxPool: (node, ctx) => ctx.emit(node, 'globalmaxpool', [node.inputs[0]]),
  LRN: (node, ctx, a) => ctx.emit(node, 'lrn', [node.inputs[0]], { size: a.int('size'), alpha: a.float('alpha', 1e-4), beta: a.float('beta', 0.75), bias: a.float('bias', 1) }),
  Gemm: (node, ctx, a) => {
    if (a.int('transA', 0) !== 0) nodeError(node, 'transA = 1 is not supported (the batch must come first)');
    const b = ctx.floats(node, 1, 'B');
    if (b.shape.length !== 2) nodeError(node, `B ${fmt(b.shape)} must be a matrix`);
    // Our linear layer keeps PyTorch's [out, in] layout, which is Gemm's B with transB = 1.
    const weight = a.int('transB', 0) ? b : transpose(b);
    scaleInPlace(weight.data, a.float('alpha', 1));
    let bias: HostTensor | undefined;
    if (node.inputs[2]) {
      const c = ctx.floats(node, 2, 'C');
      const data = channelVector(c, [1, weight.shape[0]]);
      if (!data) nodeError(node, `C ${fmt(c.shape)} must broadcast as a bias of ${weight.shape[0]} values`);
      bias = { shape: [weight.shape[0]], data: Float32Array.from(data) };
      scaleInPlace(bias.data, a.float('beta', 1));
    }
    linear(node, ctx, weight, bias);
  },
  MatMul: (node, ctx) => {
    const b = ctx.floats(node, 1, 'B');
    if (b.shape.length !== 2) nodeError(node, `B ${fmt(b.shape)} must be a constant matrix`);
    linear(node, ctx, transpose(b));
  },
  Flatten: (node, ctx, a) => {
    const x = ctx.shapeOf(node, node.inputs[0]);
    const axis = a.int('axis', 1);
    if ((axis < 0 ? axis + x.length : axis) !== 1) nodeError(node, `axis ${axis} is not supported (only 1: keep the batch, flatten the rest)`);
    ctx.emit(node, 'flatten', [node.inputs[0]]);
  },
  Reshape: reshape,
  Dropout: (node, ctx) => {
    noExtraOutputs(node, ctx, 'mask');
    ctx.emit(node, 'dropout', [node.inputs[0]]);
  },
  Identity: (node, ctx) => {
    // Exporters put Identity nodes on weights (shared parameters): then it names a constant.
    const constant = ctx.constants.get(node.inputs[0]);
    if (constant) ctx.constants.set(node.outputs[0], constant);
    else ctx.emit(node, 'identity', [node.inputs[0]]);
  },
  Concat: (node, ctx, a) => {
    const axis = a.int('axis');
    ctx.emit(node, 'concat', node.inputs, { axis: axis < 0 ? axis + ctx.shapeOf(node, node.inputs[0]).length : axis });
  },
  Softmax: (node, ctx, a) => {
    const x = ctx.shapeOf(node, node.inputs[0]);
    const given = a.int('axis', ctx.opset >= 13 ? -1 : 1);
    const axis = given < 0 ? given + x.length : given;
    // Before opset 13, Softmax normalized over all axes from `axis` on, as one flattened axis.
    if (ctx.opset < 13 && x.slice(axis + 1).some((d) => d !== 1)) nodeError(node, `axis ${given} of input ${fmt(x)} spans several axes (opset < 13 semantics), which is not supported`);
    ctx.emit(node, 'softmax', [node.inputs[0]], { axis });
  },
  BatchNormalization: batchNorm,
  Add: add,
  Sum: add,
  Pad: pad,
  Constant: constant,
};
