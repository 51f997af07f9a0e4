// Memory-bound rows: ReLU, max-pooling with switches, unpooling, and their backward passes,
// average pooling. Each is stated in GB/s of the bytes it must move at least, and as a fraction
// of the copy probe's bandwidth (goal: at least half, GitHub issue 6).
//
// Peers: TF.js's relu; its Relu gradient rule (dy * step(x), two kernels); maxPoolWithArgmax
// (TF.js's max-pool with indices); its MaxPoolGrad kernel (which finds the maxima again from the
// input instead of reading switches); avgPool and its AvgPoolGrad kernel. TF.js has no unpooling.

import type { Goal, Row } from '../harness.ts';
import { grad, op, randomData, sizeOf } from '../api.ts';
import type { TfTensor, TfTensor4D } from '../peer.ts';

/** Pooling, unpooling and ReLU at least half of the copy bandwidth. */
export const BANDWIDTH_GOAL: Goal = { kind: 'bandwidth', min: 0.5 };

const F32 = 4;

export function nchw([n, c, h, w]: number[]): string {
  return `${n}x${c}x${h}x${w}`;
}

export function reluRows(group: string, shape: number[]): Row[] {
  const size = sizeOf(shape);
  return [
    {
      group,
      name: 'relu forward',
      shape: nchw(shape),
      kind: 'memory',
      bytes: 2 * size * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const relu = op(engine, 'relu');
        const data = randomData(size, 5);
        const x = engine.tensor(data, shape);
        const tx = peer?.nhwc(data, shape);
        return {
          ours: () => relu(x),
          peer: peer && tx ? () => peer.tf.relu(tx) : undefined,
          dispose: () => {
            x.dispose();
            tx?.dispose();
          },
        };
      },
    },
    {
      group,
      name: 'relu backward',
      shape: nchw(shape),
      kind: 'memory',
      bytes: 3 * size * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const reluBackward = grad(engine, 'relu');
        const xData = randomData(size, 6);
        const dyData = randomData(size, 7);
        const x = engine.tensor(xData, shape);
        const dy = engine.tensor(dyData, shape);
        const t = peer && { x: peer.nhwc(xData, shape), dy: peer.nhwc(dyData, shape) };
        return {
          ours: () => reluBackward(x, dy, 'gradient'),
          // TF.js's gradient of Relu: dy * step(x).
          peer: peer && t ? () => peer.tf.tidy(() => peer.tf.mul(t.dy, peer.tf.step(t.x))) : undefined,
          note: "TF.js: its Relu gradient rule, dy * step(x) (two kernels)",
          dispose: () => {
            x.dispose();
            dy.dispose();
            if (t) peer!.tf.dispose([t.x, t.dy]);
          },
        };
      },
    },
  ];
}

export interface PoolLayer {
  group: string;
  /** Input [N, C, H, W]. */
  shape: number[];
  k: number;
  stride: number;
}

function pooledShape({ shape: [n, c, h, w], k, stride }: PoolLayer): number[] {
  return [n, c, Math.floor((h - k) / stride) + 1, Math.floor((w - k) / stride) + 1];
}

function describe(l: PoolLayer): string {
  return `${nchw(l.shape)}, ${l.k}x${l.k}/${l.stride}`;
}

