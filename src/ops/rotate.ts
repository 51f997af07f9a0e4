// Rotation (and zoom) of each plane of an NCHW tensor about its centre, keeping H x W, with
// bilinear sampling and zeros outside the image (shaders/rotate-bilinear.wgsl), and its exact
// adjoint as a gather (shaders/rotate-bilinear-backward.wgsl). Used for Olah et al. 2017's random
// rotation in Activation Maximization. CPU reference: src/reference/rotate.ts.
//
// Geometry, with positions as (column, row) and the centre c = ((W-1)/2, (H-1)/2): output pixel p
// samples the input at s(p) = c + A (p - c), A = R / scale with R = [[cos, -sin], [sin, cos]], so
// a positive angle turns the picture anticlockwise as displayed (rows run down) and scale > 1
// magnifies it.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { rangeBinding, rangeLimit } from './range-binding.ts';
import { check, checkTensor, groupsFor, shapeString } from './util.ts';

const WG = 64;
/** The largest zoom: the backward's search box grows with it ((2 sqrt(2) scale + 2)^2 pixels). */
export const MAX_ROTATE_SCALE = 10;

export interface RotateOptions {
  /** Magnification about the centre (default 1): > 1 zooms in, < 1 out (zeros enter). */
  scale?: number;
}

/** cos and sin of an angle in degrees, exact at multiples of 90 (so quarter turns are permutations). */
export function cosSinDegrees(degrees: number): [number, number] {
  const turned = ((degrees % 360) + 360) % 360;
  if (turned === 0) return [1, 0];
  if (turned === 90) return [0, 1];
  if (turned === 180) return [-1, 0];
  if (turned === 270) return [0, -1];
  const radians = (turned * Math.PI) / 180;
  return [Math.cos(radians), Math.sin(radians)];
}

/** The geometry both kernels share, from the angle and zoom (f64 here, f32 in the kernels). */
function geometry(h: number, w: number, degrees: number, scale: number) {
  const [cos, sin] = cosSinDegrees(degrees);
  // A = R / scale; its inverse B = scale R^T.
  const [a00, a01, a10, a11] = [cos / scale, -sin / scale, sin / scale, cos / scale];
  const [b00, b01, b10, b11] = [cos * scale, sin * scale, -sin * scale, cos * scale];
  // The output pixels whose sample lies within 1 of an input pixel q are within e of
  // p0 = c + B (q - c). The margin covers f32 rounding of p0 and of s(p) (a few ulps of the
  // coordinates, which grow with the image size); the box's count of whole pixels along an axis
  // is at most floor(2 reach) + 2.
  const margin = 0.01 + 1e-6 * (h + w) * (1 + scale);
  const reachX = Math.abs(b00) + Math.abs(b01) + margin;
  const reachY = Math.abs(b10) + Math.abs(b11) + margin;
  const forward = { height: h, width: w, centreX: (w - 1) / 2, centreY: (h - 1) / 2, a00, a01, a10, a11 };
  const box = { b00, b01, b10, b11, reachX, reachY, spanX: Math.floor(2 * reachX) + 2, spanY: Math.floor(2 * reachY) + 2 };
  return { forward, backward: { ...forward, ...box } };
}

/** Checks the arguments (before any GPU work); returns the scale and how many planes fit one binding. */
function checkRotation(engine: Engine, op: string, name: string, x: unknown, degrees: unknown, opts: RotateOptions): { scale: number; perChunk: number } {
  checkTensor(op, name, x, 4);
  check(op, typeof degrees === 'number' && Number.isFinite(degrees), `the angle must be a finite number of degrees, got ${degrees}`);
  check(op, typeof opts === 'object' && opts !== null, `options must be an object, got ${opts}`);
  const scale = opts.scale ?? 1;
  check(op, typeof scale === 'number' && Number.isFinite(scale) && scale > 0 && scale <= MAX_ROTATE_SCALE, `scale must be a number in (0, ${MAX_ROTATE_SCALE}], got ${scale}`);
  const [, , h, w] = x.shape;
  const perChunk = Math.floor(rangeLimit(engine) / (h * w));
  check(op, perChunk >= 1, () => `a plane of ${name} ${shapeString(x.shape)} (${h * w} elements) does not fit maxStorageBufferBindingSize (${engine.limits.maxStorageBufferBindingSize})`);
  return { scale, perChunk };
}

/** The forward (from x to y) or the backward (from dy to dx) over every plane, in chunks of planes. */
function rotate(engine: Engine, op: string, x: Tensor, degrees: number, opts: RotateOptions, backward: boolean): Tensor {
  const { scale, perChunk } = checkRotation(engine, op, backward ? 'dy' : 'x', x, degrees, opts);
  const [n, c, h, w] = x.shape;
  const [from, to] = backward ? ['dy', 'dx'] : ['x', 'y'];
  const uniforms = geometry(h, w, degrees, scale)[backward ? 'backward' : 'forward'];
  const plane = h * w;
  return engine.scoped(op, () => {
    const y = engine.empty(x.shape);
    for (let first = 0; first < n * c; first += perChunk) {
      const count = Math.min(perChunk, n * c - first);
      const src = rangeBinding(engine, x, first * plane, count * plane);
      const dst = rangeBinding(engine, y, first * plane, count * plane);
      const total = plane * Math.ceil(count / 4); // a thread per pixel and group of 4 planes
      engine.run(backward ? 'rotate-bilinear-backward' : 'rotate-bilinear', {
        bindings: { [from]: src.binding, [to]: dst.binding },
        uniforms: { ...uniforms, planes: count, total, [`${from}Off`]: src.skip, [`${to}Off`]: dst.skip },
        overrides: { WG },
        workgroups: groupsFor(total, WG),
      });
    }
    return y;
  });
}

export function rotateOps(engine: Engine) {
  return {
    /**
     * Each plane of x [N, C, H, W] turned by `degrees` (anticlockwise as displayed) about its
     * centre and magnified by opts.scale (default 1), bilinear, zeros outside: same shape.
     */
    rotate: (x: Tensor, degrees: number, opts: RotateOptions = {}): Tensor => rotate(engine, 'rotate', x, degrees, opts, false),
  };
}

export function rotateGrads(engine: Engine) {
  return {
    /** dx for y = rotate(x, degrees, opts): the exact transpose of the forward's sampling (a gather). */
    rotate: (dy: Tensor, degrees: number, opts: RotateOptions = {}): Tensor => rotate(engine, 'rotate backward', dy, degrees, opts, true),
  };
}
