// Convolution (ONNX Conv and ConvTranspose, 2-D, NCHW) and their gradients.
//
// Three compute kernels, each thread holding a tile of 16 channels x 16 pixels (or weight entries)
// in registers, so that a value loaded serves many multiply-adds (on SwiftShader, a CPU driver,
// a load costs far more than the arithmetic):
//   conv2d.wgsl               direct convolution: Conv, ConvTranspose's input gradient, and the
//                             stride-1 transposed convolutions below (taps reversed, pads mirrored)
//   conv-transpose2d.wgsl     transposed convolution as a gather: ConvTranspose, and Conv's input
//                             gradient, for strides > 1
//   conv2d-weight-grad.wgsl   the weight gradient of both (x and dy swap roles for ConvTranspose)
// plus conv2d-pack-weights.wgsl, which lays weights out as the first two read them (16 output
// channels contiguous for each tap and reduction channel). Bias gradients are channel sums.
// Those kernels suit CPU drivers, where a load costs far more than a multiply-add. On a GPU
// (engine.tuning 'gpu') direct convolutions run conv2d-tiled.wgsl and weight gradients
// conv2d-weight-grad-tiled.wgsl instead: implicit matrix products staged through workgroup
// memory, with the many threads a GPU needs (strided transposed convolutions keep the gather).
// Direct convolutions that Winograd's F(2x2, 3x3) serves with fewer multiply-adds (3x3 stride 1,
// and strided or wider kernels read as several 3x3 ones: see winograd.ts) take that route
// instead, with either family.
// Tensors too large to bind whole are processed in chunks of images.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { imageChunks, rangeBinding, rangeLimit } from './range-binding.ts';
import { check, checkTensor, fail, groupsFor, shapeString } from './util.ts';
import { winogradConvolution, winogradRoute } from './winograd.ts';
import {
  checkShapeIs,
  conv2dGeometry,
  convTranspose2dGeometry,
  outputShape,
  type ConvAttrs,
  type ConvGeometry,
  type ConvTransposeAttrs,
  type WeightLayout,
  weightStrides,
} from './conv-geometry.ts';

export type { ConvAttrs, ConvTransposeAttrs, ConvGeometry } from './conv-geometry.ts';

// The shaders' default workgroup size. Small: a thread does much work, and on a CPU driver each
// workgroup runs on one core, so many small workgroups spread a layer of few tiles evenly.
const WG = 16;
/** Output channels per thread (the kernels' mat4x4 accumulators). */
const BLOCK = 16;
/** Output pixels per thread in conv2d.wgsl and conv-transpose2d.wgsl. */
const PIXELS = 16;
/** Weight entries per thread in conv2d-weight-grad.wgsl. */
const ENTRIES = 16;
/** Threads a weight-gradient dispatch aims for at least, splitting its sum over pixels into slices. */
const WEIGHT_GRAD_THREADS = 256;
/** Fewest output pixels a weight-gradient slice sums, so that its partial is worth writing. */
const MIN_SLICE_PIXELS = 256;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The same convolution seen from the other side: its output map as the input and vice versa. */
function swapSides(g: ConvGeometry): ConvGeometry {
  return { ...g, inC: g.outC, inH: g.outH, inW: g.outW, outC: g.inC, outH: g.inH, outW: g.inW };
}

/** Repacks w for conv2d.wgsl / conv-transpose2d.wgsl (see conv2d-pack-weights.wgsl). */
function packWeights(engine: Engine, w: Tensor, groups: number, layout: WeightLayout): Tensor {
  const { taps, groupO, groupI, strideGroup, strideO, strideI } = weightStrides(w, groups, layout);
  const blocks = Math.ceil(groupO / BLOCK);
  const total = groups * blocks * taps * groupI * BLOCK;
  const packed = engine.empty([total]);
  engine.run('conv2d-pack-weights', {
    bindings: { w, packed },
    uniforms: { total, blocks, taps, groupO, groupI, strideGroup, strideO, strideI, flip: layout.flip ? 1 : 0 },
    workgroups: groupsFor(total, 256),
  });
  return packed;
}

/** Output channels and pixels per workgroup of conv2d-tiled.wgsl. */
const GPU_TILE = 64;

/**
 * A direct convolution of x with weights w (read in place through `layout`) into a new tensor:
 * Winograd where it saves work (winograd.ts), else conv2d.wgsl on repacked weights on a CPU
 * driver and conv2d-tiled.wgsl on a GPU.
 */
