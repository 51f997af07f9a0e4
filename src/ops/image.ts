// Image-space helpers for Activation Maximization (Yosinski et al. 2015: blur, jitter, clipping of
// weak pixels) and Network Inversion (Mahendran & Vedaldi 2015: total variation, alpha norm), with
// the adjoints the optimizers need. Every image is NCHW; each plane is treated on its own.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';
import { regularizerOps } from './image-regularizers.ts';

export type Border = 'wrap' | 'zero';
export const BORDERS: readonly Border[] = ['wrap', 'zero'];

export interface TranslateOptions {
  /** What enters at the edges: the opposite edge ('wrap', a roll) or zeros. Default 'wrap'. */
  border?: Border;
}

/** Threads per workgroup of the image kernels (each thread computes a block of 4 to 32 outputs). */
const WG = 64;
/** How many Gaussian weight tensors (one per sigma and radius) each engine keeps on the GPU. */
const WEIGHT_CACHE_SIZE = 8;

export function checkImage(op: string, name: string, x: unknown): asserts x is Tensor {
  checkTensor(op, name, x, 4);
}

/** The normalized taps g[k + r], k in [-r, r], followed by their cumulative sums cum[0 .. 2r+1]. */
export function gaussianWeights(sigma: number, radius: number): Float32Array {
  const taps = 2 * radius + 1;
  const out = new Float32Array(2 * taps + 1);
  // k = 0 separately: for a sigma so small that 2 sigma^2 underflows, 0 / 0 would be NaN.
  const unnormalized = (k: number) => (k === 0 ? 1 : Math.exp((-k * k) / (2 * sigma * sigma)));
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += unnormalized(k);
  let cum = 0;
  for (let k = -radius; k <= radius; k++) {
    const g = unnormalized(k) / total;
    out[k + radius] = g;
    out[taps + k + radius] = cum;
    cum += g;
  }
  out[2 * taps] = cum;
  return out;
}

function blurRadius(op: string, sigma: number, radius: number | undefined): number {
  check(op, typeof sigma === 'number' && Number.isFinite(sigma) && sigma >= 0, `sigma must be a finite number >= 0, got ${sigma}`);
  const r = radius ?? Math.ceil(3 * sigma);
  check(op, Number.isInteger(r) && r >= 0, `radius must be an integer >= 0, got ${radius}`);
  return r;
}

function checkShift(op: string, dy: number, dx: number, border: unknown): Border {
  check(op, typeof dy === 'number' && Number.isFinite(dy) && typeof dx === 'number' && Number.isFinite(dx), `the shift (${dy}, ${dx}) must be finite numbers`);
  check(op, BORDERS.includes(border as Border), `border must be one of ${BORDERS.join(', ')}, got '${border}'`);
  return border as Border;
}

/** Splits y[i] = x[i - shift] into the integer source offset and the bilinear fraction. */
function shiftParts(shift: number, len: number, border: Border): { offset: number; frac: number } {
  const offset = Math.floor(-shift);
  const frac = -shift - offset;
  // 'wrap': reduce modulo the size so the kernel wraps with one subtraction. 'zero': beyond one
  // image size everything reads as zero anyway; clip so the offset stays a small i32.
  const reduced = border === 'wrap' ? ((offset % len) + len) % len : Math.min(Math.max(offset, -len - 1), len + 1);
  return { offset: reduced, frac };
}

const weightCaches = new WeakMap<Engine, Map<string, Tensor>>();

/** The Gaussian weights as a GPU tensor, cached per engine (a blur runs every few optimizer steps). */
function weightsFor(engine: Engine, sigma: number, radius: number): Tensor {
  let cache = weightCaches.get(engine);
  if (!cache) weightCaches.set(engine, (cache = new Map()));
  const key = `${sigma}|${radius}`;
  let t = cache.get(key);
  if (t && !t.disposed) return t;
  if (cache.size >= WEIGHT_CACHE_SIZE) {
    const [oldest, tensor] = cache.entries().next().value!;
    tensor.dispose();
    cache.delete(oldest);
  }
  t = engine.tensor(gaussianWeights(sigma, radius), [4 * radius + 3]);
  cache.set(key, t);
  return t;
}

