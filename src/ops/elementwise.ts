// Elementwise ops: relu and its three backward modes, affine/scale, clamp, square, abs, leaky relu,
// and the binary add/sub/mul/div/axpy (same shape, or a per-channel vector broadcast over NCHW).

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkSameShape, checkTensor, groupsFor, shapeString } from './util.ts';

export type ReluMode = 'gradient' | 'deconvnet' | 'guided';
export const RELU_MODES: readonly ReluMode[] = ['gradient', 'deconvnet', 'guided'];
/**
 * The backward's ReLU rules: the three above, and Lucid's 'redirected' gradient for Activation
 * Maximization (Olah et al. 2017's lucid, redirected_relu_grad): dy passes where x > 0 AS WELL AS
 * where dy > 0 (where ascent would raise a closed unit towards opening), so that a unit that no
 * starting image opens still gets a gradient and the optimization can get started.
 */
export type BackwardReluMode = ReluMode | 'redirected';
/** activation-backward.wgsl's mode number of each ReLU rule. */
const RELU_KERNEL_MODES: Record<BackwardReluMode, number> = { gradient: 0, deconvnet: 1, guided: 2, redirected: 5 };

const UNARY = { relu: 0, affine: 1, clamp: 2, square: 3, abs: 4, leakyRelu: 5 } as const;
const BINARY = { add: 0, sub: 1, mul: 2, axpy: 3, div: 4 } as const;

/**
 * The shape of unary.wgsl's and activation-backward.wgsl's workgroups: 256 threads, each 16 vec4s,
 * as the copy kernel (bench/copy.ts); on SwiftShader, fewer and fatter threads run faster.
 */
const VEC4_SHAPE = { WG: 256, PER_THREAD: 16 };
const VEC4_BLOCK = 4 * VEC4_SHAPE.WG * VEC4_SHAPE.PER_THREAD; // elements per workgroup

function unary(engine: Engine, op: keyof typeof UNARY, x: Tensor, a = 0, b = 0): Tensor {
  checkTensor(op, 'x', x);
  return engine.scoped(op, () => {
    const y = engine.empty(x.shape);
    // The op is compiled in (the override OP), not read from the uniform `op`: see unary.wgsl.
    engine.run('unary', { bindings: { x, y }, uniforms: { n: x.size, op: UNARY[op], a, b }, overrides: { ...VEC4_SHAPE, OP: UNARY[op] }, workgroups: groupsFor(x.size, VEC4_BLOCK) });
    return y;
  });
}

function binary(engine: Engine, op: keyof typeof BINARY, a: Tensor, b: Tensor, alpha = 1): Tensor {
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  // b may be a per-channel vector [C] (or [1, C, 1, 1]) broadcast over an NCHW tensor a.
  const perChannel = b.size !== a.size && a.shape.length === 4 && b.size === a.shape[1];
  if (!perChannel) checkSameShape(op, a, b);
  return engine.scoped(op, () => {
    const out = engine.empty(a.shape);
    engine.run('binary', {
      bindings: { a, b, out },
      uniforms: {
        n: a.size,
        op: BINARY[op],
        alpha,
        broadcast: perChannel ? 1 : 0,
        inner: perChannel ? a.shape[2] * a.shape[3] : 1,
        channels: perChannel ? a.shape[1] : 1,
      },
      workgroups: groupsFor(a.size, 1024),
    });
    return out;
  });
}

export function elementwiseOps(engine: Engine) {
  return {
    relu: (x: Tensor) => unary(engine, 'relu', x),
    leakyRelu: (x: Tensor, alpha = 0.01) => unary(engine, 'leakyRelu', x, alpha),
    /** a * x + b */
    affine: (x: Tensor, a: number, b = 0) => unary(engine, 'affine', x, a, b),
    scale: (x: Tensor, s: number) => unary(engine, 'affine', x, s, 0),
    clamp: (x: Tensor, lo: number, hi: number) => {
      check('clamp', lo <= hi, `lo ${lo} must be <= hi ${hi}`);
      return unary(engine, 'clamp', x, lo, hi);
    },
    square: (x: Tensor) => unary(engine, 'square', x),
    abs: (x: Tensor) => unary(engine, 'abs', x),
    add: (a: Tensor, b: Tensor) => binary(engine, 'add', a, b),
    sub: (a: Tensor, b: Tensor) => binary(engine, 'sub', a, b),
    mul: (a: Tensor, b: Tensor) => binary(engine, 'mul', a, b),
    div: (a: Tensor, b: Tensor) => binary(engine, 'div', a, b),
    /** alpha * x + y */
    axpy: (alpha: number, x: Tensor, y: Tensor) => binary(engine, 'axpy', x, y, alpha),
  };
}

function activationBackward(engine: Engine, op: string, x: Tensor, dy: Tensor, mode: number, a = 0, b = 0): Tensor {
  checkTensor(op, 'x', x);
  checkTensor(op, 'dy', dy);
  checkSameShape(op, x, dy, ['x', 'dy']);
  return engine.scoped(op, () => {
    const dx = engine.empty(x.shape);
    engine.run('activation-backward', {
      bindings: { x, dy, dx },
      uniforms: { n: x.size, mode, a, b },
      overrides: { ...VEC4_SHAPE, MODE: mode }, // the mode compiled in, as unary's OP
      workgroups: groupsFor(x.size, VEC4_BLOCK),
    });
    return dx;
  });
}

export function elementwiseGrads(engine: Engine) {
  return {
    /** dx for y = relu(x), by one of the rules ('gradient', 'deconvnet', 'guided', 'redirected'). */
    relu(x: Tensor, dy: Tensor, mode: BackwardReluMode = 'gradient'): Tensor {
      const modes = Object.keys(RELU_KERNEL_MODES);
      check('relu backward', Object.hasOwn(RELU_KERNEL_MODES, mode), `mode must be one of ${modes.join(', ')}, got '${mode}'`);
      return activationBackward(engine, 'relu backward', x, dy, RELU_KERNEL_MODES[mode]);
    },
    leakyRelu: (x: Tensor, dy: Tensor, alpha = 0.01) => activationBackward(engine, 'leakyRelu backward', x, dy, 3, alpha),
    clamp: (x: Tensor, dy: Tensor, lo: number, hi: number) => activationBackward(engine, 'clamp backward', x, dy, 4, lo, hi),
  };
}

export { shapeString };
