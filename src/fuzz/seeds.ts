// The fuzzer's seeds: valid files of every format the readers take, made from what the project
// ships and makes: the shipped model (weights/), exported to ONNX too; a small ONNX model with the
// other operators the importer knows; pictures and label masks from the concept generator, as PNG
// (several colour types) and JPEG; a generated Broden dataset. Tests add SqueezeNet 1.1 from
// ../shared (extraOnnx).

import type * as Pngjs from 'pngjs';
import type * as JpegJs from 'jpeg-js';
import { generateDataset, generateImage } from '../data/concepts/index.ts';
import { encodeLabelPng, encodeRgbPng } from '../data/png.ts';
import { nodeRequire } from '../data/image-node.ts';
import { encodeModel, floatTensor, int64Tensor } from '../models/onnx/onnx-encode.ts';
import { ATTR_TYPE, DATA_TYPE, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from '../models/onnx/onnx-format.ts';
import { parseSafetensors, writeSafetensors, type HostTensor } from '../models/safetensors.ts';
import type { ModelSpec } from '../models/spec.ts';

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');

/** A seed or fuzzed input: file name -> bytes (one file, or the files of a model or dataset). */
export type FileSet = Record<string, Uint8Array>;

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: ATTR_TYPE.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: ATTR_TYPE.INT, i: value });
const float = (name: string, value: number): OnnxAttribute => ({ name, type: ATTR_TYPE.FLOAT, f: value });
const node = (opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []): OnnxNode => ({ name: outputs[0], opType, domain: '', inputs, outputs, attributes });

/** Our model format as ONNX (the node types the shipped model uses). */
export function specToOnnx(spec: ModelSpec, weights: Map<string, HostTensor>): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const param = (name: string) => {
    const t = weights.get(name);
    if (!t) return [];
    initializers.push(floatTensor(name, t.shape, t.data));
    return [name];
  };
  for (const n of spec.nodes) {
    const a = n.attrs ?? {};
    const window = [ints('kernel_shape', a.kernelShape ?? [1, 1]), ints('strides', a.strides ?? [1, 1]), ints('pads', a.pads ?? [0, 0, 0, 0])];
    if (n.type === 'conv') nodes.push(node('Conv', [...n.inputs, ...param(`${n.name}.weight`), ...param(`${n.name}.bias`)], [n.name], [...window, int('group', a.group ?? 1)]));
    else if (n.type === 'maxpool') nodes.push(node('MaxPool', n.inputs, [n.name], window));
    else if (n.type === 'relu') nodes.push(node('Relu', n.inputs, [n.name]));
    else if (n.type === 'flatten') nodes.push(node('Flatten', n.inputs, [n.name], [int('axis', 1)]));
    else if (n.type === 'linear') nodes.push(node('Gemm', [...n.inputs, ...param(`${n.name}.weight`), ...param(`${n.name}.bias`)], [n.name], [int('transB', 1)]));
    else throw new Error(`specToOnnx: node type ${n.type} is not exported`);
  }
  const [c, h, w] = spec.input.shape;
  return encodeModel({
    irVersion: 8,
    producerName: 'convsight fuzz seeds',
    opsets: [{ domain: '', version: 13 }],
    graph: {
      name: spec.name,
      nodes,
      initializers,
      inputs: [{ name: spec.input.name, elemType: DATA_TYPE.FLOAT, shape: ['N', c, h, w] }],
      outputs: [{ name: spec.output, elemType: DATA_TYPE.FLOAT, shape: ['N', undefined] }],
    },
  });
}

