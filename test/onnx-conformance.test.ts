// ONNX operator semantics on the edge cases the ONNX backend tests cover, imported and run on the
// GPU. Expected values are the backend tests' own where they use small explicit data (the
// *_precomputed_* MaxPool / AveragePool cases, maxpool_2d_ceil, maxpool_2d_ceil_output_size_reduce_by_one),
// otherwise worked out by hand from the operator's definition in Operators.md (noted per case).
// Where we differ on purpose (MaxUnpool, Gemm with a per-row C, ConvTranspose output_shape larger
// than the kernel can produce), the importer refuses, naming the node.

import { describe, expect, it } from 'vitest';
import { loadOnnx, onnxToSpec } from '../src/models/onnx/index.ts';
import { expectClose, getEngine } from './helpers/engine.ts';
import { attr, buildOnnx, f32, node } from './helpers/onnx.ts';
import type { OnnxAttribute, OnnxTensor } from '../src/models/onnx/index.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Runs a one-node graph (after a Flatten, for Gemm) on x [1, c, h, w] and returns the output. */
async function run(opType: string, x: { shape: number[]; data: number[] }, attributes: OnnxAttribute[], initializers: OnnxTensor[] = [], extraInputs: string[] = []): Promise<{ shape: number[]; data: number[] }> {
  const engine = await getEngine();
  const flat = opType === 'Gemm';
  const nodes = [...(flat ? [node('Flatten', ['x'], ['f'], [], 'flatten')] : []), node(opType, [flat ? 'f' : 'x', ...extraInputs], ['y'], attributes, 'op')];
  const model = await loadOnnx(engine, buildOnnx({ input: { name: 'x', shape: x.shape }, nodes, initializers }));
  const input = engine.tensor(Float32Array.from(x.data), x.shape);
  const outputs = await model.forward(input);
  const y = outputs.get('op')!;
  const result = { shape: y.shape, data: Array.from(await y.readFloat()) };
  for (const t of outputs.values()) t.dispose();
  input.dispose();
  model.dispose();
  return result;
}

const grid = (h: number, w: number) => ({ shape: [1, 1, h, w], data: range(h * w) });

describe('ONNX pooling edge cases (backend test data)', () => {
  it('maxpool_2d_precomputed_same_upper, _pads, _strides; maxpool_2d_ceil; maxpool_2d_ceil_output_size_reduce_by_one', async () => {
    const k = (n: number) => attr.ints('kernel_shape', [n, n]);
    const s = (n: number) => attr.ints('strides', [n, n]);
    expect(await run('MaxPool', grid(5, 5), [k(3), s(2), attr.string('auto_pad', 'SAME_UPPER')])).toEqual({ shape: [1, 1, 3, 3], data: [7, 9, 10, 17, 19, 20, 22, 24, 25] });
    expect((await run('MaxPool', grid(5, 5), [k(5), attr.ints('pads', [2, 2, 2, 2])])).data).toEqual([13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25]);
    expect(await run('MaxPool', grid(5, 5), [k(2), s(2)])).toEqual({ shape: [1, 1, 2, 2], data: [7, 9, 17, 19] });
    expect(await run('MaxPool', grid(4, 4), [k(3), s(2), attr.int('ceil_mode', 1)])).toEqual({ shape: [1, 1, 2, 2], data: [11, 12, 15, 16] });
    // ceil mode never starts a window in the trailing padding: 2x2, kernel 1, stride 2 -> 1x1, not 2x2.
    expect(await run('MaxPool', grid(2, 2), [k(1), s(2), attr.int('ceil_mode', 1)])).toEqual({ shape: [1, 1, 1, 1], data: [1] });
  });

  it('SAME_LOWER puts the odd padding first (kernel 2, stride 1 on 3x3, worked from the auto_pad definition)', async () => {
    const attrs = (mode: string) => [attr.ints('kernel_shape', [2, 2]), attr.string('auto_pad', mode)];
    expect((await run('MaxPool', grid(3, 3), attrs('SAME_UPPER'))).data).toEqual([5, 6, 6, 8, 9, 9, 8, 9, 9]);
    expect((await run('MaxPool', grid(3, 3), attrs('SAME_LOWER'))).data).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The same for Conv: a 2x2 kernel of ones sums the window.
    const ones = [f32('w', [1, 1, 2, 2], [1, 1, 1, 1])];
    expect((await run('Conv', grid(3, 3), [attr.string('auto_pad', 'SAME_UPPER')], ones, ['w'])).data).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
    expect((await run('Conv', grid(3, 3), [attr.string('auto_pad', 'SAME_LOWER')], ones, ['w'])).data).toEqual([1, 3, 5, 5, 12, 16, 11, 24, 28]);
  });

  it('averagepool_2d_precomputed_same_upper, _pads, _pads_count_include_pad', async () => {
    const k = (n: number) => attr.ints('kernel_shape', [n, n]);
    const y = await run('AveragePool', grid(5, 5), [k(3), attr.ints('strides', [2, 2]), attr.string('auto_pad', 'SAME_UPPER')]);
    expectClose(y.data, [4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22], { label: 'same_upper' });
    const pads = attr.ints('pads', [2, 2, 2, 2]);
    expectClose((await run('AveragePool', grid(5, 5), [k(5), pads])).data, [7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16, 16.5, 17, 17.5, 18, 18.5, 19], { label: 'pads' });
    // count_include_pad: every window divides by 25, padding included (the definition; the corners
    // agree with the backend test's 2.52, 3.24, 6.12).
    const windowSum = (i: number, j: number) => range(25).filter((v) => Math.abs(Math.floor((v - 1) / 5) - i) <= 2 && Math.abs(((v - 1) % 5) - j) <= 2).reduce((a, b) => a + b, 0);
    const included = range(25).map((v) => windowSum(Math.floor((v - 1) / 5), (v - 1) % 5) / 25);
    expect([included[0], included[4], included[20]]).toEqual([2.52, 3.24, 6.12]);
    expectClose((await run('AveragePool', grid(5, 5), [k(5), pads, attr.int('count_include_pad', 1)])).data, included, { label: 'count_include_pad' });
  });
});

