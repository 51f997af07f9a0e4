// ONNX import on the CPU: the protobuf layer, and the translation of each operator into ModelSpec
// nodes and weights (hand-worked numbers for the folds), and the errors. No GPU here.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter } from '../src/models/onnx/protobuf.ts';
import { decodeModel, encodeModel, onnxToSpec, DATA_TYPE, type OnnxTensor } from '../src/models/onnx/index.ts';
import { attr, buildOnnx, f32, i64, node } from './helpers/onnx.ts';

const squeezenetPath = new URL('../../shared/models/squeezenet1.1/squeezenet1.1.onnx', import.meta.url);
const weightOf = (r: ReturnType<typeof onnxToSpec>, name: string) => Array.from(r.weights.get(name)!.data);
const specNode = (r: ReturnType<typeof onnxToSpec>, name: string) => r.spec.nodes.find((n) => n.name === name);
const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));

describe('protobuf wire format', () => {
  it('round-trips varints (negative int64 included), floats, strings and nested messages', () => {
    const ints = [0, 1, 127, 128, 300, -1, -2, 2 ** 31, -(2 ** 31), 2 ** 40 + 5, 2 ** 53 - 1];
    const w = new ProtoWriter();
    for (const v of ints) w.int(1, v);
    w.packedInts(2, ints).float(3, 1.5).message(4, (m) => m.string(1, 'héllo'));
    const r = new ProtoReader(w.finish(), 'test');
    const single: number[] = [];
    const packed: number[] = [];
    const seen: unknown[] = [];
    while (!r.done) {
      const [field, wire] = r.tag();
      if (field === 1) single.push(r.int64());
      else if (field === 2) r.int64s(wire, packed);
      else if (field === 3) seen.push(r.fixed32());
      else {
        const m = r.message('sub');
        m.tag();
        seen.push(m.string());
      }
    }
    expect(single).toEqual(ints);
    expect(packed).toEqual(ints);
    expect(seen).toEqual([1.5, 'héllo']);
  });

  it('hand-decoded bytes: field 1 = 150 is 08 96 01', () => {
    const r = new ProtoReader(Uint8Array.of(0x08, 0x96, 0x01), 'test');
    expect(r.tag()).toEqual([1, 0]);
    expect(r.varint()).toBe(150);
    expect(new ProtoWriter().int(1, 150).finish()).toEqual(Uint8Array.of(0x08, 0x96, 0x01));
  });

  it('reports truncation with the message being read', () => {
    const cut = new ProtoReader(Uint8Array.of(0x08, 0x96), 'NodeProto');
    cut.tag();
    expect(() => cut.varint()).toThrow(/truncated NodeProto: a varint at byte 2 runs past the end \(byte 2\)/);
    const r = new ProtoReader(Uint8Array.of(0x0a, 0x05, 0x01), 'GraphProto');
    r.tag();
    expect(() => r.bytesField()).toThrow(/truncated GraphProto: a field of 5 bytes at byte 2 runs past the end \(byte 3\)/);
  });

  it('skips unknown fields and decodes the real SqueezeNet 1.1', () => {
    const bytes = new Uint8Array(readFileSync(squeezenetPath));
    const model = decodeModel(bytes);
    expect(model.opsets).toEqual([{ domain: '', version: 13 }]);
    expect(model.graph.inputs[0]).toEqual({ name: 'data', elemType: 1, shape: [1, 3, 224, 224] });
    expect(model.graph.outputs[0].name).toBe('logits');
    expect(model.graph.initializers).toHaveLength(52);
    expect(new Set(model.graph.nodes.map((n) => n.opType))).toEqual(new Set(['Conv', 'Relu', 'MaxPool', 'Concat', 'GlobalAveragePool', 'Flatten']));
    // Re-encoding gives the same graph (our encoder and decoder agree on every field we use).
    const again = decodeModel(encodeModel(model));
    expect(again.graph.nodes).toEqual(model.graph.nodes);
    expect(again.graph.initializers.map((t) => t.name)).toEqual(model.graph.initializers.map((t) => t.name));
    // An unknown field (number 99, a string) appended to the ModelProto is skipped.
    const extra = new ProtoWriter().string(99, 'future field').finish();
    const withExtra = new Uint8Array(bytes.length + extra.length);
    withExtra.set(bytes);
    withExtra.set(extra, bytes.length);
    expect(decodeModel(withExtra).graph.nodes.length).toBe(model.graph.nodes.length);
  });
});

