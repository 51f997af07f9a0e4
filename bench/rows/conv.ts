// Convolution rows: forward (with bias), and the input and weight gradients, at a layer's shape.
// The peer runs TF.js's own kernels for the same work: fused conv2d with bias, conv2dTranspose
// (TF.js's Conv2DBackpropInput) and its Conv2DBackpropFilter kernel. TF.js has no grouped
// convolution, so for group > 1 it runs one convolution per group on inputs split at setup, and
// concatenates the results (the concat is part of producing the same output).

import type { Engine } from '../../src/engine/engine.ts';
import type { Row, Goal } from '../harness.ts';
import { grad, op, randomData, sizeOf } from '../api.ts';
import type { Peer, TfTensor, TfTensor4D } from '../peer.ts';

export interface ConvLayer {
  /** The network and layer, e.g. 'AlexNet conv2'. */
  group: string;
  n: number;
  c: number;
  h: number;
  w: number;
  /** Output channels. */
  m: number;
  k: number;
  stride: number;
  pad: number;
  groups?: number;
  /** Speed-up goal of the forward row, if any. */
  forwardGoal?: number;
  /** Also add the input- and weight-gradient rows. */
  backward?: boolean;
}

/** The backward goal of GitHub issue 6: conv input and weight gradients at least 5x TF.js. */
export const CONV_BACKWARD_GOAL: Goal = { kind: 'speedup', min: 5 };

export function convOutSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

function describe(l: ConvLayer): string {
  const g = l.groups ?? 1;
  return `${l.n}x${l.c}x${l.h}x${l.w} -> ${l.m}, ${l.k}x${l.k}${l.stride > 1 ? `/${l.stride}` : ''}${l.pad ? ` p${l.pad}` : ''}${g > 1 ? ` g${g}` : ''}`;
}

/** Everything a conv row needs, created on both sides. */
function convInputs(peer: Peer | null, l: ConvLayer, engine: Engine) {
  const g = l.groups ?? 1;
  const ho = convOutSize(l.h, l.k, l.stride, l.pad);
  const wo = convOutSize(l.w, l.k, l.stride, l.pad);
  const xShape = [l.n, l.c, l.h, l.w];
  const wShape = [l.m, l.c / g, l.k, l.k];
  const yShape = [l.n, l.m, ho, wo];
  const xData = randomData(sizeOf(xShape), 1);
  const wData = randomData(sizeOf(wShape), 2, -0.1, 0.1);
  const bData = randomData(l.m, 3);
  const dyData = randomData(sizeOf(yShape), 4);
  const ours = {
    x: engine.tensor(xData, xShape),
    w: engine.tensor(wData, wShape),
    b: engine.tensor(bData, [l.m]),
    dy: engine.tensor(dyData, yShape),
  };
  const attrs = { strides: [l.stride, l.stride], pads: [l.pad, l.pad, l.pad, l.pad], dilations: [1, 1], group: g };
  let theirs: { x: TfTensor4D[]; f: TfTensor4D[]; b: TfTensor[]; dy: TfTensor4D[] } | null = null;
  if (peer) {
    const tf = peer.tf;
    // Per group: x's channel slice, the filter of that group's outputs, the bias and dy slices.
    const split = (t: TfTensor4D) => (g === 1 ? [t] : (tf.split(t, g, 3) as TfTensor4D[]));
    const x = peer.nhwc(xData, xShape);
    const f = peer.hwio(wData, wShape);
    const dy = peer.nhwc(dyData, yShape);
    const b = tf.tensor1d(bData);
    theirs = { x: split(x), f: split(f), dy: split(dy), b: g === 1 ? [b] : tf.split(b, g, 0) };
    if (g > 1) tf.dispose([x, f, dy, b]);
  }
  const dispose = () => {
    Object.values(ours).forEach((t) => t.dispose());
    if (theirs && peer) peer.tf.dispose([...theirs.x, ...theirs.f, ...theirs.b, ...theirs.dy]);
  };
  return { ours, theirs, attrs, xShape, wShape, dispose };
}

