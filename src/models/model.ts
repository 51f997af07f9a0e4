// A model: a ModelSpec graph with its weights on the GPU. forward() runs the nodes in order;
// trace() also keeps what the backward pass needs (the max-pool switches, the batch statistics of
// batch normalization in training mode); backward() (in
// backward.ts) walks the graph in reverse and yields input and parameter gradients.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import type { ReluMode } from '../ops/elementwise.ts';
import { disposeStatistics, type BatchNormStatistics } from '../ops/batch-norm.ts';
import { inferShapes } from './shapes.ts';
import { checkModel } from './model-check.ts';
import type { ModelSpec, NodeSpec } from './spec.ts';
import { backward, type BackwardOptions, type BackwardResult } from './backward.ts';
import { parseSafetensors, type HostTensor } from './safetensors.ts';

export interface LayerInfo {
  name: string;
  type: NodeSpec['type'];
  /** Output shape for one image: [1, C, H, W] or [1, features]. */
  outShape: number[];
}

/**
 * Everything a forward pass produced: node outputs, and for backward the max-pool switches and, in
 * training mode, the statistics each batch-norm node normalized its batch with.
 */
export class Trace {
  constructor(
    readonly input: Tensor,
    readonly outputs: Map<string, Tensor>,
    readonly switches: Map<string, Tensor>,
    readonly nodes: NodeSpec[],
    readonly batchStatistics = new Map<string, BatchNormStatistics>(),
  ) {}

  /** Frees every node output, switch and statistic (not the input, which the caller owns). */
  dispose(): void {
    for (const t of this.outputs.values()) t.dispose();
    for (const t of this.switches.values()) t.dispose();
    for (const s of this.batchStatistics.values()) disposeStatistics(s);
    this.outputs.clear();
    this.switches.clear();
    this.batchStatistics.clear();
  }
}

export interface TraceOptions {
  /** The last node to run (default: the whole graph). */
  until?: string;
  /**
   * Training mode: batch-norm nodes normalize with the batch's own statistics (and move their
   * running statistics towards them); otherwise they use the running statistics.
   */
  training?: boolean;
}

export interface GradientTarget {
  /** Node name. */
  layer: string;
  /** Channel (conv-like layer) or neuron (linear layer). */
  unit: number;
  /** [row, col] in the layer's output map; without it, the whole feature map. */
  position?: [number, number];
  relu?: ReluMode;
}

export class Model {
  readonly layers: LayerInfo[];
  private readonly shapes: Map<string, number[]>;
  private readonly nodeIndex: Map<string, number>;

  constructor(
    readonly engine: Engine,
    readonly spec: ModelSpec,
    /** `<node>.weight` / `<node>.bias` tensors. */
    readonly weights: Map<string, Tensor>,
  ) {
    this.shapes = inferShapes(spec, new Map([...weights].map(([k, t]) => [k, t.shape])));
    this.layers = spec.nodes.map((n) => ({ name: n.name, type: n.type, outShape: this.shapes.get(n.name)! }));
    this.nodeIndex = new Map(spec.nodes.map((n, i) => [n.name, i]));
  }

  get inputShape(): [number, number, number] {
    return this.spec.input.shape;
  }

  get labels(): string[] | undefined {
    return this.spec.labels;
  }

  /** The layer's output shape for one image; throws naming the available layers if there is none. */
  layerShape(layer: string): number[] {
    const shape = this.nodeIndex.has(layer) ? this.shapes.get(layer) : undefined;
    if (!shape) {
      throw new Error(`model '${this.spec.name}' has no layer '${layer}'. Layers: ${this.spec.nodes.map((n) => n.name).join(', ')}`);
    }
    return shape;
  }

  /** Every node's output up to and including `until` (default: the whole graph). The caller disposes them. */
  async forward(x: Tensor, options: { until?: string } = {}): Promise<Map<string, Tensor>> {
    const trace = this.trace(x, options);
    for (const s of trace.switches.values()) s.dispose();
    for (const s of trace.batchStatistics.values()) disposeStatistics(s);
    return trace.outputs;
  }

  /** Runs the graph up to `until`, keeping what backward() needs. */
  trace(x: Tensor, options: TraceOptions = {}): Trace {
    this.checkInput(x);
    const last = options.until === undefined ? this.spec.nodes.length - 1 : this.nodeIndexOf(options.until);
    const nodes = this.spec.nodes.slice(0, last + 1);
    const outputs = new Map<string, Tensor>();
    const trace = new Trace(x, new Map(), new Map(), nodes);
    const value = (name: string) => (name === this.spec.input.name ? x : trace.outputs.get(name)!);
    try {
      for (const node of nodes) {
        const out = this.engine.scoped(`layer '${node.name}'`, () => runNode(this, node, node.inputs.map(value), trace, !!options.training));
        trace.outputs.set(node.name, out);
      }
    } catch (e) {
      trace.dispose();
      throw e;
    }
    return trace;
  }

  backward(trace: Trace, seeds: Map<string, Tensor>, options: BackwardOptions = {}): BackwardResult {
    return backward(this, trace, seeds, options);
  }

  /**
   * d(activation of `unit` at `layer`, summed over its map or at `position`)/d(image), back through
   * the whole graph with ReLU's backward in the chosen mode.
   */
  async inputGradient(image: Tensor, target: GradientTarget): Promise<Tensor> {
    const seed = this.unitSeed(target, image.shape[0]);
    const trace = this.trace(image, { until: target.layer });
    try {
      const { input } = this.backward(trace, new Map([[target.layer, seed]]), { relu: target.relu ?? 'gradient', input: true });
      return input!;
    } finally {
      trace.dispose();
      seed.dispose();
    }
  }