describe('onnxToSpec: SqueezeNet 1.1', () => {
  it('translates every node, naming layers after the ONNX nodes', () => {
    const r = onnxToSpec(readFileSync(squeezenetPath));
    expect(r.spec.nodes).toHaveLength(65);
    expect(r.spec.input).toMatchObject({ name: 'data', shape: [3, 224, 224], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0.485, 0.456, 0.406] } });
    expect(r.spec.output).toBe('flatten'); // the node computing the graph output 'logits'
    expect(r.spec.nodes.slice(0, 4)).toEqual([
      { name: 'conv0', type: 'conv', inputs: ['data'], attrs: { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 } },
      { name: 'conv0_relu', type: 'relu', inputs: ['conv0'] },
      { name: 'pool0', type: 'maxpool', inputs: ['conv0_relu'], attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false } },
      { name: 'conv1', type: 'conv', inputs: ['pool0'], attrs: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 } },
    ]);
    // Tensor names translate to the nodes producing them: conv1_relu's output is 'fire1_squeeze'.
    expect(specNode(r, 'conv2')!.inputs).toEqual(['conv1_relu']);
    expect(specNode(r, 'fire1')).toMatchObject({ type: 'concat', inputs: ['conv2_relu', 'conv3_relu'], attrs: { axis: 1 } });
    expect(r.weights.get('conv0.weight')!.shape).toEqual([64, 3, 3, 3]);
    expect(r.weights.get('conv0.weight')!.data[0]).toBeCloseTo(0.2116604447364807, 7);
    expect([...r.weights.values()].reduce((n, t) => n + t.data.length, 0)).toBe(1235496);
  });

  it('takes preprocessing and labels from the options', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
    const r = onnxToSpec(readFileSync(squeezenetPath), { preprocessing: 'caffe', labels });
    expect(r.spec.input.preprocessing).toEqual({ channelOrder: 'BGR', range: 255, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] });
    expect(r.spec.labels![999]).toBe('class 999');
    expect(() => onnxToSpec(readFileSync(squeezenetPath), { labels: ['a', 'b'], source: 'squeezenet1.1.onnx' })).toThrow(
      "ONNX file 'squeezenet1.1.onnx': 2 labels were given, but the output 'flatten' [1, 1000] has 1000 units",
    );
    expect(() => onnxToSpec(readFileSync(squeezenetPath), { preprocessing: 'nope' as 'caffe' })).toThrow(/unknown preprocessing preset 'nope'/);
  });
});

