// Fully connected layers (gemm with the weight in PyTorch/ONNX [out, in] layout, transB), softmax,
// and local response normalization, forward and backward.
//
// Peers: TF.js's fused matMul with bias; for the backward, the two matMuls its MatMul gradient
// runs (da = dy W, dW = dy^T a); softmax; localResponseNormalization and its LRNGrad kernel.
// ONNX's LRN alpha is divided by the window size, TF.js's is not: the peer gets alpha / size.

import type { Engine } from '../../src/engine/engine.ts';
import type { Row } from '../harness.ts';
import { grad, op, randomData, sizeOf } from '../api.ts';
import type { TfTensor, TfTensor4D } from '../peer.ts';
import { nchw } from './pool.ts';

const F32 = 4;

/** y = a W^T + b with a [n, inputs], W [outputs, inputs]: a fully connected layer. */
export function gemmRows(group: string, n: number, inputs: number, outputs: number, { backward = true } = {}): Row[] {
  const flops = 2 * n * inputs * outputs;
  const shape = `${n}x${inputs} -> ${outputs}`;
  const attrs = { transB: true };
  const setup = (engine: Engine) => {
    const data = { a: randomData(n * inputs, 14), w: randomData(outputs * inputs, 15, -0.01, 0.01), b: randomData(outputs, 16), dy: randomData(n * outputs, 17) };
    const ours = {
      a: engine.tensor(data.a, [n, inputs]),
      w: engine.tensor(data.w, [outputs, inputs]),
      b: engine.tensor(data.b, [outputs]),
      dy: engine.tensor(data.dy, [n, outputs]),
    };
    return { data, ours, dispose: () => Object.values(ours).forEach((t) => t.dispose()) };
  };
  const rows: Row[] = [
    {
      group,
      name: 'gemm forward',
      shape,
      kind: 'compute',
      flops,
      prepare: ({ engine, peer }) => {
        const gemm = op(engine, 'gemm');
        const s = setup(engine);
        const t = peer && { a: peer.tf.tensor2d(s.data.a, [n, inputs]), w: peer.tf.tensor2d(s.data.w, [outputs, inputs]), b: peer.tf.tensor1d(s.data.b) };
        return {
          ours: () => gemm(s.ours.a, s.ours.w, s.ours.b, attrs),
          peer: peer && t ? () => peer.tf.fused.matMul({ a: t.a, b: t.w, transposeB: true, bias: t.b }) : undefined,
          dispose: () => {
            s.dispose();
            if (t) peer!.tf.dispose([t.a, t.w, t.b]);
          },
        };
      },
    },
    {
      group,
      name: 'gemm backward',
      shape,
      kind: 'compute',
      flops: 2 * flops,
      prepare: ({ engine, peer }) => {
        const gemmBackward = grad(engine, 'gemm');
        const s = setup(engine);
        const t = peer && { a: peer.tf.tensor2d(s.data.a, [n, inputs]), w: peer.tf.tensor2d(s.data.w, [outputs, inputs]), dy: peer.tf.tensor2d(s.data.dy, [n, outputs]) };
        return {
          ours: () => gemmBackward(s.ours.a, s.ours.w, s.ours.dy, attrs),
          peer: peer && t ? () => [peer.tf.matMul(t.dy, t.w), peer.tf.matMul(t.dy, t.a, true, false)] : undefined,
          note: 'da and dW (TF.js: the two matMuls of its MatMul gradient)',
          dispose: () => {
            s.dispose();
            if (t) peer!.tf.dispose([t.a, t.w, t.dy]);
          },
        };
      },
    },
  ];
  return backward ? rows : rows.slice(0, 1);
}

export function softmaxRows(group: string, n: number, classes: number): Row[] {
  return [
    {
      group,
      name: 'softmax',
      shape: `${n}x${classes}`,
      kind: 'memory',
      bytes: 2 * n * classes * F32,
      prepare: ({ engine, peer }) => {
        const softmax = op(engine, 'softmax');
        const data = randomData(n * classes, 18, -5, 5);
        const x = engine.tensor(data, [n, classes]);
        const tx = peer?.tf.tensor2d(data, [n, classes]);
        return {
          ours: () => softmax(x, 1),
          peer: peer && tx ? () => peer.tf.softmax(tx) : undefined,
          dispose: () => {
            x.dispose();
            tx?.dispose();
          },
        };
      },
    },
  ];
}

/**
 * AlexNet's LRN: size 5, alpha 1e-4, beta 0.75, bias 1 (ONNX semantics). `backward: false` leaves
 * out the backward row (TF.js's LRNGrad takes one to two minutes a call at AlexNet's lrn1 shape on SwiftShader).
 */
export function lrnRows(group: string, shape: number[], { backward = true, size = 5, alpha = 1e-4, beta = 0.75, bias = 1 } = {}): Row[] {
  const count = sizeOf(shape);
  const attrs = { size, alpha, beta, bias };
  const tfAttrs = { depthRadius: (size - 1) / 2, bias, alpha: alpha / size, beta };
  const rows: Row[] = [
    {
      group,
      name: 'lrn forward',
      shape: `${nchw(shape)}, size ${size}`,
      kind: 'memory',
      bytes: 2 * count * F32,
      prepare: ({ engine, peer }) => {
        const lrn = op(engine, 'lrn');
        const data = randomData(count, 19);
        const x = engine.tensor(data, shape);
        const tx = peer?.nhwc(data, shape);
        return {
          ours: () => lrn(x, attrs),
          peer: peer && tx ? () => peer.tf.localResponseNormalization(tx, tfAttrs.depthRadius, tfAttrs.bias, tfAttrs.alpha, tfAttrs.beta) : undefined,
          dispose: () => {
            x.dispose();
            tx?.dispose();
          },
        };
      },
    },
    {
      group,
      name: 'lrn backward',
      shape: `${nchw(shape)}, size ${size}`,
      kind: 'memory',
      bytes: 3 * count * F32,
      prepare: ({ engine, peer }) => {
        const lrnBackward = grad(engine, 'lrn');
        const xData = randomData(count, 20);
        const dyData = randomData(count, 21);
        const x = engine.tensor(xData, shape);
        const dy = engine.tensor(dyData, shape);
        let t: { x: TfTensor4D; y: TfTensor4D; dy: TfTensor4D } | null = null;
        if (peer) {
          const tx = peer.nhwc(xData, shape);
          t = { x: tx, y: peer.tf.localResponseNormalization(tx, tfAttrs.depthRadius, tfAttrs.bias, tfAttrs.alpha, tfAttrs.beta), dy: peer.nhwc(dyData, shape) };
        }
        return {
          ours: () => lrnBackward(x, dy, attrs),
          peer: peer && t ? () => peer.tf.engine().runKernel('LRNGrad', { x: t.x, y: t.y, dy: t.dy }, tfAttrs) as TfTensor : undefined,
          note: 'TF.js: its LRNGrad kernel, given the forward output',
          dispose: () => {
            x.dispose();
            dy.dispose();
            if (t) peer!.tf.dispose([t.x, t.y, t.dy]);
          },
        };
      },
    },
  ];
  return backward ? rows : rows.slice(0, 1);
}
