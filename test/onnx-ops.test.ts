// One small ONNX graph using most of the supported operators, imported and run on the GPU, against
// the same graph evaluated on the CPU with ONNX's own semantics: BatchNormalization unfolded, Gemm
// with alpha / beta / transB = 0, Pad and Clip from inputs, bias Add as an Add. If an attribute were
// mapped wrongly or a fold were off, the numbers would disagree.

import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../src/models/onnx/index.ts';
import * as pool from '../src/reference/pool.ts';
import * as ref from '../src/reference/conv.ts';
import { lrn } from '../src/reference/lrn.ts';
import { concat } from '../src/reference/concat.ts';
import { gemm } from '../src/reference/gemm.ts';
import { softmax } from '../src/reference/softmax.ts';
import { expectClose, getEngine, randomArray } from './helpers/engine.ts';
import { attr, buildOnnx, f32, i64, node } from './helpers/onnx.ts';

type T = { data: ArrayLike<number>; shape: number[] };

// ---- ONNX semantics on the CPU, for the operators without a reference in src/reference -----------

function pad({ data, shape: [n, c, h, w] }: T, [top, left, bottom, right]: number[], value: number): T {
  const [ho, wo] = [h + top + bottom, w + left + right];
  const out = new Float64Array(n * c * ho * wo).fill(value);
  for (let p = 0; p < n * c; p++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(p * ho + y + top) * wo + x + left] = data[(p * h + y) * w + x];
  return { data: out, shape: [n, c, ho, wo] };
}

/** Per-channel map over NCHW. */
function perChannel({ data, shape }: T, f: (v: number, c: number) => number): T {
  const plane = shape.slice(2).reduce((a, b) => a * b, 1);
  return { data: Array.from(data, (v, i) => f(v, Math.floor(i / plane) % shape[1])), shape };
}

function batchNorm(x: T, g: number[], beta: number[], mean: number[], variance: number[], eps: number): T {
  return perChannel(x, (v, c) => ((v - mean[c]) / Math.sqrt(variance[c] + eps)) * g[c] + beta[c]);
}

const values = (n: number, seed: number, lo = -1, hi = 1) => Array.from(randomArray(n, seed, lo, hi));

