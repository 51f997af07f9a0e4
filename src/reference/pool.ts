// CPU references for pooling and unpooling (the living definition the GPU kernels are tested
// against). Plain loops over NCHW float arrays; sums are accumulated in float64 (JS numbers).
// Forward ops loop over the windows; backward ops and unpooling are written as the scatters they
// mathematically are (each window sends its gradient to its taps), while the GPU gathers.

import { poolGeometry, tapCount, type AvgPoolAttrs, type PoolAttrs, type PoolGeometry } from '../ops/pool-geometry.ts';

type Shape = readonly number[];

/** Calls visit(p, oh, ow, taps) for every window, taps being the flat indices of its in-input taps in scan order. */
function forEachWindow(g: PoolGeometry, visit: (p: number, oh: number, ow: number, taps: number[]) => void): void {
  for (let p = 0; p < g.n * g.c; p++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const taps: number[] = [];
        for (let kh = 0; kh < g.kH; kh++) {
          const h = oh * g.sH - g.padT + kh * g.dH;
          if (h < 0 || h >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const w = ow * g.sW - g.padL + kw * g.dW;
            if (w < 0 || w >= g.inW) continue;
            taps.push((p * g.inH + h) * g.inW + w);
          }
        }
        visit(p, oh, ow, taps);
      }
    }
  }
}

function outIndex(g: PoolGeometry, p: number, oh: number, ow: number): number {
  return (p * g.outH + oh) * g.outW + ow;
}

/** MaxPool with Indices: the first maximum of each window (padding never wins). */
export function maxPool2d(x: ArrayLike<number>, xShape: Shape, attrs: PoolAttrs): { y: Float32Array; switches: Int32Array; shape: number[] } {
  const g = poolGeometry('maxPool2d', xShape, attrs);
  const size = g.n * g.c * g.outH * g.outW;
  const y = new Float32Array(size);
  const switches = new Int32Array(size);
  forEachWindow(g, (p, oh, ow, taps) => {
    let arg = taps[0];
    for (const t of taps) if (x[t] > x[arg]) arg = t;
    y[outIndex(g, p, oh, ow)] = x[arg];
    switches[outIndex(g, p, oh, ow)] = arg;
  });
  return { y, switches, shape: [g.n, g.c, g.outH, g.outW] };
}

/**
 * MaxUnpool: out[switches[i]] = y[i] in a tensor of outShape, zeros elsewhere (ONNX's definition,
 * a scatter; where two windows chose the same element the later one in NCHW order wins).
 */
export function maxUnpool2d(y: ArrayLike<number>, switches: ArrayLike<number>, yShape: Shape, outShape: Shape): Float32Array {
  if (y.length !== switches.length || y.length !== yShape.reduce((a, b) => a * b, 1)) throw new Error('maxUnpool2d reference: y and switches must both fill yShape');
  const out = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < y.length; i++) out[switches[i]] = y[i];
  return out;
}

/** dx of max-pool: each window's gradient goes to its maximum; an element that is the maximum of several windows sums them. */
export function maxPool2dBackward(dy: ArrayLike<number>, switches: ArrayLike<number>, xShape: Shape): Float32Array {
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < dy.length; i++) dx[switches[i]] += dy[i];
  return Float32Array.from(dx);
}

/** The divisor of window (oh, ow): its taps inside the input, or inside the padded input with countIncludePad. */
function windowCount(g: PoolGeometry, oh: number, ow: number, includePad: boolean): number {
  const [top, left, bottom, right] = includePad ? [-g.padT, -g.padL, g.inH + g.padB, g.inW + g.padR] : [0, 0, g.inH, g.inW];
  return tapCount(oh * g.sH - g.padT, g.kH, g.dH, top, bottom) * tapCount(ow * g.sW - g.padL, g.kW, g.dW, left, right);
}

export function avgPool2d(x: ArrayLike<number>, xShape: Shape, attrs: AvgPoolAttrs): { y: Float32Array; shape: number[] } {
  const g = poolGeometry('avgPool2d', xShape, attrs);
  const y = new Float32Array(g.n * g.c * g.outH * g.outW);
  forEachWindow(g, (p, oh, ow, taps) => {
    let sum = 0;
    for (const t of taps) sum += x[t];
    y[outIndex(g, p, oh, ow)] = sum / windowCount(g, oh, ow, Boolean(attrs.countIncludePad));
  });
  return { y, shape: [g.n, g.c, g.outH, g.outW] };
}

/** dx of average-pool: each window spreads dy / count over its in-input taps. */
export function avgPool2dBackward(dy: ArrayLike<number>, xShape: Shape, attrs: AvgPoolAttrs): Float32Array {
  const g = poolGeometry('avgPool2d backward', xShape, attrs);
  const dx = new Float64Array(g.n * g.c * g.inH * g.inW);
  forEachWindow(g, (p, oh, ow, taps) => {
    const share = dy[outIndex(g, p, oh, ow)] / windowCount(g, oh, ow, Boolean(attrs.countIncludePad));
    for (const t of taps) dx[t] += share;
  });
  return Float32Array.from(dx);
}

export function globalAveragePool(x: ArrayLike<number>, xShape: Shape): Float32Array {
  const [n, c, h, w] = xShape;
  const y = new Float32Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let sum = 0;
    for (let i = 0; i < h * w; i++) sum += x[p * h * w + i];
    y[p] = sum / (h * w);
  }
  return y;
}

export function globalAveragePoolBackward(dy: ArrayLike<number>, xShape: Shape): Float32Array {
  const [n, c, h, w] = xShape;
  const dx = new Float32Array(n * c * h * w);
  for (let i = 0; i < dx.length; i++) dx[i] = dy[Math.floor(i / (h * w))] / (h * w);
  return dx;
}