/** A small ONNX model with the other operators the importer translates, and non-FLOAT tensors. */
export function operatorZooOnnx(): Uint8Array {
  const values = (n: number, scale = 0.1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * scale);
  const half = (t: OnnxTensor): OnnxTensor => ({ ...t, dataType: DATA_TYPE.FLOAT16, rawData: undefined, int32Data: Array.from({ length: t.dims.reduce((a, b) => a * b, 1) }, (_, i) => 0x3c00 + (i % 7)) });
  const initializers: OnnxTensor[] = [
    floatTensor('w1', [4, 3, 3, 3], values(108)),
    half(floatTensor('b1', [4], values(4))),
    floatTensor('bn_scale', [4], values(4, 1).map((v) => 1 + v)),
    floatTensor('bn_bias', [4], values(4)),
    floatTensor('bn_mean', [4], values(4)),
    { name: 'bn_var', dims: [4], dataType: DATA_TYPE.DOUBLE, doubleData: [1, 1.5, 2, 0.5] },
    int64Tensor('pads', [8], [0, 0, 1, 1, 0, 0, 1, 1]),
    floatTensor('wt', [4, 2, 2, 2], values(32)),
    floatTensor('fc', [2 * 6 * 6 * 2, 5], values(2 * 72 * 5)),
    floatTensor('fcb', [1, 5], values(5)),
    int64Tensor('shape', [2], [1, -1]),
  ];
  const nodes: OnnxNode[] = [
    node('Conv', ['x', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), { name: 'auto_pad', type: ATTR_TYPE.STRING, s: 'SAME_UPPER' }]),
    node('BatchNormalization', ['c1', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'], ['bn'], [float('epsilon', 1e-5)]),
    node('LeakyRelu', ['bn'], ['lr'], [float('alpha', 0.1)]),
    node('LRN', ['lr'], ['lrn'], [int('size', 3), float('alpha', 1e-4), float('beta', 0.75)]),
    node('Pad', ['lrn', 'pads'], ['pad']),
    node('AveragePool', ['pad'], ['ap'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), int('ceil_mode', 1)]),
    node('ConvTranspose', ['ap', 'wt'], ['ct'], [ints('strides', [1, 1])]),
    node('Clip', ['ct'], ['clip']),
    node('MaxPool', ['clip'], ['mp'], [ints('kernel_shape', [2, 2]), ints('strides', [1, 1])]),
    node('Concat', ['mp', 'mp'], ['cat'], [int('axis', 1)]),
    node('Relu', ['cat'], ['relu']),
    node('Dropout', ['relu'], ['drop']),
    node('Reshape', ['drop', 'shape'], ['flat']),
    node('Gemm', ['flat', 'fc', 'fcb'], ['logits'], [float('alpha', 1), float('beta', 1)]),
    node('Softmax', ['logits'], ['probs'], [int('axis', 1)]),
  ];
  const model: OnnxModel = {
    irVersion: 7,
    opsets: [{ domain: '', version: 13 }],
    graph: { name: 'zoo', nodes, initializers, inputs: [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: [1, 3, 10, 10] }], outputs: [{ name: 'probs', elemType: DATA_TYPE.FLOAT, shape: [1, 5] }] },
  };
  return encodeModel(model);
}