describe('LRN with an even size', () => {
  it('sums channels c - floor((size-1)/2) .. c + ceil((size-1)/2): for size 2, the channel and the next one', async () => {
    // x = 1, 2, 3, 4 over 4 channels; alpha 2, beta 1, bias 1: y[c] = x[c] / (1 + (2/2) * sum of squares).
    const y = await run('LRN', { shape: [1, 4, 1, 1], data: [1, 2, 3, 4] }, [attr.int('size', 2), attr.float('alpha', 2), attr.float('beta', 1), attr.float('bias', 1)]);
    expectClose(y.data, [1 / 6, 2 / 14, 3 / 26, 4 / 17], { label: 'lrn size 2' });
  });
});

describe('Gemm broadcasting of C', () => {
  // A [1, 3] x B [3, 2]: A B = [1*1 + 2*3 + 3*5, 1*2 + 2*4 + 3*6] = [22, 28]; alpha 0.5, beta 2.
  const B = f32('B', [3, 2], [1, 2, 3, 4, 5, 6]);
  const gemm = (c: OnnxTensor) => run('Gemm', { shape: [1, 3, 1, 1], data: [1, 2, 3] }, [attr.float('alpha', 0.5), attr.float('beta', 2)], [B, c], ['B', 'C']);

  it('C as a scalar, [N], [1, N] and [M, 1] (M = 1) all broadcast as ONNX says', async () => {
    expect((await gemm(f32('C', [], [1]))).data).toEqual([13, 16]);
    expect((await gemm(f32('C', [2], [1, -1]))).data).toEqual([13, 12]);
    expect((await gemm(f32('C', [1, 2], [1, -1]))).data).toEqual([13, 12]);
    expect((await gemm(f32('C', [1, 1], [3]))).data).toEqual([17, 20]);
  });

  it('C with one row per batch item ([2, N]: the batch is free here) is refused naming the node', () => {
    const bytes = buildOnnx({ input: { name: 'x', shape: [1, 3, 1, 1] }, nodes: [node('Flatten', ['x'], ['f'], [], 'flatten'), node('Gemm', ['f', 'B', 'C'], ['y'], [], 'fc')], initializers: [B, f32('C', [2, 2], [1, 2, 3, 4])] });
    expect(() => onnxToSpec(bytes)).toThrow("ONNX model: node 'fc' (Gemm): C [2, 2] must broadcast as a bias of 2 values");
  });
});

describe('refused on purpose, naming the node', () => {
  it('MaxUnpool (any output_shape): unsupported', () => {
    const bytes = buildOnnx({
      input: { name: 'x', shape: [1, 1, 4, 4] },
      nodes: [node('MaxPool', ['x'], ['p', 'i'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])], 'pool'), node('MaxUnpool', ['p', 'i', 'shape'], ['y'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])], 'unpool')],
    });
    expect(() => onnxToSpec(bytes)).toThrow(/unsupported operator: MaxUnpool \(node 'unpool'\)/);
  });

  it('ConvTranspose with an output_shape larger than the kernel can produce', () => {
    const bytes = buildOnnx({
      input: { name: 'x', shape: [1, 1, 3, 3] },
      nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [attr.ints('strides', [2, 2]), attr.ints('output_shape', [9, 9])], 'up')],
      initializers: [f32('w', [1, 1, 2, 2], [1, 1, 1, 1])],
    });
    expect(() => onnxToSpec(bytes)).toThrow("ONNX model: node 'up' (ConvTranspose): output_shape [9, 9] is larger than the convolution can produce");
  });
});
