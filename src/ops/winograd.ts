// Convolutions by Winograd's minimal filtering, F(2x2, 3x3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). Each 2x2 tile of output pixels comes from
// a 4x4 patch of input: both the patch and the 3x3 weights are carried into a 16-component
// transform domain where the convolution is an elementwise product, so a tile costs 16
// multiply-adds per channel pair instead of 36. Four kernels:
//   winograd-weights.wgsl  U = G g G^T, per (output, reduction) channel pair
//   winograd-input.wgsl    V = B^T d B, per input channel and tile
//   winograd-product.wgsl  16 matrix products over the reduction channels (the bulk of the work)
//   winograd-output.wgsl   Y = A^T M A, plus the bias
// On CPU drivers (engine.tuning 'cpu'), bound by arithmetic, it pays for the transforms' memory
// traffic (V and M are 4x the input and output) wherever it saves enough multiply-adds. On a GPU
// the product is a workgroup-tiled matrix product (winograd-product-tiled.wgsl) and the whole
// beat the tiled direct kernel by 1.5-7x on an H200 wherever there are enough reduction channels.
// Other kernels are read as several 3x3 stride-1 ones ("views"), where that saves multiply-adds:
//   a stride s: output pixel o reads input s * o - pad + ky; writing ky = s * a + phase, the taps
//     of one phase form a stride-1 kernel of ceil(k / s) taps over the input's pixels s apart
//     (space to depth: AlexNet's 11x11 stride 4 becomes 16 views of 3x3 stride 1);
//   a kernel wider than 3 taps: pieces of 3 taps, each reading the input 3 pixels further on
//     (a 5x5 kernel becomes 4 views, its 6x6 padding zeros).
// A view is an extra reduction channel of the product, with zero weights past the real kernel.
// The transforms' coefficients are 0, +-1 and 1/2, so the result is as accurate as a direct
// convolution's. F(4x4, 3x3) (36 multiply-adds per 16 pixels) was tried and measured: its
// transforms (coefficients up to 8 and 1/24) cost a decimal digit of float32 accuracy, 10x the
// direct convolution's error, and their extra memory traffic ate most of its gain on SwiftShader.