function directConvolution(engine: Engine, op: string, x: Tensor, w: Tensor, layout: WeightLayout, bias: Tensor | null, g: ConvGeometry): Tensor {
  const winograd = winogradRoute(engine, w, layout, g);
  if (winograd) return winogradConvolution(engine, op, x, w, bias, winograd);
  if (engine.tuning === 'cpu') {
    const packed = packWeights(engine, w, g.group, layout);
    const y = convolve(engine, op, 'direct', x, packed, bias, g);
    packed.dispose();
    return y;
  }
  const y = engine.empty(outputShape(g));
  const xPer = g.inC * g.inH * g.inW;
  const yPer = g.outC * g.outH * g.outW;
  const strides = weightStrides(w, g.group, layout);
  // Pixels of a chunk go along the grid's x dimension, at most maxComputeWorkgroupsPerDimension.
  const maxPixels = engine.limits.maxComputeWorkgroupsPerDimension * GPU_TILE;
  if (g.outH * g.outW > maxPixels) fail(op, `an output map of ${g.outH}x${g.outW} pixels is more than one dispatch covers (${maxPixels})`);
  const { groups: _groups, blocks: _blocks, ...geometry } = convUniforms(g);
  for (const { first, count } of imageChunks(engine, op, g.n, [xPer, yPer], Math.floor(maxPixels / (g.outH * g.outW)))) {
    const xr = rangeBinding(engine, x, first * xPer, count * xPer);
    const yr = rangeBinding(engine, y, first * yPer, count * yPer);
    const pixels = count * g.outH * g.outW;
    engine.run('conv2d-tiled', {
      bindings: { x: xr.binding, w, bias: bias ?? w, y: yr.binding },
      uniforms: {
        ...geometry, pixels,
        wGroup: strides.strideGroup, wOut: strides.strideO, wIn: strides.strideI, flip: layout.flip ? 1 : 0,
        hasBias: bias ? 1 : 0, xSkip: xr.skip, ySkip: yr.skip,
      },
      workgroups: [Math.ceil(pixels / GPU_TILE), Math.ceil(g.outC / g.group / GPU_TILE), g.group],
    });
  }
  return y;
}

/** The uniforms every convolution kernel takes: the geometry. */
function convUniforms(g: ConvGeometry) {
  return {
    C: g.inC, H: g.inH, W: g.inW,
    M: g.outC, Ho: g.outH, Wo: g.outW,
    kH: g.kH, kW: g.kW,
    strideH: g.strides[0], strideW: g.strides[1],
    padTop: g.pads[0], padLeft: g.pads[1],
    dilationH: g.dilations[0], dilationW: g.dilations[1],
    groups: g.group,
    groupC: g.inC / g.group,
    groupM: g.outC / g.group,
    blocks: Math.ceil(g.outC / g.group / BLOCK),
  };
}

/** Runs conv2d.wgsl ('direct') or conv-transpose2d.wgsl ('transposed') from x into a new tensor. */
function convolve(engine: Engine, op: string, kind: 'direct' | 'transposed', x: Tensor, packed: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const y = engine.empty(outputShape(g));
  const xPer = g.inC * g.inH * g.inW;
  const yPer = g.outC * g.outH * g.outW;
  for (const { first, count } of imageChunks(engine, op, g.n, [xPer, yPer])) {
    const xr = rangeBinding(engine, x, first * xPer, count * xPer);
    const yr = rangeBinding(engine, y, first * yPer, count * yPer);
    const common = convUniforms(g);
    const perImage = g.group * common.blocks;
    let shape;
    if (kind === 'direct') {
      const tiles = Math.ceil((g.outH * g.outW) / PIXELS);
      shape = { tiles, threads: count * perImage * tiles };
    } else {
      const classH = Math.ceil(g.outH / g.strides[0]);
      const classW = Math.ceil(g.outW / g.strides[1]);
      const tiles = Math.ceil((classH * classW) / PIXELS);
      // The taps reaching one residue class come every stride / gcd(stride, dilation) taps.
      const [tapStepH, tapStepW] = [0, 1].map((i) => g.strides[i] / gcd(g.strides[i], g.dilations[i]));
      const taps = { tapStepH, tapStepW, shiftStepH: (tapStepH * g.dilations[0]) / g.strides[0], shiftStepW: (tapStepW * g.dilations[1]) / g.strides[1] };
      shape = { ...taps, classH, classW, tiles, threads: count * perImage * g.strides[0] * g.strides[1] * tiles };
    }
    engine.run(kind === 'direct' ? 'conv2d' : 'conv-transpose2d', {
      // Without a bias the kernel reads none, but the binding must still be given.
      bindings: { x: xr.binding, w: packed, bias: bias ?? packed, y: yr.binding },
      uniforms: { ...common, ...shape, hasBias: bias ? 1 : 0, xSkip: xr.skip, ySkip: yr.skip },
      workgroups: groupsFor(shape.threads, WG),
    });
  }
  return y;
}

