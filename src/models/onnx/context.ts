// The state of an ONNX import while its nodes are translated one by one: which ModelSpec node
// produces each ONNX tensor, which tensors are constants, every node's output shape so far (for
// auto_pad, Reshape and the folds), and the weights collected for the safetensors side.

import { nodeOutputShape } from '../shapes.ts';
import type { HostTensor } from '../safetensors.ts';
import type { NodeAttrs, NodeSpec, NodeType } from '../spec.ts';
import { ATTR_TYPE, tensorToFloat32, tensorToNumbers, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-format.ts';

export const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** An ONNX node's display name for messages: its name, else its first output. */
export const onnxNodeName = (node: OnnxNode) => node.name || node.outputs[0] || '(unnamed)';

export function nodeError(node: OnnxNode, message: string): never {
  throw new Error(`node '${onnxNodeName(node)}' (${node.opType}): ${message}`);
}

/** Typed access to a node's attributes, with defaults. */
export class Attrs {
  private readonly byName: Map<string, OnnxAttribute>;

  constructor(private readonly node: OnnxNode) {
    this.byName = new Map(node.attributes.map((a) => [a.name, a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, dflt?: number): number {
    const a = this.byName.get(name);
    if (!a) return dflt ?? nodeError(this.node, `attribute '${name}' is required`);
    if (a.i === undefined) nodeError(this.node, `attribute '${name}' must be an integer`);
    return a.i;
  }

  float(name: string, dflt?: number): number {
    const a = this.byName.get(name);
    if (!a) return dflt ?? nodeError(this.node, `attribute '${name}' is required`);
    if (a.f === undefined) nodeError(this.node, `attribute '${name}' must be a float`);
    return a.f;
  }

  ints(name: string, dflt?: number[]): number[] {
    const a = this.byName.get(name);
    if (!a) return dflt ?? nodeError(this.node, `attribute '${name}' is required`);
    if (a.type !== ATTR_TYPE.INTS && !a.ints) nodeError(this.node, `attribute '${name}' must be a list of integers`);
    return a.ints ?? [];
  }

  floats(name: string): number[] | undefined {
    return this.byName.get(name)?.floats;
  }

  string(name: string, dflt?: string): string {
    const a = this.byName.get(name);
    if (!a) return dflt ?? nodeError(this.node, `attribute '${name}' is required`);
    if (a.s === undefined) nodeError(this.node, `attribute '${name}' must be a string`);
    return a.s;
  }

  tensor(name: string): OnnxTensor | undefined {
    return this.byName.get(name)?.t;
  }
}

export class ImportContext {
  readonly nodes: NodeSpec[] = [];
  readonly weights = new Map<string, HostTensor>();
  /** ONNX tensor name -> ModelSpec node (or input) name. */
  private readonly producers = new Map<string, string>();
  /** ModelSpec node (or input) name -> output shape for a batch of one. */
  readonly shapes = new Map<string, number[]>();
  private readonly specNodes = new Map<string, NodeSpec>();

  constructor(
    /** Initializers and Constant outputs by tensor name. */
    readonly constants: Map<string, OnnxTensor>,
    /** How many node inputs (and graph outputs) read each tensor. */
    private readonly readers: Map<string, number>,
    readonly opset: number,
    inputName: string,
    inputShape: number[],
  ) {
    this.producers.set(inputName, inputName);
    this.shapes.set(inputName, inputShape);
  }

  /** The ModelSpec node that produces a data (non-constant) tensor. */
  source(node: OnnxNode, tensor: string): string {
    const name = this.producers.get(tensor);
    if (name !== undefined) return name;
    if (this.constants.has(tensor)) nodeError(node, `input '${tensor}' is a constant; this operator needs it to be computed from the image`);
    return nodeError(node, `input '${tensor}' is produced by no earlier node (graph not topologically sorted?)`);
  }

  /** The ModelSpec node (or input) name for a tensor, if a node computes it. */
  specName(tensor: string): string | undefined {
    return this.producers.get(tensor);
  }

  shapeOf(node: OnnxNode, tensor: string): number[] {
    return this.shapes.get(this.source(node, tensor))!;
  }

  /** A constant input's tensor; undefined when the optional input is absent (''). */
  constant(node: OnnxNode, index: number, what: string, required = true): OnnxTensor | undefined {
    const name = node.inputs[index];
    if (!name) return required ? nodeError(node, `${what} (input ${index}) is missing`) : undefined;
    const t = this.constants.get(name);
    if (!t) nodeError(node, `${what} '${name}' must be a constant (an initializer or a Constant node)`);
    return t;
  }

  floats(node: OnnxNode, index: number, what: string): HostTensor {
    const t = this.constant(node, index, what)!;
    let data: Float32Array;
    try {
      data = tensorToFloat32(t);
    } catch (e) {
      return nodeError(node, `${what}: ${(e as Error).message}`);
    }
    // A NaN or infinite weight would poison every activation after it, silently: refuse it here.
    for (let i = 0; i < data.length; i++) {
      if (data[i] - data[i] !== 0) nodeError(node, `${what} '${t.name}' holds ${data[i]} at index ${i}; weights must be finite`);
    }
    return { shape: [...t.dims], data };
  }

  numbers(node: OnnxNode, index: number, what: string, required = true): number[] | undefined {
    const t = this.constant(node, index, what, required);
    if (!t) return undefined;
    try {
      return tensorToNumbers(t);
    } catch (e) {
      return nodeError(node, `${what}: ${(e as Error).message}`);
    }
  }

  /** Does any node (or the graph output) read this tensor? */
  isRead(tensor: string): boolean {
    return (this.readers.get(tensor) ?? 0) > 0;
  }

  /** Does exactly one reader consume this tensor (so that folding into its producer is safe)? */
  soleReader(tensor: string): boolean {
    return this.readers.get(tensor) === 1;
  }

  /** The ModelSpec node producing `tensor`, if it is a node of one of these types. */
  producerOfType(tensor: string, types: NodeType[]): NodeSpec | undefined {
    const spec = this.specNodes.get(this.producers.get(tensor) ?? '');
    return spec && types.includes(spec.type) ? spec : undefined;
  }

  /** `tensor` is another name for the output of ModelSpec node `specName` (after a fold). */
  alias(tensor: string, specName: string): void {
    this.producers.set(tensor, specName);
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let k = 2; this.shapes.has(name); k++) name = `${base}_${k}`;
    return name;
  }

  /**
   * Adds a ModelSpec node for an ONNX node: named after it, reading the producers of `dataInputs`,
   * with its weights as `<name>.weight` / `<name>.bias`. Its output shape is checked now.
   */
  emit(node: OnnxNode, type: NodeType, dataInputs: string[], attrs: NodeAttrs = {}, params: { weight?: HostTensor; bias?: HostTensor } = {}): NodeSpec {
    const name = this.uniqueName(onnxNodeName(node));
    const spec: NodeSpec = { name, type, inputs: dataInputs.map((t) => this.source(node, t)) };
    const cleaned = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined)) as NodeAttrs;
    if (Object.keys(cleaned).length) spec.attrs = cleaned;
    if (params.weight) this.weights.set(`${name}.weight`, params.weight);
    if (params.bias) this.weights.set(`${name}.bias`, params.bias);
    const weightShapes = new Map<string, number[]>();
    if (params.weight) weightShapes.set(`${name}.weight`, params.weight.shape);
    if (params.bias) weightShapes.set(`${name}.bias`, params.bias.shape);
    let shape: number[];
    try {
      shape = nodeOutputShape(spec, spec.inputs.map((i) => this.shapes.get(i)!), weightShapes);
    } catch (e) {
      // shapes.ts names the ModelSpec node; ours names the ONNX node, which is the same one.
      return nodeError(node, (e as Error).message.replace(/^model node '[^']*' \([^)]*\): /, ''));
    }
    this.nodes.push(spec);
    this.specNodes.set(name, spec);
    this.shapes.set(name, shape);
    this.producers.set(node.outputs[0], name);
    return spec;
  }
}
