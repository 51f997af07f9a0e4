// Bilinear resize (ONNX Resize, mode linear, half_pixel) of H and W, and its backward as a gather.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { rangeBinding, rangeLimit } from './range-binding.ts';
import { check, checkInts, checkTensor, groupsFor, shapeString } from './util.ts';

const WG = 64;

interface Side {
  /** The kernel's name for this tensor's binding (and, with Off appended, for its offset). */
  name: string;
  tensor: Tensor;
  /** Elements per plane. */
  plane: number;
}

/** How many planes of [N, C, inH, inW] and [N, C, outH, outW] fit one binding (checked before GPU work). */
function planesPerChunk(engine: Engine, op: string, inPlane: number, outPlane: number): number {
  const perChunk = Math.floor(rangeLimit(engine) / Math.max(inPlane, outPlane));
  check(op, perChunk >= 1, () => `a plane of ${Math.max(inPlane, outPlane)} elements does not fit maxStorageBufferBindingSize (${engine.limits.maxStorageBufferBindingSize})`);
  return perChunk;
}

/**
 * Records `kernel` over every plane (one (n, c) image) of `from` and `to`, in chunks of
 * `perChunk` planes. Each group of 4 planes of a chunk gets one thread per pixel of `threadsPer`
 * (output pixels forward, input pixels backward).
 */
function runPlanes(engine: Engine, kernel: string, from: Side, to: Side, perChunk: number, uniforms: Record<string, number>, threadsPer: number): void {
  const planes = from.tensor.size / from.plane;
  for (let first = 0; first < planes; first += perChunk) {
    const count = Math.min(perChunk, planes - first);
    const src = rangeBinding(engine, from.tensor, first * from.plane, count * from.plane);
    const dst = rangeBinding(engine, to.tensor, first * to.plane, count * to.plane);
    const total = threadsPer * Math.ceil(count / 4);
    engine.run(kernel, {
      bindings: { [from.name]: src.binding, [to.name]: dst.binding },
      uniforms: { ...uniforms, planes: count, total, [`${from.name}Off`]: src.skip, [`${to.name}Off`]: dst.skip },
      workgroups: groupsFor(total, WG),
    });
  }
}

function geometry(inH: number, inW: number, outH: number, outW: number) {
  return { inH, inW, outH, outW, ratioH: inH / outH, ratioW: inW / outW };
}

export function resizeOps(engine: Engine) {
  return {
    /** ONNX Resize (linear, half_pixel) of x [N, C, H, W] to [N, C, outH, outW]. */
    resizeBilinear(x: Tensor, size: [number, number]): Tensor {
      const op = 'resizeBilinear';
      checkTensor(op, 'x', x, 4);
      const [outH, outW] = checkInts(op, 'size', size, 2, 1);
      const [n, c, inH, inW] = x.shape;
      const perChunk = planesPerChunk(engine, op, inH * inW, outH * outW);
      return engine.scoped(op, () => {
        const y = engine.empty([n, c, outH, outW]);
        const from = { name: 'x', tensor: x, plane: inH * inW };
        runPlanes(engine, 'resize-bilinear', from, { name: 'y', tensor: y, plane: outH * outW }, perChunk, geometry(inH, inW, outH, outW), outH * outW);
        return y;
      });
    },
  };
}

export function resizeGrads(engine: Engine) {
  return {
    /** dx [N, C, H, W] (xShape) for y = resizeBilinear(x, [outH, outW]), from dy [N, C, outH, outW]. */
    resizeBilinear(dy: Tensor, xShape: number[]): Tensor {
      const op = 'resizeBilinear backward';
      checkTensor(op, 'dy', dy, 4);
      const [n, c, inH, inW] = checkInts(op, 'xShape', xShape, 4, 1);
      const [, , outH, outW] = dy.shape;
      check(op, dy.shape[0] === n && dy.shape[1] === c, () => `dy ${shapeString(dy.shape)} and xShape ${shapeString(xShape)} must agree on N and C`);
      const perChunk = planesPerChunk(engine, op, inH * inW, outH * outW);
      return engine.scoped(op, () => {
        const dx = engine.empty(xShape);
        const from = { name: 'dy', tensor: dy, plane: outH * outW };
        runPlanes(engine, 'resize-bilinear-backward', from, { name: 'dx', tensor: dx, plane: inH * inW }, perChunk, geometry(inH, inW, outH, outW), inH * inW);
        return dx;
      });
    },
  };
}