describe('onnxToSpec: operators', () => {
  const x1 = { name: 'x', shape: ['N', 1, 4, 4] };

  it('folds BatchNormalization into the preceding Conv (hand-worked)', () => {
    // s = gamma / sqrt(var + eps) = [4/2, 3/1]; w' = w * s; b' = (b - mean) * s + beta.
    const r = onnxToSpec(
      buildOnnx({
        input: x1,
        nodes: [node('Conv', ['x', 'w', 'b'], ['c'], [], 'conv'), node('BatchNormalization', ['c', 'g', 'beta', 'mean', 'var'], ['y'], [attr.float('epsilon', 1)], 'bn')],
        initializers: [f32('w', [2, 1, 1, 1], [2, 3]), f32('b', [2], [1, -1]), f32('g', [2], [4, 3]), f32('beta', [2], [0.5, 0]), f32('mean', [2], [1, 2]), f32('var', [2], [3, 0])],
      }),
    );
    expect(r.spec.nodes.map((n) => n.name)).toEqual(['conv']);
    expect(r.spec.output).toBe('conv');
    expect(weightOf(r, 'conv.weight')).toEqual([4, 9]);
    expect(weightOf(r, 'conv.bias')).toEqual([0.5, -9]);
  });

  it('folds BatchNormalization into a grouped ConvTranspose, and keeps a lone one as a depthwise conv', () => {
    // ConvTranspose weight [C=2, M/group=1, 1, 1] with group 2: output channel m reads w[m].
    const folded = onnxToSpec(
      buildOnnx({
        input: { name: 'x', shape: [1, 2, 3, 3] },
        nodes: [node('ConvTranspose', ['x', 'w'], ['c'], [attr.int('group', 2)], 'up'), node('BatchNormalization', ['c', 'g', 'beta', 'mean', 'var'], ['y'], [attr.float('epsilon', 0)])],
        initializers: [f32('w', [2, 1, 1, 1], [5, 7]), f32('g', [2], [2, 1]), f32('beta', [2], [0, 1]), f32('mean', [2], [0, 3]), f32('var', [2], [4, 1])],
      }),
    );
    expect(weightOf(folded, 'up.weight')).toEqual([5, 7]); // s = [2/2, 1/1]
    expect(weightOf(folded, 'up.bias')).toEqual([0, -2]); // (0 - mean) * s + beta
    const lone = onnxToSpec(
      buildOnnx({
        input: { name: 'x', shape: [1, 2, 3, 3] },
        nodes: [node('Relu', ['x'], ['r']), node('BatchNormalization', ['r', 'g', 'beta', 'mean', 'var'], ['y'], [attr.float('epsilon', 0)], 'bn')],
        initializers: [f32('g', [2], [2, 1]), f32('beta', [2], [0, 1]), f32('mean', [2], [0, 3]), f32('var', [2], [4, 1])],
      }),
    );
    expect(specNode(lone, 'bn')).toEqual({ name: 'bn', type: 'conv', inputs: ['r'], attrs: { group: 2 } });
    expect(weightOf(lone, 'bn.weight')).toEqual([1, 1]);
    expect(weightOf(lone, 'bn.bias')).toEqual([0, -2]);
  });

  it('does not fold into a convolution whose output has other readers', () => {
    const r = onnxToSpec(
      buildOnnx({
        input: x1,
        nodes: [
          node('Conv', ['x', 'w'], ['c'], [], 'conv'),
          node('BatchNormalization', ['c', 'g', 'beta', 'mean', 'var'], ['n'], [], 'bn'),
          node('Add', ['c', 'n'], ['y'], [], 'sum'),
        ],
        initializers: [f32('w', [1, 1, 1, 1], [2]), f32('g', [1], [1]), f32('beta', [1], [0]), f32('mean', [1], [0]), f32('var', [1], [1])],
      }),
    );
    expect(r.spec.nodes.map((n) => `${n.name}:${n.type}`)).toEqual(['conv:conv', 'bn:conv', 'sum:add']);
    expect(weightOf(r, 'conv.weight')).toEqual([2]);
  });

  it('maps Gemm to linear: transposes B when transB = 0 and folds alpha and beta (hand-worked)', () => {
    const input = { name: 'x', shape: [1, 2, 1, 1] };
    const r = onnxToSpec(
      buildOnnx({
        input,
        nodes: [node('Flatten', ['x'], ['f'], [], 'flat'), node('Gemm', ['f', 'B', 'C'], ['y'], [attr.float('alpha', 2), attr.float('beta', 0.5)], 'fc')],
        initializers: [f32('B', [2, 3], [1, 2, 3, 4, 5, 6]), f32('C', [1, 3], [1, 2, 3])],
      }),
    );
    expect(r.weights.get('fc.weight')!.shape).toEqual([3, 2]);
    expect(weightOf(r, 'fc.weight')).toEqual([2, 8, 4, 10, 6, 12]);
    expect(weightOf(r, 'fc.bias')).toEqual([0.5, 1, 1.5]);
    const t = onnxToSpec(
      buildOnnx({
        input,
        nodes: [node('Flatten', ['x'], ['f']), node('Gemm', ['f', 'B', 'C'], ['y'], [attr.int('transB', 1)], 'fc')],
        initializers: [f32('B', [3, 2], [1, 2, 3, 4, 5, 6]), f32('C', [], [7])],
      }),
    );
    expect(weightOf(t, 'fc.weight')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(weightOf(t, 'fc.bias')).toEqual([7, 7, 7]); // a scalar C broadcasts
  });

  it('maps MatMul with a constant to linear and folds the following bias Add', () => {
    const r = onnxToSpec(
      buildOnnx({
        input: { name: 'x', shape: [1, 2, 1, 1] },
        nodes: [node('Reshape', ['x', 'shape'], ['f'], [], 'flat'), node('MatMul', ['f', 'W'], ['m'], [], 'fc'), node('Add', ['bias', 'm'], ['y'], [], 'fc_bias')],
        initializers: [i64('shape', [2], [0, -1]), f32('W', [2, 3], [1, 2, 3, 4, 5, 6]), f32('bias', [3], [0.5, 0.25, 0.125])],
      }),
    );
    expect(r.spec.nodes.map((n) => n.name)).toEqual(['flat', 'fc']);
    expect(specNode(r, 'flat')).toEqual({ name: 'flat', type: 'reshape', inputs: ['x'], attrs: { shape: [-1] } });
    expect(weightOf(r, 'fc.weight')).toEqual([1, 4, 2, 5, 3, 6]);
    expect(weightOf(r, 'fc.bias')).toEqual([0.5, 0.25, 0.125]);
    expect(r.spec.output).toBe('fc');
  });

  it('folds a per-channel constant Add into a Conv bias, and rejects other constant Adds', () => {
    const conv = (addend: OnnxTensor) =>
      buildOnnx({
        input: x1,
        nodes: [node('Conv', ['x', 'w'], ['c'], [], 'conv'), node('Add', ['c', addend.name], ['y'], [], 'plus')],
        initializers: [f32('w', [2, 1, 1, 1], [1, 1]), addend],
      });
    expect(weightOf(onnxToSpec(conv(f32('k', [1, 2, 1, 1], [3, 4]))), 'conv.bias')).toEqual([3, 4]);
    expect(() => onnxToSpec(conv(f32('k', [1, 2, 4, 4], new Array(32).fill(1))))).toThrow(
      "ONNX model: node 'plus' (Add): adding a constant [1, 2, 4, 4] is supported only as a per-channel bias of the Conv, ConvTranspose, Gemm or MatMul whose sole reader it is",
    );
  });

  it('computes auto_pad SAME_UPPER / SAME_LOWER padding and ConvTranspose output_shape padding', () => {
    const convWith = (autoPad: string) =>
      onnxToSpec(
        buildOnnx({
          input: { name: 'x', shape: [1, 1, 8, 8] },
          nodes: [node('Conv', ['x', 'w'], ['y'], [attr.string('auto_pad', autoPad), attr.ints('strides', [2, 2])], 'c')],
          initializers: [f32('w', [1, 1, 3, 3], new Array(9).fill(1))],
        }),
      );
    // out = ceil(8 / 2) = 4; total padding = (4 - 1) * 2 + 3 - 8 = 1.
    expect(specNode(convWith('SAME_UPPER'), 'c')!.attrs!.pads).toEqual([0, 0, 1, 1]);
    expect(specNode(convWith('SAME_LOWER'), 'c')!.attrs!.pads).toEqual([1, 1, 0, 0]);
    expect(specNode(convWith('VALID'), 'c')!.attrs!.pads).toEqual([0, 0, 0, 0]);
    const up = onnxToSpec(
      buildOnnx({
        input: { name: 'x', shape: [1, 1, 3, 3] },
        nodes: [node('ConvTranspose', ['x', 'w'], ['y'], [attr.ints('strides', [2, 2]), attr.ints('output_shape', [6, 5])], 'up')],
        initializers: [f32('w', [1, 2, 3, 3], new Array(18).fill(1))],
      }),
    );
    // total = 2 * (3 - 1) + 3 - [6, 5] = [1, 2]: the larger half at the start (NOTSET).
    expect(specNode(up, 'up')!.attrs).toMatchObject({ pads: [1, 1, 0, 1], outputPadding: [0, 0], strides: [2, 2] });
  });

  it('maps pooling, LRN, activations, Softmax, Dropout, Identity, Concat, Pad and Clip with their attributes', () => {
    const r = onnxToSpec(
      buildOnnx({
        input: { name: 'x', shape: [1, 4, 7, 7] },
        nodes: [
          node('MaxPool', ['x'], ['p1'], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.int('ceil_mode', 1)], 'mp'),
          node('AveragePool', ['x'], ['p2'], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 0, 0]), attr.int('count_include_pad', 1), attr.ints('strides', [2, 2])], 'ap'),
          node('Concat', ['p1', 'p2'], ['cat'], [attr.int('axis', -3)], 'cat'),
          node('LRN', ['cat'], ['n'], [attr.int('size', 5)], 'norm'),
          node('LeakyRelu', ['n'], ['l']),
          node('Constant', [], ['lo'], [attr.tensor('value', f32('', [], [-1]))]),
          node('Clip', ['l', 'lo', ''], ['clip'], [], 'clip'),
          node('Pad', ['clip', 'pads', 'padval'], ['pad'], [], 'pad'),
          node('Dropout', ['pad'], ['d'], [], 'drop'),
          node('Identity', ['d'], ['i'], [], 'same'),
          node('GlobalMaxPool', ['i'], ['g'], [], 'gmp'),
          node('Flatten', ['g'], ['f'], [], 'flat'),
          node('Softmax', ['f'], ['s'], [], 'prob'),
        ],
        initializers: [i64('pads', [8], [0, 0, 1, 2, 0, 0, 3, 4]), f32('padval', [], [0.5])],
      }),
    );
    const attrs = Object.fromEntries(r.spec.nodes.map((n) => [n.name, n.attrs ?? {}]));
    expect(r.spec.nodes.map((n) => `${n.name}:${n.type}`)).toEqual([
      'mp:maxpool', 'ap:avgpool', 'cat:concat', 'norm:lrn', 'l:leakyrelu', 'clip:clip', 'pad:pad', 'drop:dropout', 'same:identity', 'gmp:globalmaxpool', 'flat:flatten', 'prob:softmax',
    ]);
    expect(attrs.mp).toEqual({ kernelShape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: true });
    expect(attrs.ap).toEqual({ kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], ceilMode: false, countIncludePad: true });
    expect(attrs.cat).toEqual({ axis: 1 });
    expect(attrs.norm).toEqual({ size: 5, alpha: 1e-4, beta: 0.75, bias: 1 });
    expect(attrs.l.alpha).toBeCloseTo(0.01, 7);
    expect(attrs.clip).toEqual({ min: -1, max: 3.4028234663852886e38 });
    expect(attrs.pad).toEqual({ pads: [1, 2, 3, 4], value: 0.5 });
    expect(attrs.prob).toEqual({ axis: 1 });
  });

  it('reads opset-6 style attributes (Clip min/max, Pad pads/value, Reshape shape)', () => {
    const r = onnxToSpec(
      buildOnnx({
        opset: 4,
        input: { name: 'x', shape: [1, 2, 3, 3] },
        nodes: [
          node('Clip', ['x'], ['c'], [attr.float('min', 0), attr.float('max', 6)], 'relu6'),
          node('Pad', ['c'], ['p'], [attr.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), attr.float('value', -1)], 'pad'),
          node('Reshape', ['p'], ['r'], [attr.ints('shape', [1, 50])], 'flat'),
          node('Softmax', ['r'], ['s'], [], 'prob'),
        ],
      }),
    );
    expect(r.spec.nodes.map((n) => n.attrs)).toEqual([{ min: 0, max: 6 }, { pads: [1, 1, 1, 1], value: -1 }, { shape: [50] }, { axis: 1 }]);
  });

  it('reads float_data and FLOAT16 initializers, and skips initializers listed as graph inputs', () => {
    const half: OnnxTensor = { name: 'b', dims: [2], dataType: DATA_TYPE.FLOAT16, rawData: Uint8Array.of(0x00, 0x3c, 0x00, 0xc0) }; // 1, -2
    const floatData: OnnxTensor = { name: 'w', dims: [2, 1, 1, 1], dataType: DATA_TYPE.FLOAT, floatData: Float32Array.of(0.5, 0.25) };
    const r = onnxToSpec(buildOnnx({ input: x1, nodes: [node('Conv', ['x', 'w', 'b'], ['y'], [], 'conv')], initializers: [floatData, half], initializersAsInputs: true }));
    expect(weightOf(r, 'conv.weight')).toEqual([0.5, 0.25]);
    expect(weightOf(r, 'conv.bias')).toEqual([1, -2]);
    expect(r.spec.input.name).toBe('x');
    // An Identity of a weight (as exporters write for shared parameters) is that weight.
    const shared = onnxToSpec(buildOnnx({ input: x1, nodes: [node('Identity', ['w'], ['w2']), node('Conv', ['x', 'w2'], ['y'], [], 'conv')], initializers: [floatData] }));
    expect(shared.spec.nodes.map((n) => n.name)).toEqual(['conv']);
    expect(weightOf(shared, 'conv.weight')).toEqual([0.5, 0.25]);
  });

  it('names unnamed nodes after their first output and keeps names unique', () => {
    const r = onnxToSpec(
      buildOnnx({
        input: x1,
        nodes: [node('Relu', ['x'], ['act']), node('Relu', ['act'], ['x2'], [], 'x'), node('Relu', ['x2'], ['y'], [], 'x')],
      }),
    );
    expect(r.spec.nodes.map((n) => [n.name, n.inputs[0]])).toEqual([
      ['act', 'x'],
      ['x_2', 'act'],
      ['x_3', 'x_2'],
    ]);
    expect(r.spec.output).toBe('x_3');
  });
});