/**
 * A transposed convolution (ConvTranspose, or Conv's input gradient seen from dy) from x, with
 * weights w laid out IOHW-wise (reduction channels first). With stride 1 it is a direct
 * convolution with the taps reversed and the pads mirrored, and conv2d.wgsl is the faster kernel.
 */
function transposedConvolution(engine: Engine, op: string, x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  if (g.strides[0] === 1 && g.strides[1] === 1) {
    const [reachH, reachW] = [(g.kH - 1) * g.dilations[0], (g.kW - 1) * g.dilations[1]];
    const mirrored: ConvGeometry = { ...g, pads: [reachH - g.pads[0], reachW - g.pads[1], reachH - g.pads[2], reachW - g.pads[3]] };
    return directConvolution(engine, op, x, w, { outputFirst: false, flip: true }, bias, mirrored);
  }
  const packed = packWeights(engine, w, g.group, { outputFirst: false, flip: false });
  const y = convolve(engine, op, 'transposed', x, packed, bias, g);
  packed.dispose();
  return y;
}

/**
 * dw [outC, inC / group, kH, kW] = sum over images and output pixels of dy[out side] * x[in side],
 * for the convolution g (x on its input side, dy on its output side). The sum over the output
 * pixels is split into slices (partial weights, summed afterwards) so that the dispatch has enough
 * threads: conv2d-weight-grad.wgsl on a CPU driver, conv2d-weight-grad-tiled.wgsl on a GPU.
 */
function weightGradient(engine: Engine, op: string, x: Tensor, dy: Tensor, g: ConvGeometry, wShape: readonly number[]): Tensor {
  return engine.tuning === 'gpu'
    ? slicedWeightGradient(engine, op, x, dy, g, wShape, tiledWeightGradKernel(engine, g))
    : slicedWeightGradient(engine, op, x, dy, g, wShape, registerWeightGradKernel(engine, g));
}

/** weightGradient with one kernel: the chunks of images, their slices, and the sum of the partials. */
function slicedWeightGradient<P extends { slices: number }>(engine: Engine, op: string, x: Tensor, dy: Tensor, g: ConvGeometry, wShape: readonly number[], kernel: WeightGradKernel<P>): Tensor {
  const xPer = g.inC * g.inH * g.inW;
  const dyPer = g.outC * g.outH * g.outW;
  const size = g.outC * (g.inC / g.group) * g.kH * g.kW;
  // Each slice's partial weights must fit one binding, as must x and dy for each chunk of images.
  const fit = Math.floor(rangeLimit(engine) / size);
  if (fit < 1) fail(op, `the weights (${size} elements) are larger than a storage binding may be (maxStorageBufferBindingSize ${engine.limits.maxStorageBufferBindingSize} bytes)`);
  const plans = imageChunks(engine, op, g.n, [xPer, dyPer]).map((chunk) => ({ ...chunk, ...kernel.plan(chunk.count, fit) }));
  const totalSlices = plans.reduce((s, p) => s + p.slices, 0);
  const partial = engine.empty(totalSlices === 1 ? wShape : [totalSlices, size]);
  let slice = 0;
  for (const plan of plans) {
    const xr = rangeBinding(engine, x, plan.first * xPer, plan.count * xPer);
    const dyr = rangeBinding(engine, dy, plan.first * dyPer, plan.count * dyPer);
    const out = rangeBinding(engine, partial, slice * size, plan.slices * size);
    kernel.run(plan, { x: xr.binding, dy: dyr.binding, partial: out.binding }, { xSkip: xr.skip, dySkip: dyr.skip, outBase: out.skip });
    slice += plan.slices;
  }
  if (totalSlices === 1) return partial;
  const sum = engine.ops.channelSum(partial);
  partial.dispose();
  const dw = sum.reshape([...wShape]);
  sum.dispose();
  return dw;
}

