// LRN (ONNX): local response normalization across channels, the AlexNet/CaffeNet form.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor } from './util.ts';

export interface LrnAttrs {
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

const WG = 64;

/** The uniforms shared by the three LRN kernels (one thread per pixel and block of 4 channels). */
function lrnParams(op: string, x: Tensor, attrs: LrnAttrs) {
  checkTensor(op, 'x', x, 4);
  const { size, alpha = 1e-4, beta = 0.75, bias = 1 } = attrs ?? ({} as LrnAttrs);
  check(op, Number.isInteger(size) && size >= 1, `size must be a positive integer, got ${size}`);
  check(op, [alpha, beta, bias].every(Number.isFinite), `alpha ${alpha}, beta ${beta} and bias ${bias} must be finite numbers`);
  check(op, bias > 0, `bias must be > 0 (the base of a fractional power), got ${bias}`);
  const [n, channels, h, w] = x.shape;
  const blocks = Math.ceil(channels / 4);
  const total = n * blocks * h * w;
  return {
    uniforms: { channels, pixels: h * w, blocks, total, lo: Math.floor((size - 1) / 2), hi: Math.ceil((size - 1) / 2), alpha_over_size: alpha / size, beta, bias },
    workgroups: groupsFor(total, WG),
  };
}

export function lrnOps(engine: Engine) {
  return {
    /** y = x / (bias + alpha / size * sum of x^2 over `size` neighbouring channels)^beta */
    lrn(x: Tensor, attrs: LrnAttrs): Tensor {
      const { uniforms, workgroups } = lrnParams('lrn', x, attrs);
      return engine.scoped('lrn', () => {
        const y = engine.empty(x.shape);
        engine.run('lrn', { bindings: { x, y }, uniforms, workgroups });
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
      const { uniforms, workgroups } = lrnParams(op, x, attrs);
      checkTensor(op, 'dy', dy);
      checkSameShape(op, x, dy, ['x', 'dy']);
      return engine.scoped(op, () => {
        const u = engine.empty(x.shape);
        engine.run('lrn-backward-prep', { bindings: { x, dy, u }, uniforms, workgroups });
        const dx = engine.empty(x.shape);
        engine.run('lrn-backward', { bindings: { x, dy, u, dx }, uniforms, workgroups });
        u.dispose();
        return dx;
      });
    },
  };
}
