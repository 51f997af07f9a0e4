// Checks of a model read from a file, before any GPU work: the spec JSON has the structure and
// types ModelSpec promises (a file is untrusted: JSON.parse gives `unknown`, not a ModelSpec), its
// sizes stay within what a tensor can hold, and every weight is finite. inferShapes (shapes.ts)
// then checks the graph against the weights.
//
// Why limits at all: a spec is small, but its sizes drive allocations later (a 1e9 x 1e9 input,
// pads of 2^31); they are refused here, naming the field, instead of failing deep in the engine.

import type { HostTensor } from './safetensors.ts';
import { inferShapes } from './shapes.ts';
import type { ModelSpec, NodeType } from './spec.ts';

/** The largest size along any one axis (input, kernel, stride, pad): far beyond any real CNN. */
export const MAX_AXIS = 1 << 16;
/** The most elements a node's output may have for one image (a GPU binding holds at most 2^32 bytes). */
export const MAX_ELEMENTS = 2 ** 30;

const NODE_TYPES: readonly NodeType[] = [
  'conv', 'convtranspose', 'relu', 'leakyrelu', 'clip', 'maxpool', 'avgpool', 'globalavgpool', 'globalmaxpool',
  'lrn', 'batchnorm', 'concat', 'add', 'flatten', 'reshape', 'linear', 'dropout', 'identity', 'pad', 'softmax',
];

type Check = (v: unknown) => boolean;
const isInt = (lo: number, hi = MAX_AXIS): Check => (v) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const isFinite: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isList = (n: number, item: Check): Check => (v) => Array.isArray(v) && v.length === n && v.every(item);

/** Attribute -> [check, what it must be]. */
const ATTRS: Record<string, [Check, string]> = {
  kernelShape: [isList(2, isInt(1)), `[h, w] of integers in 1..${MAX_AXIS}`],
  strides: [isList(2, isInt(1)), `[h, w] of integers in 1..${MAX_AXIS}`],
  dilations: [isList(2, isInt(1)), `[h, w] of integers in 1..${MAX_AXIS}`],
  pads: [isList(4, isInt(0)), `[top, left, bottom, right] of integers in 0..${MAX_AXIS}`],
  outputPadding: [isList(2, isInt(0)), `[h, w] of integers in 0..${MAX_AXIS}`],
  group: [isInt(1), `an integer in 1..${MAX_AXIS}`],
  ceilMode: [(v) => typeof v === 'boolean', 'true or false'],
  countIncludePad: [(v) => typeof v === 'boolean', 'true or false'],
  size: [isInt(1), `an integer in 1..${MAX_AXIS}`],
  alpha: [isFinite, 'a finite number'],
  beta: [isFinite, 'a finite number'],
  bias: [isFinite, 'a finite number'],
  epsilon: [isFinite, 'a finite number'],
  momentum: [isFinite, 'a finite number'],
  axis: [isInt(-8, 8), 'an integer in -8..8'],
  min: [(v) => typeof v === 'number' && !Number.isNaN(v), 'a number'],
  max: [(v) => typeof v === 'number' && !Number.isNaN(v), 'a number'],
  shape: [(v) => Array.isArray(v) && v.length >= 1 && v.length <= 8 && v.every((d) => d === -1 || isInt(1, MAX_ELEMENTS)(d)), 'a list of 1 to 8 sizes (-1 once for "the rest")'],
  value: [isFinite, 'a finite number'],
};

function fail(message: string): never {
  throw new Error(`model spec: ${message}`);
}

const describe = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkPreprocessing(p: unknown): void {
  if (!isObject(p)) fail(`input.preprocessing must be an object, got ${describe(p)}`);
  if (p.channelOrder !== 'RGB' && p.channelOrder !== 'BGR') fail(`input.preprocessing.channelOrder must be 'RGB' or 'BGR', got ${describe(p.channelOrder)}`);
  if (p.range !== 1 && p.range !== 255) fail(`input.preprocessing.range must be 1 or 255, got ${describe(p.range)}`);
  for (const key of ['mean', 'std'] as const) {
    const v = p[key];
    if (!Array.isArray(v) || (v.length !== 1 && v.length !== 3) || !v.every(isFinite)) fail(`input.preprocessing.${key} must be 1 or 3 finite numbers, got ${describe(v)}`);
  }
  if ((p.std as number[]).some((s) => s === 0)) fail(`input.preprocessing.std must not be 0, got ${describe(p.std)}`);
}

