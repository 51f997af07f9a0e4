// Bilinear resize (ONNX Resize, mode linear, half_pixel) of H and W, and its backward as a gather.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkInts, checkTensor, groupsFor, shapeString } from './util.ts';

const WG = 64;

/**
 * Uniforms for a resize between [N, C, inH, inW] and [N, C, outH, outW]. Each group of 4 planes
 * gets one thread per pixel: per output pixel forward, per input pixel backward.
 */
function resizeParams(inShape: readonly number[], outH: number, outW: number, pixels: number) {
  const [n, c, inH, inW] = inShape;
  const total = pixels * Math.ceil((n * c) / 4);
  return {
    uniforms: { in_h: inH, in_w: inW, out_h: outH, out_w: outW, planes: n * c, total, ratio_h: inH / outH, ratio_w: inW / outW },
    workgroups: groupsFor(total, WG),
  };
}

export function resizeOps(engine: Engine) {
  return {
    /** ONNX Resize (linear, half_pixel) of x [N, C, H, W] to [N, C, outH, outW]. */
    resizeBilinear(x: Tensor, size: [number, number]): Tensor {
      const op = 'resizeBilinear';
      checkTensor(op, 'x', x, 4);
      const [outH, outW] = checkInts(op, 'size', size, 2, 1);
      const [n, c] = x.shape;
      const { uniforms, workgroups } = resizeParams(x.shape, outH, outW, outH * outW);
      return engine.scoped(op, () => {
        const y = engine.empty([n, c, outH, outW]);
        engine.run('resize-bilinear', { bindings: { x, y }, uniforms, workgroups });
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
      const { uniforms, workgroups } = resizeParams(xShape, outH, outW, inH * inW);
      return engine.scoped(op, () => {
        const dx = engine.empty(xShape);
        engine.run('resize-bilinear-backward', { bindings: { dy, dx }, uniforms, workgroups });
        return dx;
      });
    },
  };
}