  /** A gradient seed for a layer's output: ones at the unit's map (or one position), zeros elsewhere. */
  unitSeed(target: GradientTarget, batch = 1): Tensor {
    const shape = [batch, ...this.layerShape(target.layer).slice(1)];
    const channels = shape[1];
    if (!Number.isInteger(target.unit) || target.unit < 0 || target.unit >= channels) {
      throw new Error(`layer '${target.layer}' has units 0..${channels - 1}, got unit ${target.unit}`);
    }
    const plane = shape.length === 4 ? shape[2] * shape[3] : 1;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let n = 0; n < batch; n++) {
      const base = (n * channels + target.unit) * plane;
      if (target.position) {
        if (shape.length !== 4) throw new Error(`layer '${target.layer}' has no spatial map (shape [${shape}]); omit position`);
        const [r, c] = target.position;
        if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0 || r >= shape[2] || c >= shape[3]) {
          throw new Error(`position [${r}, ${c}] is outside layer '${target.layer}' map of ${shape[2]}x${shape[3]}`);
        }
        data[base + r * shape[3] + c] = 1;
      } else {
        data.fill(1, base, base + plane);
      }
    }
    return this.engine.tensor(data, shape);
  }

  nodeIndexOf(layer: string): number {
    this.layerShape(layer); // throws with the list of layers
    return this.nodeIndex.get(layer)!;
  }

  weight(node: string, kind: 'weight' | 'bias' | 'mean' | 'var'): Tensor | undefined {
    return this.weights.get(`${node}.${kind}`);
  }

  dispose(): void {
    for (const t of this.weights.values()) t.dispose();
  }

  private checkInput(x: Tensor): void {
    const [c, h, w] = this.spec.input.shape;
    const s = x.shape;
    if (s.length !== 4 || s[1] !== c || s[2] !== h || s[3] !== w) {
      throw new Error(`model '${this.spec.name}' expects input [N, ${c}, ${h}, ${w}], got [${s.join(', ')}]`);
    }
  }
}

function runNode(model: Model, node: NodeSpec, xs: Tensor[], trace: Trace, training: boolean): Tensor {
  const { ops } = model.engine;
  const a = node.attrs ?? {};
  const x = xs[0];
  const w = model.weight(node.name, 'weight');
  const b = model.weight(node.name, 'bias');
  switch (node.type) {
    case 'conv':
      return ops.conv2d(x, w!, b, a);
    case 'convtranspose':
      return ops.convTranspose2d(x, w!, b, a);
    case 'relu':
      return ops.relu(x);
    case 'leakyrelu':
      return ops.leakyRelu(x, a.alpha ?? 0.01);
    case 'clip':
      return ops.clamp(x, a.min ?? -Infinity, a.max ?? Infinity);
    case 'maxpool':
    case 'globalmaxpool': {
      const attrs = node.type === 'maxpool' ? a : { kernelShape: [x.shape[2], x.shape[3]] as [number, number] };
      const { y, switches: s } = ops.maxPool2d(x, attrs as Parameters<typeof ops.maxPool2d>[1]);
      trace.switches.set(node.name, s);
      return y;
    }
    case 'avgpool':
      return ops.avgPool2d(x, a as Parameters<typeof ops.avgPool2d>[1]);
    case 'globalavgpool':
      return ops.globalAveragePool(x);
    case 'batchnorm': {
      const running = { mean: model.weight(node.name, 'mean')!, variance: model.weight(node.name, 'var')! };
      const params = { scale: w!, shift: b!, epsilon: a.epsilon };
      if (!training) return ops.batchNorm(x, running, params);
      const stats = ops.batchNormStatistics(x, { ...running, momentum: a.momentum ?? 0.1 });
      trace.batchStatistics.set(node.name, stats);
      return ops.batchNorm(x, stats, params);
    }
    case 'lrn':
      return ops.lrn(x, a as Parameters<typeof ops.lrn>[1]);
    case 'concat':
      return ops.concat(xs, a.axis ?? 1);
    case 'add':
      return xs.slice(1).reduce((sum, t, i) => {
        const next = ops.add(sum, t);
        if (i > 0) sum.dispose();
        return next;
      }, x);
    case 'flatten':
    case 'reshape':
      return x.reshape([x.shape[0], ...model.layerShape(node.name).slice(1)]);
    case 'dropout':
    case 'identity':
      return x.reshape(x.shape);
    case 'linear':
      return ops.gemm(x, w!, b, { transB: true });
    case 'pad':
      return ops.pad2d(x, a.pads ?? [0, 0, 0, 0], a.value ?? 0);
    case 'softmax':
      return ops.softmax(x, a.axis ?? 1);
  }
}

/**
 * Uploads host tensors and builds the model. The spec (often straight from a file) is checked first:
 * its structure, the graph against the weights, sizes, finite weights (checkModel), before any upload.
 */
export async function buildModel(engine: Engine, spec: ModelSpec, weights: Map<string, HostTensor>): Promise<Model> {
  checkModel(spec, weights);
  const gpu = new Map<string, Tensor>();
  for (const [name, t] of weights) gpu.set(name, engine.tensor(t.data, t.shape));
  return new Model(engine, spec, gpu);
}

/** Our format: a ModelSpec and a safetensors file with `<node>.weight` and `<node>.bias`. */
export async function loadModel(engine: Engine, spec: ModelSpec, weights: ArrayBuffer | Uint8Array): Promise<Model> {
  return buildModel(engine, spec, parseSafetensors(weights));
}