/** The conv rows of one layer: forward, and with `backward` the input and weight gradients. */
export function convRows(l: ConvLayer): Row[] {
  const g = l.groups ?? 1;
  const ho = convOutSize(l.h, l.k, l.stride, l.pad);
  const wo = convOutSize(l.w, l.k, l.stride, l.pad);
  const flops = 2 * l.n * l.m * ho * wo * (l.c / g) * l.k * l.k;
  const shape = describe(l);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [l.pad, l.pad], [l.pad, l.pad], [0, 0]];
  const groupNote = g > 1 ? `TF.js: ${g} convolutions on channel groups split at setup, then concat` : undefined;

  const rows: Row[] = [
    {
      group: l.group,
      name: 'conv2d forward',
      shape,
      kind: 'compute',
      flops,
      goal: l.forwardGoal ? { kind: 'speedup', min: l.forwardGoal } : undefined,
      prepare: ({ engine, peer }) => {
        const conv2d = op(engine, 'conv2d');
        const io = convInputs(peer, l, engine);
        const t = io.theirs;
        return {
          ours: () => conv2d(io.ours.x, io.ours.w, io.ours.b, io.attrs),
          peer:
            peer && t
              ? () =>
                  peer.tf.tidy(() => {
                    const ys = t.x.map((x, i) => peer.tf.fused.conv2d({ x, filter: t.f[i], bias: t.b[i], strides: l.stride, pad }));
                    return ys.length === 1 ? ys[0] : peer.tf.concat(ys, 3);
                  })
              : undefined,
          note: groupNote,
          dispose: io.dispose,
        };
      },
    },
  ];
  if (!l.backward) return rows;

  rows.push(
    {
      group: l.group,
      name: 'conv2d backward dx',
      shape,
      kind: 'compute',
      flops,
      goal: CONV_BACKWARD_GOAL,
      prepare: ({ engine, peer }) => {
        const conv2dInput = grad(engine, 'conv2dInput');
        const io = convInputs(peer, l, engine);
        const t = io.theirs;
        const xShapeNhwc: [number, number, number, number] = [l.n, l.h, l.w, l.c / g];
        return {
          ours: () => conv2dInput(io.ours.dy, io.ours.w, io.xShape, io.attrs),
          peer:
            peer && t
              ? () =>
                  peer.tf.tidy(() => {
                    const dxs = t.dy.map((dy, i) => peer.tf.conv2dTranspose(dy, t.f[i], xShapeNhwc, l.stride, pad));
                    return dxs.length === 1 ? dxs[0] : peer.tf.concat(dxs, 3);
                  })
              : undefined,
          note: groupNote,
          dispose: io.dispose,
        };
      },
    },
    {
      group: l.group,
      name: 'conv2d backward dw',
      shape,
      kind: 'compute',
      flops,
      goal: CONV_BACKWARD_GOAL,
      prepare: ({ engine, peer }) => {
        const conv2dWeight = grad(engine, 'conv2dWeight');
        const io = convInputs(peer, l, engine);
        const t = io.theirs;
        const filterShape = [l.k, l.k, l.c / g, l.m / g];
        return {
          ours: () => conv2dWeight(io.ours.x, io.ours.dy, io.wShape, io.attrs),
          peer:
            peer && t
              ? () =>
                  peer.tf.tidy(() => {
                    const attrs = { strides: [l.stride, l.stride], pad, dataFormat: 'NHWC', filterShape };
                    const dws = t.x.map((x, i) => peer.tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: t.dy[i] }, attrs) as TfTensor);
                    return dws.length === 1 ? dws[0] : peer.tf.concat(dws, 3);
                  })
              : undefined,
          note: groupNote,
          dispose: io.dispose,
        };
      },
    },
  );
  return rows;
}