/** A two-layer model in our format (spec + safetensors with metadata). */
function tinyModel(): FileSet {
  const spec: ModelSpec = {
    name: 'tiny',
    input: { name: 'image', shape: [3, 8, 8], preprocessing: { channelOrder: 'BGR', range: 255, mean: [100, 110, 120], std: [1, 1, 1] } },
    nodes: [
      { name: 'conv', type: 'conv', inputs: ['image'], attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
      { name: 'relu', type: 'relu', inputs: ['conv'] },
      { name: 'pool', type: 'avgpool', inputs: ['relu'], attrs: { kernelShape: [2, 2], strides: [2, 2], ceilMode: true } },
      { name: 'flat', type: 'flatten', inputs: ['pool'] },
      { name: 'fc', type: 'linear', inputs: ['flat'] },
    ],
    output: 'fc',
    labels: ['a', 'b', 'c'],
  };
  const weights = new Map<string, HostTensor>([
    ['conv.weight', { shape: [2, 3, 3, 3], data: Float32Array.from({ length: 54 }, (_, i) => i / 54) }],
    ['conv.bias', { shape: [2], data: Float32Array.of(0.5, -0.5) }],
    ['fc.weight', { shape: [3, 8], data: Float32Array.from({ length: 24 }, (_, i) => i - 12) }],
  ]);
  return { 'model.json': new TextEncoder().encode(JSON.stringify(spec, null, 2)), 'model.safetensors': writeSafetensors(weights, { note: 'fuzz seed' }) };
}

function repoFile(relative: string): Uint8Array {
  return new Uint8Array(fs().readFileSync(new URL(`../../${relative}`, import.meta.url)));
}

function conceptPictures(count: number, size: number): { width: number; height: number; rgb: Uint8Array; masks: Uint8Array[] }[] {
  return Array.from({ length: count }, (_, i) => {
    const image = generateImage(7, i, size);
    return { width: size, height: size, rgb: image.rgb, masks: [] };
  });
}

function pngSeeds(): FileSet[] {
  const { PNG } = nodeRequire<typeof Pngjs>('pngjs');
  const seeds: FileSet[] = [];
  for (const [k, p] of conceptPictures(2, 16).entries()) {
    seeds.push({ 'picture.png': encodeRgbPng(p) });
    const labels = Uint16Array.from({ length: 16 * 16 }, (_, i) => (p.rgb[3 * i] > 128 ? 3 + k : i % 17 === 0 ? 300 : 0));
    seeds.push({ 'mask.png': encodeLabelPng(labels, 16, 16) });
  }
  // pngjs's writer covers the colour types and bit depths our writer does not (grey, alpha, 16-bit).
  const p = conceptPictures(1, 16)[0];
  const rgba = Buffer.alloc(16 * 16 * 4);
  for (let i = 0; i < 256; i++) rgba.set([p.rgb[3 * i], p.rgb[3 * i + 1], p.rgb[3 * i + 2], i], 4 * i);
  for (const [colorType, bitDepth] of [[6, 8], [0, 8], [4, 8], [6, 16], [2, 16]] as const) {
    const png = new PNG({ width: 16, height: 16, colorType, bitDepth, inputHasAlpha: true });
    png.data = rgba;
    seeds.push({ [`picture-${colorType}-${bitDepth}.png`]: new Uint8Array(PNG.sync.write(png, { colorType, bitDepth, inputHasAlpha: true })) });
  }
  return seeds;
}

function jpegSeeds(): FileSet[] {
  const jpeg = nodeRequire<typeof JpegJs>('jpeg-js');
  return conceptPictures(2, 24).flatMap((p, k) => {
    const rgba = Buffer.alloc(p.width * p.height * 4, 255);
    for (let i = 0; i < p.width * p.height; i++) rgba.set(p.rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    return [40, 90].map((quality) => ({ [`picture-${k}-${quality}.jpg`]: new Uint8Array(jpeg.encode({ data: rgba, width: p.width, height: p.height }, quality).data) }));
  });
}

/** Every file under `dir`, by path relative to it. */
function readTree(dir: string, prefix = ''): FileSet {
  const out: FileSet = {};
  for (const entry of fs().readdirSync(path().join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(dir, rel));
    else out[rel] = new Uint8Array(fs().readFileSync(path().join(dir, rel)));
  }
  return out;
}

async function brodenSeeds(): Promise<FileSet[]> {
  const os = process.getBuiltinModule('node:os') as typeof import('node:os');
  const seeds: FileSet[] = [];
  for (const [seed, count] of [[3, 3], [11, 2]]) {
    const dir = fs().mkdtempSync(path().join(os.tmpdir(), 'convsight-fuzz-seed-'));
    try {
      await generateDataset(dir, { count, seed, size: 16, split: 'train' });
      seeds.push(readTree(dir));
    } finally {
      fs().rmSync(dir, { recursive: true, force: true });
    }
  }
  return seeds;
}

export type FormatName = 'onnx' | 'model' | 'png' | 'jpeg' | 'broden';
export const FORMATS: FormatName[] = ['onnx', 'model', 'png', 'jpeg', 'broden'];

/** Seeds per format. `extraOnnx`: more ONNX files (the tests add SqueezeNet 1.1). */
export async function makeSeeds(formats: readonly FormatName[], extraOnnx: Uint8Array[] = []): Promise<Record<FormatName, FileSet[]>> {
  const out = {} as Record<FormatName, FileSet[]>;
  const shipped = () => ({ 'model.json': repoFile('weights/conceptnet.json'), 'model.safetensors': repoFile('weights/conceptnet.safetensors') });
  for (const f of formats) {
    if (f === 'onnx') {
      const s = shipped();
      const spec = JSON.parse(new TextDecoder().decode(s['model.json'])) as ModelSpec;
      out.onnx = [specToOnnx(spec, parseSafetensors(s['model.safetensors'])), operatorZooOnnx(), ...extraOnnx].map((b) => ({ 'model.onnx': b }));
    } else if (f === 'model') out.model = [shipped(), tinyModel()];
    else if (f === 'png') out.png = pngSeeds();
    else if (f === 'jpeg') out.jpeg = jpegSeeds();
    else out.broden = await brodenSeeds();
  }
  return out;
}