/** Max-pool with switches, its backward through the switches, and unpooling. */
export function maxPoolRows(l: PoolLayer): Row[] {
  const inSize = sizeOf(l.shape);
  const outShape = pooledShape(l);
  const outSize = sizeOf(outShape);
  const attrs = { kernelShape: [l.k, l.k], strides: [l.stride, l.stride] };
  const shape = describe(l);
  return [
    {
      group: l.group,
      name: 'maxpool+switches forward',
      shape,
      kind: 'memory',
      bytes: (inSize + 2 * outSize) * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const maxPool2d = op(engine, 'maxPool2d');
        const data = randomData(inSize, 8);
        const x = engine.tensor(data, l.shape);
        const tx = peer?.nhwc(data, l.shape);
        return {
          ours: () => maxPool2d(x, attrs),
          peer: peer && tx ? () => peer.tf.maxPoolWithArgmax(tx, l.k, l.stride, 'valid', true) : undefined,
          note: 'TF.js: maxPoolWithArgmax',
          dispose: () => {
            x.dispose();
            tx?.dispose();
          },
        };
      },
    },
    {
      group: l.group,
      name: 'maxpool backward',
      shape,
      kind: 'memory',
      bytes: (2 * outSize + inSize) * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const maxPool2d = op(engine, 'maxPool2d');
        const maxPoolBackward = grad(engine, 'maxPool2d');
        const xData = randomData(inSize, 9);
        const dyData = randomData(outSize, 10);
        const x = engine.tensor(xData, l.shape);
        const { y, switches } = maxPool2d(x, attrs);
        const dy = engine.tensor(dyData, outShape);
        let t: { x: TfTensor4D; y: TfTensor4D; dy: TfTensor4D } | null = null;
        if (peer) {
          const tx = peer.nhwc(xData, l.shape);
          t = { x: tx, y: peer.tf.maxPool(tx, l.k, l.stride, 'valid'), dy: peer.nhwc(dyData, outShape) };
        }
        return {
          ours: () => maxPoolBackward(dy, switches, l.shape, attrs),
          peer:
            peer && t
              ? () => peer.tf.engine().runKernel('MaxPoolGrad', { dy: t.dy, input: t.x, output: t.y }, { filterSize: [l.k, l.k], strides: [l.stride, l.stride], pad: 'valid' }) as TfTensor
              : undefined,
          note: 'TF.js: its MaxPoolGrad kernel (recomputes the maxima from x; ours reads the switches)',
          dispose: () => {
            for (const tensor of [x, y, switches, dy]) tensor.dispose();
            if (t) peer!.tf.dispose([t.x, t.y, t.dy]);
          },
        };
      },
    },
    {
      group: l.group,
      name: 'maxunpool',
      shape,
      kind: 'memory',
      bytes: (2 * outSize + inSize) * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine }) => {
        const maxPool2d = op(engine, 'maxPool2d');
        const maxUnpool2d = op(engine, 'maxUnpool2d');
        const x = engine.tensor(randomData(inSize, 11), l.shape);
        const { y, switches } = maxPool2d(x, attrs);
        return {
          ours: () => maxUnpool2d(y, switches, { ...attrs, outputShape: l.shape }),
          note: 'TF.js has no unpooling',
          dispose: () => [x, y, switches].forEach((tensor) => tensor.dispose()),
        };
      },
    },
  ];
}

/** Average pooling forward and backward (no padding, so TF.js's and ONNX's counts agree). */
export function avgPoolRows(l: PoolLayer): Row[] {
  const inSize = sizeOf(l.shape);
  const outShape = pooledShape(l);
  const outSize = sizeOf(outShape);
  const attrs = { kernelShape: [l.k, l.k], strides: [l.stride, l.stride] };
  const shape = describe(l);
  return [
    {
      group: l.group,
      name: 'avgpool forward',
      shape,
      kind: 'memory',
      bytes: (inSize + outSize) * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const avgPool2d = op(engine, 'avgPool2d');
        const data = randomData(inSize, 12);
        const x = engine.tensor(data, l.shape);
        const tx = peer?.nhwc(data, l.shape);
        return {
          ours: () => avgPool2d(x, attrs),
          peer: peer && tx ? () => peer.tf.avgPool(tx, l.k, l.stride, 'valid') : undefined,
          dispose: () => {
            x.dispose();
            tx?.dispose();
          },
        };
      },
    },
    {
      group: l.group,
      name: 'avgpool backward',
      shape,
      kind: 'memory',
      bytes: (inSize + outSize) * F32,
      goal: BANDWIDTH_GOAL,
      prepare: ({ engine, peer }) => {
        const avgPoolBackward = grad(engine, 'avgPool2d');
        const dyData = randomData(outSize, 13);
        const dy = engine.tensor(dyData, outShape);
        const t = peer && { x: peer.tf.zeros([l.shape[0], l.shape[2], l.shape[3], l.shape[1]]), dy: peer.nhwc(dyData, outShape) };
        return {
          ours: () => avgPoolBackward(dy, l.shape, attrs),
          peer:
            peer && t
              ? () => peer.tf.engine().runKernel('AvgPoolGrad', { dy: t.dy, input: t.x }, { filterSize: [l.k, l.k], strides: [l.stride, l.stride], pad: 'valid' }) as TfTensor
              : undefined,
          note: 'TF.js: its AvgPoolGrad kernel',
          dispose: () => {
            dy.dispose();
            if (t) peer!.tf.dispose([t.x, t.dy]);
          },
        };
      },
    },
  ];
}