function copy(engine: Engine, op: string, x: Tensor): Tensor {
  return engine.scoped(op, () => {
    const y = engine.empty(x.shape);
    engine.commandEncoder().copyBufferToBuffer(x.buffer, 0, y.buffer, 0, x.byteLength);
    return y;
  });
}

/** The separable blur (rows, then columns) or its adjoint (the transposed passes in reverse order). */
function blur(engine: Engine, op: string, x: Tensor, sigma: number, radius: number | undefined, adjoint: boolean): Tensor {
  checkImage(op, adjoint ? 'dy' : 'x', x);
  const r = blurRadius(op, sigma, radius);
  if (sigma === 0) return copy(engine, op, x);
  const [n, c, h, w] = x.shape;
  return engine.scoped(op, () => {
    const weights = weightsFor(engine, sigma, r);
    const mid = engine.empty(x.shape);
    const y = engine.empty(x.shape);
    // blur-rows: a thread per 4 rows x 8 columns; blur-cols: a thread per 8 rows x 4 columns.
    const alongRows = (src: Tensor, dst: Tensor) => {
      const rowBlocks = Math.ceil((n * c * h) / 4);
      const octets = Math.ceil(w / 8);
      engine.run('blur-rows', {
        bindings: { x: src, weights, y: dst },
        uniforms: { rows: n * c * h, width: w, rowBlocks, octets, radius: r, adjoint: adjoint ? 1 : 0 },
        overrides: { WG },
        workgroups: groupsFor(rowBlocks * octets, WG),
      });
    };
    const alongCols = (src: Tensor, dst: Tensor) => {
      const rowBlocks = Math.ceil(h / 8);
      const quads = Math.ceil(w / 4);
      engine.run('blur-cols', {
        bindings: { x: src, weights, y: dst },
        uniforms: { planes: n * c, height: h, width: w, rowBlocks, quads, radius: r, adjoint: adjoint ? 1 : 0 },
        overrides: { WG },
        workgroups: groupsFor(n * c * rowBlocks * quads, WG),
      });
    };
    if (adjoint) {
      alongCols(x, mid);
      alongRows(mid, y);
    } else {
      alongRows(x, mid);
      alongCols(mid, y);
    }
    mid.dispose();
    return y;
  });
}

/**
 * The translation, or its adjoint: the translation by the opposite shift with the same border
 * (bilinear weights along an axis are (1-f, f) at offsets (a, a+1); the opposite shift has
 * offsets (-a-1, -a) with weights (f, 1-f), the transpose; with 'wrap' the map is circulant).
 */
function translate(engine: Engine, op: string, x: Tensor, dy: number, dx: number, opts: TranslateOptions, adjoint: boolean): Tensor {
  checkImage(op, adjoint ? 'dy' : 'x', x);
  const border = checkShift(op, dy, dx, opts.border ?? 'wrap');
  const sign = adjoint ? -1 : 1;
  const [n, c, h, w] = x.shape;
  const rows = shiftParts(sign * dy, h, border);
  const cols = shiftParts(sign * dx, w, border);
  const rowBlocks = Math.ceil(h / 4); // a thread per 4 rows x 8 columns of a plane
  const octets = Math.ceil(w / 8);
  return engine.scoped(op, () => {
    const y = engine.empty(x.shape);
    engine.run('translate', {
      bindings: { x, y },
      uniforms: {
        planes: n * c,
        height: h,
        width: w,
        rowBlocks,
        octets,
        shiftRow: rows.offset,
        shiftCol: cols.offset,
        fracRow: rows.frac,
        fracCol: cols.frac,
        wrap: border === 'wrap' ? 1 : 0,
      },
      overrides: { WG },
      workgroups: groupsFor(n * c * rowBlocks * octets, WG),
    });
    return y;
  });
}