describe('onnxToSpec: errors', () => {
  const x1 = { name: 'x', shape: ['N', 1, 4, 4] };

  it('lists every unsupported operator with its nodes', () => {
    const bytes = buildOnnx({
      input: x1,
      nodes: [
        node('Relu', ['x'], ['a'], [], 'ok'),
        node('Foo', ['a'], ['b'], [], 'foo1'),
        node('Foo', ['b'], ['c'], [], 'foo2'),
        node('Resize', ['c'], ['d'], [], 'up'),
        node('Gelu', ['d'], ['gelu_out'], [], '', 'com.microsoft'),
      ],
    });
    expect(() => onnxToSpec(bytes, { source: 'weird.onnx' })).toThrow(
      /^ONNX file 'weird\.onnx': unsupported operators: Foo \(nodes 'foo1', 'foo2'\); Resize \(node 'up'\); com\.microsoft\.Gelu \(node 'gelu_out'\)\. Supported: Conv, /,
    );
  });

  it('rejects a truncated or corrupt file', () => {
    const bytes = new Uint8Array(readFileSync(squeezenetPath));
    expect(() => onnxToSpec(bytes.subarray(0, 100_000), { source: 'cut.onnx' })).toThrow(
      /^ONNX file 'cut\.onnx': truncated ModelProto: GraphProto of \d+ bytes at byte \d+ runs past the end \(byte 100000\) \(the file is damaged or is not an ONNX model\)$/,
    );
    const png = readFileSync(new URL('../../shared/images/chelsea.png', import.meta.url));
    expect(() => onnxToSpec(png, { source: 'chelsea.png' })).toThrow(/^ONNX file 'chelsea\.png': corrupt ModelProto: .* \(the file is damaged or is not an ONNX model\)$/);
    expect(() => onnxToSpec(new Uint8Array(0))).toThrow('ONNX model: the file holds no graph (is it an ONNX model?)');
  });

  it('rejects inputs it cannot use: several images, no static shape', () => {
    const two = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 13 }],
      graph: { name: 'g', nodes: [node('Add', ['a', 'b'], ['y'])], initializers: [], inputs: [{ name: 'a', shape: [1, 1, 2, 2] }, { name: 'b', shape: [1, 1, 2, 2] }], outputs: [{ name: 'y' }] },
    });
    expect(() => onnxToSpec(two)).toThrow("ONNX model: the graph has 2 inputs ('a', 'b'); only single-image models are supported");
    expect(() => onnxToSpec(buildOnnx({ input: { name: 'x', shape: ['N', 3, 'H', 'W'] }, nodes: [node('Relu', ['x'], ['y'])] }))).toThrow(
      "ONNX model: input 'x' has shape [N, 3, H, W]; an image input [N, C, H, W] with known C, H and W is needed",
    );
  });

  it('names the node for unusable attributes and inputs', () => {
    const conv = (extra: object) => buildOnnx({ input: x1, nodes: [node('Conv', ['x', 'w'], ['y'], [], 'c1')], initializers: [f32('w', [2, 1, 3, 3], new Array(18).fill(0))], ...extra });
    expect(() => onnxToSpec(conv({ nodes: [node('Relu', ['x'], ['w2']), node('Conv', ['x', 'w2'], ['y'], [], 'c1')] }))).toThrow(
      "ONNX model: node 'c1' (Conv): weight 'w2' must be a constant (an initializer or a Constant node)",
    );
    expect(() => onnxToSpec(conv({ nodes: [node('Conv', ['x', 'w'], ['y'], [attr.ints('strides', [1, 1, 1])], 'c1')] }))).toThrow(
      "node 'c1' (Conv): strides [1, 1, 1]: only 2-D (NCHW) operators are supported",
    );
    expect(() => onnxToSpec(conv({ nodes: [node('Conv', ['nothing', 'w'], ['y'], [], 'c1')] }))).toThrow(
      "node 'c1' (Conv): input 'nothing' is produced by no earlier node (graph not topologically sorted?)",
    );
    expect(() => onnxToSpec(conv({ input: { name: 'x', shape: [1, 1, 2, 2] } }))).toThrow("node 'c1' (Conv): output would be empty (input [1, 1, 2, 2], kernel [3, 3])");
    expect(() =>
      onnxToSpec(buildOnnx({ input: x1, nodes: [node('MaxPool', ['x'], ['y', 'idx'], [attr.ints('kernel_shape', [2, 2])], 'mp'), node('Relu', ['idx'], ['z'])], output: 'y' })),
    ).toThrow("node 'mp' (MaxPool): its Indices output is used, which is not supported");
    expect(() => onnxToSpec(buildOnnx({ input: x1, nodes: [node('Flatten', ['x'], ['y'], [attr.int('axis', 2)], 'f')] }))).toThrow(
      "node 'f' (Flatten): axis 2 is not supported (only 1: keep the batch, flatten the rest)",
    );
    expect(() => onnxToSpec(buildOnnx({ input: x1, nodes: [node('Pad', ['x', 'p'], ['y'], [], 'pad')], initializers: [i64('p', [8], [0, 1, 0, 0, 0, 0, 0, 0])] }))).toThrow(
      "node 'pad' (Pad): pads [0, 1, 0, 0, 0, 0, 0, 0] pad the batch or channel axis; only H and W can be padded",
    );
    const external: OnnxTensor = { name: 'w', dims: [1, 1, 1, 1], dataType: DATA_TYPE.FLOAT, rawData: new Uint8Array(0) };
    const ext = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 13 }],
      graph: { name: 'g', nodes: [node('Conv', ['x', 'w'], ['y'], [], 'c')], initializers: [external], inputs: [{ name: 'x', shape: [1, 1, 2, 2] }], outputs: [{ name: 'y' }] },
    });
    expect(() => onnxToSpec(ext)).toThrow("node 'c' (Conv): weight: tensor 'w': FLOAT [1, 1, 1, 1] needs 1 values, raw_data holds 0");
  });
});
