// CPU references for Conv and ConvTranspose (ONNX, 2-D, NCHW) and their gradients: the living
// definition the GPU kernels are tested against. Plain loops, float64 throughout.
//
// Both operators are bilinear: y[yi] += x[xi] * w[wi] over a set of (xi, wi, yi) index triples.
// The forward op sums those products; each gradient is the product rule on the same triples
// (dx[xi] += dy[yi] * w[wi], dw[wi] += dy[yi] * x[xi]).

import { conv2dGeometry, convTranspose2dGeometry, type ConvAttrs, type ConvGeometry, type ConvTransposeAttrs } from '../ops/conv-geometry.ts';

type Shape = readonly number[];
type Visit = (xi: number, wi: number, yi: number) => void;
export interface Result {
  data: Float64Array;
  shape: number[];
}

const size = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/**
 * Conv's triples: output pixel (oy, ox) of channel m reads input pixel
 * (oy * sH - padTop + ky * dH, ox * sW - padLeft + kx * dW) of every channel c in m's group,
 * with weight w[m, c, ky, kx]; taps that fall in the padding read zero (no triple).
 */
function forEachConvTap(g: ConvGeometry, visit: Visit): void {
  const cg = g.inC / g.group;
  const mg = g.outC / g.group;
  for (let n = 0; n < g.n; n++) {
    for (let m = 0; m < g.outC; m++) {
      const group = Math.floor(m / mg);
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          const yi = ((n * g.outC + m) * g.outH + oy) * g.outW + ox;
          for (let c = 0; c < cg; c++) {
            for (let ky = 0; ky < g.kH; ky++) {
              const iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0];
              if (iy < 0 || iy >= g.inH) continue;
              for (let kx = 0; kx < g.kW; kx++) {
                const ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1];
                if (ix < 0 || ix >= g.inW) continue;
                const xi = ((n * g.inC + group * cg + c) * g.inH + iy) * g.inW + ix;
                const wi = ((m * cg + c) * g.kH + ky) * g.kW + kx;
                visit(xi, wi, yi);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * ConvTranspose's triples: input pixel (iy, ix) of channel c sends x * w[c, m, ky, kx] to output
 * pixel (iy * sH - padTop + ky * dH, ix * sW - padLeft + kx * dW) of every channel m in c's group;
 * contributions that land outside the output are dropped.
 */
function forEachTransposedTap(g: ConvGeometry, visit: Visit): void {
  const cg = g.inC / g.group;
  const mg = g.outC / g.group;
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.inC; c++) {
      const group = Math.floor(c / cg);
      for (let iy = 0; iy < g.inH; iy++) {
        for (let ix = 0; ix < g.inW; ix++) {
          const xi = ((n * g.inC + c) * g.inH + iy) * g.inW + ix;
          for (let m = 0; m < mg; m++) {
            for (let ky = 0; ky < g.kH; ky++) {
              const oy = iy * g.strides[0] - g.pads[0] + ky * g.dilations[0];
              if (oy < 0 || oy >= g.outH) continue;
              for (let kx = 0; kx < g.kW; kx++) {
                const ox = ix * g.strides[1] - g.pads[1] + kx * g.dilations[1];
                if (ox < 0 || ox >= g.outW) continue;
                const yi = ((n * g.outC + group * mg + m) * g.outH + oy) * g.outW + ox;
                const wi = ((c * mg + m) * g.kH + ky) * g.kW + kx;
                visit(xi, wi, yi);
              }
            }
          }
        }
      }
    }
  }
}

function outputOf(g: ConvGeometry, bias: ArrayLike<number> | null | undefined): Result {
  const shape = [g.n, g.outC, g.outH, g.outW];
  const data = new Float64Array(size(shape));
  if (bias) {
    const plane = g.outH * g.outW;
    for (let i = 0; i < data.length; i++) data[i] = bias[Math.floor(i / plane) % g.outC];
  }
  return { data, shape };
}

/** ONNX Conv: x [N, C, H, W], w [M, C / group, kH, kW], b? [M] -> y [N, M, Ho, Wo]. */
export function conv2d(x: ArrayLike<number>, xShape: Shape, w: ArrayLike<number>, wShape: Shape, b?: ArrayLike<number> | null, attrs: ConvAttrs = {}): Result {
  const g = conv2dGeometry('conv2d', xShape, wShape, attrs);
  const y = outputOf(g, b);
  forEachConvTap(g, (xi, wi, yi) => (y.data[yi] += x[xi] * w[wi]));
  return y;
}

/** ONNX ConvTranspose: x [N, C, H, W], w [C, M / group, kH, kW], b? [M] -> y [N, M, Ho, Wo]. */
export function convTranspose2d(x: ArrayLike<number>, xShape: Shape, w: ArrayLike<number>, wShape: Shape, b?: ArrayLike<number> | null, attrs: ConvTransposeAttrs = {}): Result {
  const g = convTranspose2dGeometry('convTranspose2d', xShape, wShape, attrs);
  const y = outputOf(g, b);
  forEachTransposedTap(g, (xi, wi, yi) => (y.data[yi] += x[xi] * w[wi]));
  return y;
}

/** The gradient of sum(dy * conv2d(x, w)) with respect to x. */
export function conv2dInput(dy: ArrayLike<number>, w: ArrayLike<number>, wShape: Shape, xShape: Shape, attrs: ConvAttrs = {}): Result {
  const g = conv2dGeometry('conv2dInput', xShape, wShape, attrs);
  const dx = new Float64Array(size(xShape));
  forEachConvTap(g, (xi, wi, yi) => (dx[xi] += dy[yi] * w[wi]));
  return { data: dx, shape: [...xShape] };
}

/** The gradient of sum(dy * conv2d(x, w)) with respect to w. */
export function conv2dWeight(x: ArrayLike<number>, xShape: Shape, dy: ArrayLike<number>, wShape: Shape, attrs: ConvAttrs = {}): Result {
  const g = conv2dGeometry('conv2dWeight', xShape, wShape, attrs);
  const dw = new Float64Array(size(wShape));
  forEachConvTap(g, (xi, wi, yi) => (dw[wi] += dy[yi] * x[xi]));
  return { data: dw, shape: [...wShape] };
}

/** The gradient of sum(dy * (y + b)) with respect to b, for dy [N, M, H, W]: sum over N, H, W. */
export function conv2dBias(dy: ArrayLike<number>, dyShape: Shape): Result {
  const [n, m, h, w] = dyShape;
  const db = new Float64Array(m);
  for (let i = 0; i < n * m * h * w; i++) db[Math.floor(i / (h * w)) % m] += dy[i];
  return { data: db, shape: [m] };
}

/** The gradient of sum(dy * convTranspose2d(x, w)) with respect to x. */
export function convTranspose2dInput(dy: ArrayLike<number>, w: ArrayLike<number>, wShape: Shape, xShape: Shape, attrs: ConvTransposeAttrs = {}): Result {
  const g = convTranspose2dGeometry('convTranspose2dInput', xShape, wShape, attrs);
  const dx = new Float64Array(size(xShape));
  forEachTransposedTap(g, (xi, wi, yi) => (dx[xi] += dy[yi] * w[wi]));
  return { data: dx, shape: [...xShape] };
}

/** The gradient of sum(dy * convTranspose2d(x, w)) with respect to w. */
export function convTranspose2dWeight(x: ArrayLike<number>, xShape: Shape, dy: ArrayLike<number>, wShape: Shape, attrs: ConvTransposeAttrs = {}): Result {
  const g = convTranspose2dGeometry('convTranspose2dWeight', xShape, wShape, attrs);
  const dw = new Float64Array(size(wShape));
  forEachTransposedTap(g, (xi, wi, yi) => (dw[wi] += dy[yi] * x[xi]));
  return { data: dw, shape: [...wShape] };
}