/** A sum over channels at each pixel: mode 0 the norm sqrt(sum x^2), mode 1 sum |x * g|. */
function perPixel(engine: Engine, op: string, x: Tensor, g: Tensor, mode: 0 | 1): Tensor {
  const [n, c, h, w] = x.shape;
  const quads = Math.ceil((h * w) / 4);
  return engine.scoped(op, () => {
    const out = engine.empty([n, 1, h, w]);
    engine.run('pixel-norm', {
      bindings: { x, g, out },
      uniforms: { images: n, channels: c, pixels: h * w, quads, mode },
      overrides: { WG },
      workgroups: groupsFor(n * quads, WG),
    });
    return out;
  });
}

export function imageOps(engine: Engine) {
  return {
    /**
     * Separable Gaussian blur with replicate (edge-clamped) borders and weights normalized to 1;
     * radius defaults to ceil(3 sigma); sigma 0 returns a copy.
     */
    gaussianBlur: (x: Tensor, sigma: number, radius?: number): Tensor => blur(engine, 'gaussianBlur', x, sigma, radius, false),
    /** y[h, w] = x[h - dy, w - dx], bilinear for fractional shifts (jitter); border 'wrap' (default) or 'zero'. */
    translate: (x: Tensor, dy: number, dx: number, opts: TranslateOptions = {}): Tensor => translate(engine, 'translate', x, dy, dx, opts, false),
    /** The Euclidean norm over colour channels at each pixel: [N, 1, H, W]. */
    pixelNorm(x: Tensor): Tensor {
      checkImage('pixelNorm', 'x', x);
      return perPixel(engine, 'pixelNorm', x, x, 0); // mode 0 does not read g
    },
    /** Yosinski's contribution criterion: sum over channels of |x * g| (g: the gradient), [N, 1, H, W]. */
    pixelContribution(x: Tensor, g: Tensor): Tensor {
      checkImage('pixelContribution', 'x', x);
      checkTensor('pixelContribution', 'g', g);
      checkSameShape('pixelContribution', x, g, ['x', 'g']);
      return perPixel(engine, 'pixelContribution', x, g, 1);
    },
    /** x * mask, mask [N, 1, H, W] broadcast over the channels (zeroes clipped pixels). */
    maskPixels(x: Tensor, mask: Tensor): Tensor {
      checkImage('maskPixels', 'x', x);
      checkTensor('maskPixels', 'mask', mask);
      const [n, c, h, w] = x.shape;
      const fits = mask.shape.length === 4 && mask.shape[0] === n && mask.shape[1] === 1 && mask.shape[2] === h && mask.shape[3] === w;
      check('maskPixels', fits, () => `mask ${shapeString(mask.shape)} must be [${n}, 1, ${h}, ${w}] for x ${shapeString(x.shape)}`);
      const quads = Math.ceil((h * w) / 4);
      return engine.scoped('maskPixels', () => {
        const y = engine.empty(x.shape);
        engine.run('pixel-mask', {
          bindings: { x, mask, y },
          uniforms: { images: n, channels: c, pixels: h * w, quads },
          overrides: { WG },
          workgroups: groupsFor(n * quads, WG),
        });
        return y;
      });
    },
    ...regularizerOps(engine),
  };
}

export function imageGrads(engine: Engine) {
  return {
    /** dx for y = gaussianBlur(x, sigma, radius): the exact adjoint (edge clamping makes it differ from the blur at the borders). */
    gaussianBlur: (dy: Tensor, sigma: number, radius?: number): Tensor => blur(engine, 'gaussianBlur backward', dy, sigma, radius, true),
    /** dx for y = translate(x, shiftY, shiftX, opts): the adjoint, a translation by (-shiftY, -shiftX). */
    translate: (dy: Tensor, shiftY: number, shiftX: number, opts: TranslateOptions = {}): Tensor =>
      translate(engine, 'translate backward', dy, shiftY, shiftX, opts, true),
  };
}