describe('ONNX operators, end to end on the GPU', () => {
  it('a graph of Pad, Conv+BN, MaxPool (ceil), Conv+Add, LeakyRelu, AveragePool, LRN, Concat, lone BN, Clip, GlobalAveragePool, Flatten, Gemm, Softmax', async () => {
    const engine = await getEngine();
    const w1 = values(4 * 3 * 3 * 3, 1);
    const b1 = values(4, 2);
    const bn1 = { g: values(4, 3, 0.5, 2), beta: values(4, 4), mean: values(4, 5), variance: values(4, 6, 0.1, 2) };
    const w2 = values(2 * 4, 7);
    const addend = values(2, 8);
    const bn2 = { g: values(6, 9, 0.5, 2), beta: values(6, 10), mean: values(6, 11), variance: values(6, 12, 0.1, 2) };
    const gemmB = values(6 * 5, 13);
    const gemmC = values(5, 14);
    const bytes = buildOnnx({
      input: { name: 'image', shape: ['N', 3, 9, 9] },
      nodes: [
        node('Pad', ['image', 'pads', 'pad_value'], ['padded'], [], 'pad'),
        node('Conv', ['padded', 'w1', 'b1'], ['c1'], [attr.ints('kernel_shape', [3, 3])], 'conv1'),
        node('BatchNormalization', ['c1', 'g1', 'beta1', 'mean1', 'var1'], ['n1'], [attr.float('epsilon', 1e-3)], 'bn1'),
        node('Relu', ['n1'], ['r1'], [], 'relu1'),
        node('MaxPool', ['r1'], ['p1'], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.int('ceil_mode', 1)], 'pool1'),
        node('Conv', ['p1', 'w2'], ['c2'], [], 'conv2'),
        node('Add', ['c2', 'addend'], ['c2b'], [], 'conv2_bias'),
        node('LeakyRelu', ['c2b'], ['l2'], [attr.float('alpha', 0.1)], 'leaky'),
        node('AveragePool', ['p1'], ['a1'], [attr.ints('kernel_shape', [2, 2]), attr.ints('pads', [1, 1, 0, 0]), attr.int('count_include_pad', 1)], 'avg'),
        node('LRN', ['a1'], ['lrn'], [attr.int('size', 3), attr.float('alpha', 0.5), attr.float('beta', 0.75), attr.float('bias', 2)], 'norm'),
        node('Concat', ['l2', 'lrn'], ['cat'], [attr.int('axis', 1)], 'cat'),
        node('BatchNormalization', ['cat', 'g2', 'beta2', 'mean2', 'var2'], ['n2'], [], 'bn2'),
        node('Constant', [], ['clip_min'], [attr.tensor('value', f32('', [], [-0.5]))]),
        node('Clip', ['n2', 'clip_min', 'clip_max'], ['clipped'], [], 'clip'),
        node('GlobalAveragePool', ['clipped'], ['gap'], [], 'gap'),
        node('Flatten', ['gap'], ['flat'], [], 'flatten'),
        node('Gemm', ['flat', 'B', 'C'], ['logits'], [attr.float('alpha', 0.7), attr.float('beta', 1.3)], 'fc'),
        node('Softmax', ['logits'], ['prob'], [], 'prob'),
      ],
      initializers: [
        i64('pads', [8], [0, 0, 1, 0, 0, 0, 0, 1]),
        f32('pad_value', [], [0.25]),
        f32('w1', [4, 3, 3, 3], w1),
        f32('b1', [4], b1),
        f32('g1', [4], bn1.g), f32('beta1', [4], bn1.beta), f32('mean1', [4], bn1.mean), f32('var1', [4], bn1.variance),
        f32('w2', [2, 4, 1, 1], w2),
        f32('addend', [1, 2, 1, 1], addend),
        f32('g2', [6], bn2.g), f32('beta2', [6], bn2.beta), f32('mean2', [6], bn2.mean), f32('var2', [6], bn2.variance),
        f32('clip_max', [], [0.8]),
        f32('B', [6, 5], gemmB),
        f32('C', [5], gemmC),
      ],
    });
    const model = await loadOnnx(engine, bytes);
    expect(model.layers.map((l) => `${l.name}:${l.type}`)).toEqual([
      'pad:pad', 'conv1:conv', 'relu1:relu', 'pool1:maxpool', 'conv2:conv', 'leaky:leakyrelu', 'avg:avgpool', 'norm:lrn', 'cat:concat', 'bn2:conv', 'clip:clip', 'gap:globalavgpool', 'flatten:flatten', 'fc:linear', 'prob:softmax',
    ]);

    // The CPU evaluation, operator by operator as ONNX defines them.
    const x: T = { data: randomArray(2 * 3 * 9 * 9, 15, -2, 2), shape: [2, 3, 9, 9] };
    const padded = pad(x, [1, 0, 0, 1], 0.25);
    const n1 = batchNorm(ref.conv2d(padded.data, padded.shape, w1, [4, 3, 3, 3], b1), bn1.g, bn1.beta, bn1.mean, bn1.variance, 1e-3);
    const r1 = perChannel(n1, (v) => Math.max(0, v));
    const p1 = pool.maxPool2d(r1.data, r1.shape, { kernelShape: [3, 3], strides: [2, 2], ceilMode: true });
    const p1t: T = { data: p1.y, shape: p1.shape };
    const c2 = perChannel(ref.conv2d(p1t.data, p1t.shape, w2, [2, 4, 1, 1]), (v, c) => v + addend[c]);
    const l2 = perChannel(c2, (v) => (v < 0 ? 0.1 * v : v));
    const a1 = pool.avgPool2d(p1.y, p1.shape, { kernelShape: [2, 2], pads: [1, 1, 0, 0], countIncludePad: true });
    const norm = lrn(a1.y, a1.shape, { size: 3, alpha: 0.5, beta: 0.75, bias: 2 });
    const cat: T = { data: concat([l2.data, norm], [l2.shape, a1.shape], 1), shape: [2, 6, l2.shape[2], l2.shape[3]] };
    const clipped = perChannel(batchNorm(cat, bn2.g, bn2.beta, bn2.mean, bn2.variance, 1e-5), (v) => Math.min(0.8, Math.max(-0.5, v)));
    const gap = pool.globalAveragePool(clipped.data, clipped.shape);
    const logits = gemm(gap, [2, 6], gemmB, [6, 5], gemmC, [5], { alpha: 0.7, beta: 1.3 });
    const prob = softmax(logits, [2, 5], 1);

    const input = engine.tensor(x.data as Float32Array, x.shape);
    const outputs = await model.forward(input);
    const read = (name: string) => outputs.get(name)!.readFloat();
    expect(outputs.get('pool1')!.shape).toEqual([2, 4, 4, 4]);
    expectClose(await read('pool1'), p1.y, { label: 'pool1 (conv1 with bn1 folded, relu, max pool)', rtol: 1e-4, atol: 1e-4 });
    expectClose(await read('leaky'), l2.data, { label: 'leaky (conv2 with its bias Add folded)', rtol: 1e-4, atol: 1e-4 });
    expectClose(await read('norm'), norm, { label: 'norm (avg pool, lrn)', rtol: 1e-4, atol: 1e-4 });
    expectClose(await read('clip'), clipped.data, { label: 'clip (lone bn2 as a depthwise conv, clip)', rtol: 1e-4, atol: 1e-4 });
    expectClose(await read('fc'), logits, { label: 'fc (gemm with alpha, beta, transB = 0)', rtol: 1e-4, atol: 1e-4 });
    expectClose(await read('prob'), prob, { label: 'prob', rtol: 1e-4, atol: 1e-5 });
    for (const t of outputs.values()) t.dispose();
    input.dispose();
    model.dispose();
  });
});