/** How one weight-gradient kernel slices a chunk of `images` images, and records a chunk's dispatch. */
interface WeightGradKernel<P extends { slices: number }> {
  /** The slices of a chunk, at most `fit` of them (each slice's partial weights are bound with the chunk's). */
  plan(images: number, fit: number): P;
  run(plan: P, bindings: Record<'x' | 'dy' | 'partial', Binding>, skips: { xSkip: number; dySkip: number; outBase: number }): void;
}

/** conv2d-weight-grad.wgsl: a thread per 16 channels x 16 entries, slices of whole output rows. */
function registerWeightGradKernel(engine: Engine, g: ConvGeometry): WeightGradKernel<{ slices: number; rows: number; rowsPerSlice: number }> {
  const entries = (g.inC / g.group) * g.kH * g.kW;
  const tapTiles = Math.ceil(entries / ENTRIES);
  const threadsPerSlice = g.group * Math.ceil(g.outC / g.group / BLOCK) * tapTiles;
  return {
    plan(images, fit) {
      const rows = images * g.outH;
      const wanted = Math.min(Math.ceil(WEIGHT_GRAD_THREADS / threadsPerSlice), Math.ceil((rows * g.outW) / MIN_SLICE_PIXELS), fit);
      const rowsPerSlice = Math.ceil(rows / Math.max(1, wanted));
      return { rows, rowsPerSlice, slices: Math.ceil(rows / rowsPerSlice) };
    },
    run(plan, bindings, skips) {
      const threads = plan.slices * threadsPerSlice;
      engine.run('conv2d-weight-grad', {
        bindings,
        uniforms: { ...convUniforms(g), tapTiles, rows: plan.rows, rowsPerSlice: plan.rowsPerSlice, threads, ...skips },
        workgroups: groupsFor(threads, WG),
      });
    },
  };
}

/** Workgroups a GPU weight-gradient dispatch aims for at least, splitting its pixels into slices. */
const GPU_WEIGHT_GRAD_WORKGROUPS = 256;
/** Fewest output pixels a GPU weight-gradient slice sums. */
const GPU_MIN_SLICE_PIXELS = 1024;

/** conv2d-weight-grad-tiled.wgsl: a workgroup per 64 channels x 64 entries, slices of output pixels. */
function tiledWeightGradKernel(engine: Engine, g: ConvGeometry): WeightGradKernel<{ slices: number; pixels: number; slicePixels: number }> {
  const entries = (g.inC / g.group) * g.kH * g.kW;
  const grid = [Math.ceil(entries / GPU_TILE), Math.ceil(g.outC / g.group / GPU_TILE)];
  const workgroupsPerSlice = grid[0] * grid[1] * g.group;
  const { blocks: _blocks, ...geometry } = convUniforms(g);
  return {
    plan(images, fit) {
      const pixels = images * g.outH * g.outW;
      const wanted = Math.min(
        Math.ceil(GPU_WEIGHT_GRAD_WORKGROUPS / workgroupsPerSlice),
        Math.ceil(pixels / GPU_MIN_SLICE_PIXELS),
        fit,
        Math.floor(engine.limits.maxComputeWorkgroupsPerDimension / g.group), // slices x groups go along z
      );
      const slicePixels = Math.ceil(pixels / Math.max(1, wanted));
      return { pixels, slicePixels, slices: Math.ceil(pixels / slicePixels) };
    },
    run(plan, bindings, skips) {
      engine.run('conv2d-weight-grad-tiled', {
        bindings,
        uniforms: { ...geometry, pixels: plan.pixels, slicePixels: plan.slicePixels, ...skips },
        workgroups: [grid[0], grid[1], g.group * plan.slices],
      });
    },
  };
}

function checkBias(op: string, b: Tensor | null | undefined, channels: number): Tensor | null {
  if (b === undefined || b === null) return null;
  checkTensor(op, 'b', b);
  check(op, b.shape.length === 1 && b.shape[0] === channels, () => `b ${shapeString(b.shape)} must be [${channels}] (one per output channel)`);
  return b;
}

