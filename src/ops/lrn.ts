// LRN (ONNX): local response normalization across channels, the AlexNet/CaffeNet form.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor } from './util.ts';
import { bindingWindows, windowOf } from './windows.ts';

export interface LrnAttrs {
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

const WG = 64;

/**
 * Validates the attributes. Returns the uniforms of the three LRN kernels (one thread per pixel
 * and block of 4 channels) and the windows of whole images they run in (one window unless the
 * tensors are too large to bind whole).
 */
function lrnParams(engine: Engine, op: string, x: Tensor, attrs: LrnAttrs) {
  checkTensor(op, 'x', x, 4);
  const { size, alpha = 1e-4, beta = 0.75, bias = 1 } = attrs ?? ({} as LrnAttrs);
  check(op, Number.isInteger(size) && size >= 1, `size must be a positive integer, got ${size}`);
  check(op, [alpha, beta, bias].every(Number.isFinite), `alpha ${alpha}, beta ${beta} and bias ${bias} must be finite numbers`);
  check(op, bias > 0, `bias must be > 0 (the base of a fractional power), got ${bias}`);
  const [, channels, h, w] = x.shape;
  const uniforms = { channels, pixels: h * w, blocks: Math.ceil(channels / 4), lo: Math.floor((size - 1) / 2), hi: Math.ceil((size - 1) / 2), alphaOverSize: alpha / size, beta, bias };
  return { uniforms, windows: bindingWindows(engine, op, x.size, channels * h * w) };
}

/** Runs an LRN kernel over same-shaped tensors, window by window. */
function runImages(engine: Engine, kernel: string, tensors: Record<string, Tensor>, { uniforms, windows }: ReturnType<typeof lrnParams>): void {
  for (const w of windows) {
    const total = (w.count / (uniforms.channels * uniforms.pixels)) * uniforms.blocks * uniforms.pixels;
    const bindings = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, windowOf(t, w)]));
    engine.run(kernel, { bindings, uniforms: { ...uniforms, total, offset: w.base }, workgroups: groupsFor(total, WG) });
  }
}

export function lrnOps(engine: Engine) {
  return {
    /** y = x / (bias + alpha / size * sum of x^2 over `size` neighbouring channels)^beta */
    lrn(x: Tensor, attrs: LrnAttrs): Tensor {
      const params = lrnParams(engine, 'lrn', x, attrs);
      return engine.scoped('lrn', () => {
        const y = engine.empty(x.shape);
        runImages(engine, 'lrn', { x, y }, params);
        return y;
      });
    },
  };
}

export function lrnGrads(engine: Engine) {
  return {
    /** dx for y = lrn(x, attrs), from x and dy (the normalizer is recomputed). */
    lrn(x: Tensor, dy: Tensor, attrs: LrnAttrs): Tensor {
      const op = 'lrn backward';
      const params = lrnParams(engine, op, x, attrs);
      checkTensor(op, 'dy', dy);
      checkSameShape(op, x, dy, ['x', 'dy']);
      return engine.scoped(op, () => {
        const u = engine.empty(x.shape);
        runImages(engine, 'lrn-backward-prep', { x, dy, u }, params);
        const dx = engine.empty(x.shape);
        runImages(engine, 'lrn-backward', { x, dy, u, dx }, params);
        u.dispose();
        return dx;
      });
    },
  };
}