/** Checks that a parsed spec JSON is a well-formed ModelSpec (structure, types, limits), naming what is wrong. */
export function checkSpecStructure(spec: unknown): ModelSpec {
  if (!isObject(spec)) fail(`must be a JSON object, got ${describe(spec)}`);
  if (typeof spec.name !== 'string') fail(`name must be a string, got ${describe(spec.name)}`);
  const input = spec.input;
  if (!isObject(input)) fail(`input must be an object, got ${describe(input)}`);
  if (typeof input.name !== 'string' || !input.name) fail(`input.name must be a non-empty string, got ${describe(input.name)}`);
  if (!isList(3, isInt(1))(input.shape)) fail(`input.shape must be [C, H, W], integers in 1..${MAX_AXIS}, got ${describe(input.shape)}`);
  const [c, h, w] = input.shape as number[];
  if (c * h * w > MAX_ELEMENTS) fail(`input.shape ${describe(input.shape)} has more than ${MAX_ELEMENTS} values`);
  checkPreprocessing(input.preprocessing);
  if (!Array.isArray(spec.nodes) || !spec.nodes.length) fail(`nodes must be a non-empty list, got ${describe(spec.nodes)}`);
  spec.nodes.forEach((node: unknown, k: number) => {
    if (!isObject(node)) fail(`node #${k} must be an object, got ${describe(node)}`);
    if (typeof node.name !== 'string' || !node.name) fail(`node #${k}: name must be a non-empty string, got ${describe(node.name)}`);
    const where = `node '${node.name}'`;
    if (!NODE_TYPES.includes(node.type as NodeType)) fail(`${where}: unknown type ${describe(node.type)} (known: ${NODE_TYPES.join(', ')})`);
    if (!Array.isArray(node.inputs) || !node.inputs.length || !node.inputs.every((i) => typeof i === 'string')) fail(`${where}: inputs must be a non-empty list of names, got ${describe(node.inputs)}`);
    if (node.attrs === undefined) return;
    if (!isObject(node.attrs)) fail(`${where}: attrs must be an object, got ${describe(node.attrs)}`);
    for (const [key, value] of Object.entries(node.attrs)) {
      const rule = Object.hasOwn(ATTRS, key) ? ATTRS[key] : undefined;
      if (!rule) fail(`${where}: unknown attribute '${key}'`);
      if (!rule[0](value)) fail(`${where}: attrs.${key} must be ${rule[1]}, got ${describe(value)}`);
    }
  });
  if (typeof spec.output !== 'string') fail(`output must be a node name, got ${describe(spec.output)}`);
  if (spec.labels !== undefined && (!Array.isArray(spec.labels) || !spec.labels.every((l) => typeof l === 'string'))) fail(`labels must be a list of strings, got ${describe(spec.labels)}`);
  if (spec.description !== undefined && typeof spec.description !== 'string') fail(`description must be a string, got ${describe(spec.description)}`);
  return spec as unknown as ModelSpec;
}

/** The first non-finite value of each weight tensor: NaN or Infinity in a file is an error naming the tensor. */
export function checkFiniteWeights(weights: Map<string, HostTensor>, where = 'weights'): void {
  for (const [name, t] of weights) {
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) throw new Error(`${where}: tensor '${name}' holds ${v} at index ${i} (of shape [${t.shape.join(', ')}]); weights must be finite`);
    }
  }
}

/**
 * Everything buildModel checks before uploading: the spec's structure, the graph against the
 * weight shapes, output sizes within MAX_ELEMENTS, finite weights. Returns the output shapes.
 */
export function checkModel(spec: unknown, weights: Map<string, HostTensor>): Map<string, number[]> {
  const checked = checkSpecStructure(spec);
  for (const [name, t] of weights) {
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0) || t.shape.reduce((a, b) => a * b, 1) !== t.data.length) {
      throw new Error(`weights: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
  }
  // What shapes.ts takes from the weights alone, the ops also read from the attributes: they must agree.
  for (const node of checked.nodes) {
    if (node.type !== 'conv' && node.type !== 'convtranspose') continue;
    const w = weights.get(`${node.name}.weight`)?.shape;
    const k = node.attrs?.kernelShape;
    if (w && w.length === 4 && k && (k[0] !== w[2] || k[1] !== w[3])) throw new Error(`model node '${node.name}' (${node.type}): attrs.kernelShape [${k.join(', ')}] does not match its weight [${w.join(', ')}]`);
    const group = node.attrs?.group ?? 1;
    if (w && node.type === 'conv' && w[0] % group !== 0) throw new Error(`model node '${node.name}' (conv): ${w[0]} output channels do not split into ${group} groups`);
  }
  const shapes = inferShapes(checked, new Map([...weights].map(([k, t]) => [k, t.shape])));
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(size <= MAX_ELEMENTS) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`model node '${name}': output shape [${shape.join(', ')}] is empty or has more than ${MAX_ELEMENTS} values per image`);
    }
  }
  checkFiniteWeights(weights);
  return shapes;
}
