// ONNX import: a ModelProto becomes our ModelSpec plus its weights, then a Model on the GPU.
//
// Layer names are the ONNX node names (a node's first output name when it has none). Nodes that
// fold away (BatchNormalization and bias Adds after a convolution or linear layer) leave no layer:
// the layer before them outputs the folded result. Constants (Constant nodes, initializers) are
// read at import time and never become layers.

import type { Engine } from '../../engine/engine.ts';
import { buildModel, type Model } from '../model.ts';
import { checkModel } from '../model-check.ts';
import type { HostTensor } from '../safetensors.ts';
import { PREPROCESSING_PRESETS, type ModelSpec, type Preprocessing } from '../spec.ts';
import { Attrs, ImportContext, fmt, onnxNodeName } from './context.ts';
import { decodeModel, type OnnxModel, type OnnxNode } from './onnx-format.ts';
import { CONVERTERS } from './ops.ts';
import { ProtoError } from './protobuf.ts';

export interface OnnxImportOptions {
  /** How images are turned into the network's input (ONNX files do not say). Default: 'imagenet'. */
  preprocessing?: Preprocessing | keyof typeof PREPROCESSING_PRESETS;
  /** Class names in output order. */
  labels?: string[];
  /** Where the bytes came from (a file name), for error messages. */
  source?: string;
}

export interface ImportedOnnx {
  spec: ModelSpec;
  weights: Map<string, HostTensor>;
}

const isDefaultDomain = (domain: string) => domain === '' || domain === 'ai.onnx';

export function resolvePreprocessing(p: OnnxImportOptions['preprocessing'] = 'imagenet'): Preprocessing {
  if (typeof p !== 'string') return p;
  const preset = PREPROCESSING_PRESETS[p];
  if (!preset) throw new Error(`unknown preprocessing preset '${p}' (known: ${Object.keys(PREPROCESSING_PRESETS).join(', ')})`);
  return { ...preset, mean: [...preset.mean], std: [...preset.std] } as Preprocessing;
}

/** Every operator we cannot translate, with the nodes that use it, in one message. */
function checkSupported(nodes: OnnxNode[]): void {
  const unsupported = new Map<string, string[]>();
  for (const node of nodes) {
    if (isDefaultDomain(node.domain) && CONVERTERS[node.opType]) continue;
    const op = isDefaultDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
    unsupported.set(op, [...(unsupported.get(op) ?? []), `'${onnxNodeName(node)}'`]);
  }
  if (!unsupported.size) return;
  const list = [...unsupported].map(([op, names]) => `${op} (${names.length > 1 ? 'nodes' : 'node'} ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`);
  throw new Error(`unsupported operator${unsupported.size > 1 ? 's' : ''}: ${list.join('; ')}. Supported: ${Object.keys(CONVERTERS).join(', ')}`);
}

function convert(model: OnnxModel, options: OnnxImportOptions): ImportedOnnx {
  const g = model.graph;
  const opset = model.opsets.find((o) => isDefaultDomain(o.domain))?.version;
  if (opset === undefined) throw new Error('the model imports no version of the default ONNX operator set');
  checkSupported(g.nodes);

  const initializers = new Set(g.initializers.map((t) => t.name));
  const inputs = g.inputs.filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) throw new Error(`the graph has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ')}); only single-image models are supported`);
  const input = inputs[0];
  const dims = input.shape ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => typeof d !== 'number' || d <= 0)) {
    throw new Error(`input '${input.name}' has shape [${dims.map((d) => d ?? '?').join(', ')}]; an image input [N, C, H, W] with known C, H and W is needed`);
  }
  const [c, h, w] = dims.slice(1) as number[];

  const readers = new Map<string, number>();
  const read = (tensor: string) => {
    if (tensor) readers.set(tensor, (readers.get(tensor) ?? 0) + 1); // '' is an absent optional input
  };
  g.nodes.forEach((n) => n.inputs.forEach(read));
  g.outputs.forEach((o) => read(o.name));

  const ctx = new ImportContext(new Map(g.initializers.map((t) => [t.name, t])), readers, opset, input.name, [1, c, h, w]);
  for (const node of g.nodes) CONVERTERS[node.opType](node, ctx, new Attrs(node));

  if (!g.outputs.length) throw new Error('the graph declares no output');
  const outputTensor = g.outputs[0].name;
  const output = ctx.nodes.find((n) => n.name === ctx.specName(outputTensor));
  if (!output) throw new Error(`graph output '${outputTensor}' is not computed by any node`);
  const outShape = ctx.shapes.get(output.name)!;
  const units = outShape[1];
  if (options.labels && options.labels.length !== units) {
    throw new Error(`${options.labels.length} labels were given, but the output '${output.name}' ${fmt(outShape)} has ${units} units`);
  }

  const spec: ModelSpec = {
    name: g.name || 'onnx-model',
    input: { name: input.name, shape: [c, h, w], preprocessing: resolvePreprocessing(options.preprocessing) },
    nodes: ctx.nodes,
    output: output.name,
  };
  const description = model.docString || g.docString;
  if (description) spec.description = description;
  if (options.labels) spec.labels = options.labels;
  // What buildModel checks too; here its errors get the file's name.
  checkModel(spec, ctx.weights);
  return { spec, weights: ctx.weights };
}

/** Translates an ONNX model to our ModelSpec and weights (CPU only). */
export function onnxToSpec(bytes: ArrayBuffer | Uint8Array, options: OnnxImportOptions = {}): ImportedOnnx {
  const where = options.source ? `ONNX file '${options.source}'` : 'ONNX model';
  let model: OnnxModel;
  try {
    model = decodeModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (e) {
    const hint = e instanceof ProtoError ? ' (the file is damaged or is not an ONNX model)' : '';
    throw new Error(`${where}: ${(e as Error).message}${hint}`);
  }
  try {
    return convert(model, options);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Imports an ONNX model and uploads its weights. */
export async function loadOnnx(engine: Engine, bytes: ArrayBuffer | Uint8Array, options: OnnxImportOptions = {}): Promise<Model> {
  const { spec, weights } = onnxToSpec(bytes, options);
  return buildModel(engine, spec, weights);
}
