// Constant padding of an NCHW tensor's spatial dimensions (ONNX Pad on H and W), and its backward.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { check, checkInts, checkTensor, groupsFor } from './util.ts';

type Pads = [number, number, number, number];

function window(engine: Engine, op: string, x: Tensor, outH: number, outW: number, top: number, left: number, value: number): Tensor {
  return engine.scoped(op, () => {
    const [n, c, h, w] = x.shape;
    const y = engine.empty([n, c, outH, outW]);
    engine.run('pad2d', {
      bindings: { x, y },
      uniforms: { n: y.size, inH: h, inW: w, outH, outW, top, left, value },
      workgroups: groupsFor(y.size),
    });
    return y;
  });
}

export function padOps(engine: Engine) {
  return {
    /** pads: [top, left, bottom, right], each >= 0. */
    pad2d(x: Tensor, pads: Pads, value = 0): Tensor {
      checkTensor('pad2d', 'x', x, 4);
      const [t, l, b, r] = checkInts('pad2d', 'pads', pads, 4, 0);
      return window(engine, 'pad2d', x, x.shape[2] + t + b, x.shape[3] + l + r, t, l, value);
    },
  };
}

export function padGrads(engine: Engine) {
  return {
    /** The gradient of pad2d: dy cropped back to the unpadded size. */
    pad2d(dy: Tensor, pads: Pads): Tensor {
      checkTensor('pad2d backward', 'dy', dy, 4);
      const [t, l, b, r] = checkInts('pad2d backward', 'pads', pads, 4, 0);
      const h = dy.shape[2] - t - b;
      const w = dy.shape[3] - l - r;
      check('pad2d backward', h > 0 && w > 0, `pads [${pads}] leave nothing of dy [${dy.shape}]`);
      return window(engine, 'pad2d backward', dy, h, w, -t, -l, 0);
    },
  };
}