export function convOps(engine: Engine) {
  return {
    /** ONNX Conv: x [N, C, H, W], w [M, C / group, kH, kW], b? [M] -> [N, M, Ho, Wo]. */
    conv2d(x: Tensor, w: Tensor, b?: Tensor | null, attrs: ConvAttrs = {}): Tensor {
      const op = 'conv2d';
      checkTensor(op, 'x', x, 4);
      checkTensor(op, 'w', w, 4);
      const g = conv2dGeometry(op, x.shape, w.shape, attrs);
      const bias = checkBias(op, b, g.outC);
      return engine.scoped(op, () => directConvolution(engine, op, x, w, { outputFirst: true, flip: false }, bias, g));
    },

    /** ONNX ConvTranspose: x [N, C, H, W], w [C, M / group, kH, kW], b? [M] -> [N, M, Ho, Wo]. */
    convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, attrs: ConvTransposeAttrs = {}): Tensor {
      const op = 'convTranspose2d';
      checkTensor(op, 'x', x, 4);
      checkTensor(op, 'w', w, 4);
      const g = convTranspose2dGeometry(op, x.shape, w.shape, attrs);
      const bias = checkBias(op, b, g.outC);
      return engine.scoped(op, () => transposedConvolution(engine, op, x, w, bias, g));
    },
  };
}

export function convGrads(engine: Engine) {
  return {
    /** dx of conv2d: the transposed convolution of dy [N, M, Ho, Wo] with w -> [N, C, H, W] = xShape. */
    conv2dInput(dy: Tensor, w: Tensor, xShape: readonly number[], attrs: ConvAttrs = {}): Tensor {
      const op = 'conv2dInput';
      checkTensor(op, 'dy', dy, 4);
      checkTensor(op, 'w', w, 4);
      const g = conv2dGeometry(op, xShape, w.shape, attrs);
      checkShapeIs(op, 'dy', dy.shape, outputShape(g), `conv2d's output for x ${shapeString(xShape)} and w ${shapeString(w.shape)}`);
      return engine.scoped(op, () => transposedConvolution(engine, op, dy, w, null, swapSides(g)));
    },

    /** dw of conv2d: [M, C / group, kH, kW] = wShape, from x and dy. */
    conv2dWeight(x: Tensor, dy: Tensor, wShape: readonly number[], attrs: ConvAttrs = {}): Tensor {
      const op = 'conv2dWeight';
      checkTensor(op, 'x', x, 4);
      checkTensor(op, 'dy', dy, 4);
      const g = conv2dGeometry(op, x.shape, wShape, attrs);
      checkShapeIs(op, 'dy', dy.shape, outputShape(g), `conv2d's output for x ${shapeString(x.shape)} and w ${shapeString(wShape)}`);
      return engine.scoped(op, () => weightGradient(engine, op, x, dy, g, wShape));
    },

    /** db of conv2d or convTranspose2d: dy [N, M, H, W] summed over N, H and W -> [M]. */
    conv2dBias(dy: Tensor): Tensor {
      checkTensor('conv2dBias', 'dy', dy, 4);
      return engine.ops.channelSum(dy);
    },

    /** dx of convTranspose2d: the convolution of dy [N, M, Ho, Wo] with w -> [N, C, H, W] = xShape. */
    convTranspose2dInput(dy: Tensor, w: Tensor, xShape: readonly number[], attrs: ConvTransposeAttrs = {}): Tensor {
      const op = 'convTranspose2dInput';
      checkTensor(op, 'dy', dy, 4);
      checkTensor(op, 'w', w, 4);
      const g = convTranspose2dGeometry(op, xShape, w.shape, attrs);
      checkShapeIs(op, 'dy', dy.shape, outputShape(g), `convTranspose2d's output for x ${shapeString(xShape)} and w ${shapeString(w.shape)}`);
      return engine.scoped(op, () => directConvolution(engine, op, dy, w, { outputFirst: true, flip: false }, null, swapSides(g)));
    },

    /** dw of convTranspose2d: [C, M / group, kH, kW] = wShape, from x and dy. */
    convTranspose2dWeight(x: Tensor, dy: Tensor, wShape: readonly number[], attrs: ConvTransposeAttrs = {}): Tensor {
      const op = 'convTranspose2dWeight';
      checkTensor(op, 'x', x, 4);
      checkTensor(op, 'dy', dy, 4);
      const g = convTranspose2dGeometry(op, x.shape, wShape, attrs);
      checkShapeIs(op, 'dy', dy.shape, outputShape(g), `convTranspose2d's output for x ${shapeString(x.shape)} and w ${shapeString(wShape)}`);
      // Seen from dy's side, ConvTranspose is a Conv from dy to x: its weight gradient is conv2d's.
      return engine.scoped(op, () => weightGradient(engine, op, dy, x, swapSides(g), wShape));
    },
  };
}
