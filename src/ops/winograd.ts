// 3x3 stride-1 convolutions by Winograd's minimal filtering, F(2x2, 3x3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). Each 2x2 tile of output pixels comes from
// a 4x4 patch of input: both the patch and the 3x3 weights are carried into a 16-component
// transform domain where the convolution is an elementwise product, so a tile costs 16
// multiply-adds per channel pair instead of 36. Four kernels:
//   winograd-weights.wgsl  U = G g G^T, per (output, reduction) channel pair
//   winograd-input.wgsl    V = B^T d B, per input channel and tile
//   winograd-product.wgsl  16 matrix products over the reduction channels (the bulk of the work)
//   winograd-output.wgsl   Y = A^T M A, plus the bias
// Used on CPU drivers (engine.tuning 'cpu'), which are bound by arithmetic; the transforms add
// memory traffic (V and M are 4x the input and output), which is cheap there by comparison.
// The result differs from a direct convolution by rounding only (the transforms' coefficients
// are 0, +-1 and 1/2).

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { outputShape, weightStrides, type ConvGeometry, type WeightLayout } from './conv-geometry.ts';
import { imageChunks, rangeBinding, rangeLimit } from './range-binding.ts';
import { groupsFor } from './util.ts';

/** Output channels per thread of the product, and tiles (2x2 output pixels) per thread. */
const BLOCK = 16;
const TILES = 16;
/** Components of the transform domain: 4 x 4. */
const COMPONENTS = 16;
/**
 * Fewest reduction channels per group worth the transforms: with fewer (an RGB image, a
 * depthwise convolution) the product is too short to pay for writing and reading V and M.
 */
const MIN_REDUCTION_CHANNELS = 8;

/** Sizes of the transformed tensors for geometry g. */
function winogradSizes(g: ConvGeometry) {
  const tilesW = Math.ceil(g.outW / 2);
  const tiles = Math.ceil(g.outH / 2) * tilesW;
  const paddedTiles = Math.ceil(tiles / TILES) * TILES;
  return { tilesW, tiles, paddedTiles, vPer: COMPONENTS * g.inC * paddedTiles, mPer: COMPONENTS * g.outC * paddedTiles };
}

/** Whether convolution g (read as a direct convolution) is one Winograd F(2x2, 3x3) serves well. */
export function winogradApplies(engine: Engine, g: ConvGeometry): boolean {
  if (engine.tuning !== 'cpu') return false;
  if (g.kH !== 3 || g.kW !== 3) return false;
  if (g.strides.some((s) => s !== 1) || g.dilations.some((d) => d !== 1)) return false;
  if (g.inC / g.group < MIN_REDUCTION_CHANNELS) return false;
  // One image's transformed input and products must each fit a binding.
  const { vPer, mPer } = winogradSizes(g);
  return Math.max(vPer, mPer) <= rangeLimit(engine);
}

/** The direct convolution g of x with weights w (read through `layout`), by Winograd F(2x2, 3x3). */
export function winogradConvolution(engine: Engine, op: string, x: Tensor, w: Tensor, layout: WeightLayout, bias: Tensor | null, g: ConvGeometry): Tensor {
  const { tilesW, tiles, paddedTiles, vPer, mPer } = winogradSizes(g);
  const strides = weightStrides(w, g.group, layout);
  const blocks = Math.ceil(strides.groupO / BLOCK);

  const u = engine.empty([g.group * blocks * COMPONENTS * strides.groupI * BLOCK]);
  const weightThreads = g.group * blocks * strides.groupI * BLOCK;
  engine.run('winograd-weights', {
    bindings: { w, u },
    uniforms: {
      total: weightThreads, blocks, groupO: strides.groupO, groupI: strides.groupI,
      strideGroup: strides.strideGroup, strideO: strides.strideO, strideI: strides.strideI, flip: layout.flip ? 1 : 0,
    },
    workgroups: groupsFor(weightThreads, 256),
  });

  const y = engine.empty(outputShape(g));
  const xPer = g.inC * g.inH * g.inW;
  const yPer = g.outC * g.outH * g.outW;
  for (const { first, count } of imageChunks(engine, op, g.n, [xPer, yPer, vPer, mPer])) {
    const xr = rangeBinding(engine, x, first * xPer, count * xPer);
    const yr = rangeBinding(engine, y, first * yPer, count * yPer);

    const v = engine.empty([count * vPer]);
    const inputThreads = count * g.inC * paddedTiles;
    engine.run('winograd-input', {
      bindings: { x: xr.binding, v },
      uniforms: { C: g.inC, H: g.inH, W: g.inW, padTop: g.pads[0], padLeft: g.pads[1], tilesW, tiles, paddedTiles, total: inputThreads, xSkip: xr.skip },
      workgroups: groupsFor(inputThreads, 64),
    });

    const m = engine.empty([count * mPer]);
    const productThreads = count * g.group * blocks * COMPONENTS * (paddedTiles / TILES);
    engine.run('winograd-product', {
      bindings: { u, v, m },
      uniforms: { C: g.inC, M: g.outC, groups: g.group, groupC: strides.groupI, groupM: strides.groupO, blocks, paddedTiles, threads: productThreads },
      workgroups: groupsFor(productThreads, 16),
    });
    v.dispose();

    const outputThreads = count * g.outC * tiles;
    engine.run('winograd-output', {
      // Without a bias the kernel reads none, but the binding must still be given.
      bindings: { m, bias: bias ?? u, y: yr.binding },
      uniforms: { M: g.outC, Ho: g.outH, Wo: g.outW, tilesW, tiles, paddedTiles, total: outputThreads, hasBias: bias ? 1 : 0, ySkip: yr.skip },
      workgroups: groupsFor(outputThreads, 64),
    });
    m.dispose();
  }
  u.dispose();
  return y;
}