import type { Binding, Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { outputShape, weightStrides, type ConvGeometry, type WeightLayout } from './conv-geometry.ts';
import { imageChunks, rangeBinding, rangeLimit } from './range-binding.ts';
import { groupsFor } from './util.ts';

/** Output channels per thread of the product, and tiles (2x2 output pixels) per thread. */
const BLOCK = 16;
const TILES = 16;
/** Output channels and tiles per workgroup of winograd-product-tiled.wgsl (the GPU family's). */
const GPU_TILE = 64;
/** Output pixels per tile side, and components of the transform domain: 4 x 4. */
const TILE_SIDE = 2;
const COMPONENTS = 16;
/**
 * Fewest reduction channels per group worth the transforms: with fewer (an RGB image, a
 * depthwise convolution) the product is too short to pay for writing and reading V and M.
 */
const MIN_REDUCTION_CHANNELS = 8;
/**
 * The same on a GPU, measured on an H200 against conv2d-tiled.wgsl (the direct kernel there):
 * with 24-48 reduction channels Winograd was 2.3-4.2x faster, with 16 1.5x at batch 1 but 0.8x at
 * batch 8 (SqueezeNet's fire2 expand3x3); with 64-384, 3.5-14x (VGG16, AlexNet conv3); the views of
 * AlexNet's 11x11/4 (48 channels) 1.5-2.2x, of its 5x5 1.6-5.7x.
 */
const MIN_GPU_REDUCTION_CHANNELS = 24;

/**
 * Multiply-adds per output pixel and real channel pair, as a share of the direct convolution's,
 * below which the views are worth their transforms. On SwiftShader the three transforms together
 * took 10-25% of the product's time on the bench's layers (the most for AlexNet's 11x11/4, 16
 * views of 3 channels); a 5x5 kernel (4 views: 64% of the direct work) still came out 1.3x faster.
 */
const MAX_WORK_SHARE = 0.75;

/** How convolution g is read as 3x3 stride-1 views, and the sizes of the transformed tensors. */
function winogradSizes(g: ConvGeometry) {
  const [strideH, strideW] = g.strides;
  const splitsH = Math.ceil(Math.ceil(g.kH / strideH) / 3);
  const splitsW = Math.ceil(Math.ceil(g.kW / strideW) / 3);
  const views = strideH * strideW * splitsH * splitsW;
  const tilesW = Math.ceil(g.outW / TILE_SIDE);
  const tiles = Math.ceil(g.outH / TILE_SIDE) * tilesW;
  const paddedTiles = Math.ceil(tiles / TILES) * TILES;
  return {
    strideH, strideW, splitsW, views, tilesW, tiles, paddedTiles,
    vPer: COMPONENTS * g.inC * views * paddedTiles,
    mPer: COMPONENTS * g.outC * paddedTiles,
  };
}

/**
 * The plan for convolution g (read as a direct convolution, with weights w read through `layout`)
 * by Winograd F(2x2, 3x3), or null where that does not serve it well.
 */
export function winogradRoute(engine: Engine, w: { shape: readonly number[] }, layout: WeightLayout, g: ConvGeometry): WinogradPlan | null {
  if (g.dilations.some((d) => d !== 1)) return null;
  const plan = winogradPlan(w, layout, g);
  // A tile of 4 pixels costs 16 multiply-adds per view and channel pair; directly, 4 kH kW.
  if (4 * plan.views > MAX_WORK_SHARE * g.kH * g.kW) return null;
  const minReduction = engine.tuning === 'gpu' ? MIN_GPU_REDUCTION_CHANNELS : MIN_REDUCTION_CHANNELS;
  if (plan.reduction < minReduction) return null;
  // One image's transformed input and products must each fit a binding.
  return Math.max(plan.vPer, plan.mPer) <= rangeLimit(engine) ? plan : null;
}

/** The direct convolution of x with weights w that `plan` (from winogradRoute) describes. */
export function winogradConvolution(engine: Engine, op: string, x: Tensor, w: Tensor, bias: Tensor | null, plan: WinogradPlan): Tensor {
  const { g } = plan;
  const u = transformWeights(engine, w, plan);
  const y = engine.empty(outputShape(g));
  const xPer = g.inC * g.inH * g.inW;
  const yPer = g.outC * g.outH * g.outW;
  // The GPU product's grid has a z of images x groups x 16 components.
  const maxImages = Math.floor(engine.limits.maxComputeWorkgroupsPerDimension / (g.group * COMPONENTS));
  for (const { first, count } of imageChunks(engine, op, g.n, [xPer, yPer, plan.vPer, plan.mPer], maxImages)) {
    const xr = rangeBinding(engine, x, first * xPer, count * xPer);
    const yr = rangeBinding(engine, y, first * yPer, count * yPer);
    const v = transformInput(engine, xr, count, plan);
    const m = multiply(engine, u, v, count, plan);
    v.dispose();
    transformOutput(engine, m, bias, yr, count, plan);
    m.dispose();
  }
  u.dispose();
  return y;
}

type WinogradPlan = ReturnType<typeof winogradPlan>;

/**
 * Everything the four kernels need to know of convolution g: the views and tiles, where the weights
 * lie in w (weightStrides: groupO output and groupI real reduction channels per group), and the
 * product's reduction channels per group (a view of each real one).
 */
export function winogradPlan(w: { shape: readonly number[] }, layout: WeightLayout, g: ConvGeometry) {
  const sizes = winogradSizes(g);
  const strides = weightStrides(w, g.group, layout);
  return { g, ...sizes, ...strides, reduction: strides.groupI * sizes.views, blocks: Math.ceil(strides.groupO / BLOCK), flip: layout.flip };
}

/** U: the weights in the transform domain, [group][block][reduction channel][component][16]. */
export function transformWeights(engine: Engine, w: Tensor, p: WinogradPlan): Tensor {
  const u = engine.empty([p.g.group * p.blocks * COMPONENTS * p.reduction * BLOCK]);
  const threads = p.g.group * p.blocks * p.reduction * (BLOCK / 4);
  engine.run('winograd-weights', {
    bindings: { w, u },
    uniforms: {
      total: threads, blocks: p.blocks, groupO: p.groupO, groupI: p.reduction, views: p.views,
      kH: p.g.kH, kW: p.g.kW, strideH: p.strideH, strideW: p.strideW, splitsW: p.splitsW,
      strideGroup: p.strideGroup, strideO: p.strideO, strideI: p.strideI, flip: p.flip ? 1 : 0,
    },
    workgroups: groupsFor(threads, 256),
  });
  return u;
}

/** V: `count` images of x (bound as xr) in the transform domain, [image][tile / 16][channel][component][tile % 16]. */
export function transformInput(engine: Engine, xr: { binding: Binding; skip: number }, count: number, p: WinogradPlan): Tensor {
  const { g } = p;
  const v = engine.empty([count * p.vPer]);
  const threads = count * g.inC * p.views * (p.paddedTiles / 4);
  engine.run('winograd-input', {
    bindings: { x: xr.binding, v },
    uniforms: {
      C: g.inC, H: g.inH, W: g.inW, padTop: g.pads[0], padLeft: g.pads[1],
      views: p.views, strideH: p.strideH, strideW: p.strideW, splitsW: p.splitsW,
      tilesW: p.tilesW, tiles: p.tiles, paddedTiles: p.paddedTiles, total: threads, xSkip: xr.skip,
    },
    workgroups: groupsFor(threads, 64),
  });
  return v;
}

/**
 * M = U V for each component: [image][tile / 16][output channel][component][tile % 16].
 * winograd-product.wgsl (register tiles) on a CPU driver, winograd-product-tiled.wgsl (workgroup
 * tiles, as gemm-tiled.wgsl) on a GPU.
 */
export function multiply(engine: Engine, u: Tensor, v: Tensor, count: number, p: WinogradPlan): Tensor {
  const { g } = p;
  const m = engine.empty([count * p.mPer]);
  const threads = count * g.group * p.blocks * COMPONENTS * (p.paddedTiles / TILES);
  const uniforms = { C: g.inC * p.views, M: g.outC, groups: g.group, groupC: p.reduction, groupM: p.groupO, blocks: p.blocks, paddedTiles: p.paddedTiles, threads };
  if (engine.tuning === 'gpu') {
    engine.run('winograd-product-tiled', {
      bindings: { u, v, m },
      uniforms,
      workgroups: [Math.ceil(p.paddedTiles / GPU_TILE), Math.ceil(p.groupO / GPU_TILE), count * g.group * COMPONENTS],
    });
  } else {
    engine.run('winograd-product', { bindings: { u, v, m }, uniforms, workgroups: groupsFor(threads, 16) });
  }
  return m;
}

/** y (bound as yr) = the output tiles of M, plus the bias if any. */
export function transformOutput(engine: Engine, m: Tensor, bias: Tensor | null, yr: { binding: Binding; skip: number }, count: number, p: WinogradPlan): void {
  const { g } = p;
  const threads = count * g.outC * (p.paddedTiles / 4);
  engine.run('winograd-output', {
    // Without a bias the kernel reads none, but the binding must still be given.
    bindings: { m, bias: bias ?? m, y: yr.binding },
    uniforms: { M: g.outC, Ho: g.outH, Wo: g.outW, tilesW: p.tilesW, tiles: p.tiles, paddedTiles: p.paddedTiles, total: threads, hasBias: bias ? 1 : 0, ySkip: yr.skip },
    workgroups: groupsFor(threads, 64),
  });
}
