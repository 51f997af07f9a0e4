// Whole-network rows: forward, forward + input gradient (what the visualization methods run), and
// one training step. The peer runs the same graph with TF.js ops and the same weights (tf-graph.ts).
//
// A network row loads its model in prepare(), so the bench runs when a model or an op is missing:
// the row is skipped with a note saying what is missing. The one stand-in: before `npm run train`
// has written weights/, the default model's rows time its architecture with random weights (the
// work does not depend on the values), and their notes say so.

import type { Row, BenchContext, Prepared } from '../harness.ts';
import { Skip } from '../harness.ts';
import { grad, op, randomData, sizeOf } from '../api.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { Tensor } from '../../src/engine/tensor.ts';
import type { Model } from '../../src/models/model.ts';
import { loadOnnx } from '../../src/models/onnx/index.ts';
import { conceptNetSpec, conceptNetWeightShapes, loadDefaultModel } from '../../src/models/default-model.ts';
import { buildModel } from '../../src/models/model.ts';
import type { NodeType } from '../../src/models/spec.ts';
import { TfGraph, type HostTensor } from '../tf-graph.ts';
import type { Peer, TfTensor, TfTensor4D } from '../peer.ts';
import type * as TfCore from '@tensorflow/tfjs-core';

export interface ModelSource {
  /** e.g. 'SqueezeNet 1.1'. */
  group: string;
  /** The model, and a note when it is not quite the one named (e.g. a stand-in for missing weights). */
  load(ctx: BenchContext): Promise<{ model: Model; note?: string }>;
}

type Library = Record<string, unknown>;

export const squeezeNet: ModelSource = {
  group: 'SqueezeNet 1.1',
  async load(ctx) {
    const bytes = await ctx.loadAsset('models/squeezenet1.1/squeezenet1.1.onnx');
    if (!bytes) throw new Skip('the SqueezeNet 1.1 ONNX file (../shared/models/squeezenet1.1/) is not here');
    return { model: await loadOnnx(ctx.engine, bytes) };
  },
};

export const defaultModel: ModelSource = {
  group: 'default model',
  async load(ctx) {
    try {
      return { model: await loadDefaultModel(ctx.engine) };
    } catch (e) {
      // Before `npm run train` has written weights/: the same network with random weights.
      const spec = conceptNetSpec();
      const weights = new Map<string, HostTensor>();
      let seed = 30;
      for (const [name, shape] of conceptNetWeightShapes(spec)) {
        const scale = name.endsWith('.weight') ? Math.sqrt(6 / sizeOf(shape.slice(1))) : 0.1;
        weights.set(name, { shape, data: randomData(sizeOf(shape), seed++, -scale, scale) });
      }
      const reason = e instanceof Error ? e.message : String(e);
      return { model: await buildModel(ctx.engine, spec, weights), note: `random weights: the trained ones could not be loaded (${reason})` };
    }
  },
};

// The engine functions each node type needs, by pass, so a missing one skips the row up front.
type Need = { ops?: string[]; grad?: string[] };
const FORWARD: Partial<Record<NodeType, Need>> = {
  conv: { ops: ['conv2d'] },
  relu: { ops: ['relu'] },
  maxpool: { ops: ['maxPool2d'] },
  avgpool: { ops: ['avgPool2d'] },
  globalavgpool: { ops: ['globalAveragePool'] },
  lrn: { ops: ['lrn'] },
  concat: { ops: ['concat'] },
  linear: { ops: ['gemm'] },
  softmax: { ops: ['softmax'] },
  add: { ops: ['add'] },
};
const BACKWARD: Partial<Record<NodeType, Need>> = {
  conv: { grad: ['conv2dInput'] },
  relu: { grad: ['relu'] },
  maxpool: { grad: ['maxPool2d'] },
  avgpool: { grad: ['avgPool2d'] },
  globalavgpool: { grad: ['globalAveragePool'] },
  lrn: { grad: ['lrn'] },
  concat: { grad: ['concat'] },
  softmax: { grad: ['softmax'] },
};
const PARAMS: Partial<Record<NodeType, Need>> = {
  conv: { grad: ['conv2dWeight', 'conv2dBias'] },
  linear: { grad: ['conv2dBias'] },
};

function requireKernels(engine: Engine, model: Model, passes: Partial<Record<NodeType, Need>>[]): void {
  const missing = new Set<string>();
  for (const node of model.spec.nodes) {
    for (const pass of passes) {
      const need = pass[node.type];
      for (const name of need?.ops ?? []) if (typeof (engine.ops as unknown as Library)[name] !== 'function') missing.add(`engine.ops.${name}`);
      for (const name of need?.grad ?? []) if (typeof (engine.grad as unknown as Library)[name] !== 'function') missing.add(`engine.grad.${name}`);
    }
  }
  if (missing.size) throw new Skip(`${[...missing].join(', ')} not there yet`);
}

/** Multiply-adds x 2 of the conv and linear layers in one forward pass. */
export function forwardFlops(model: Model, batch: number): number {
  let flops = 0;
  for (const layer of model.layers) {
    const w = model.weight(layer.name, 'weight');
    if (!w) continue;
    if (layer.type === 'conv') flops += 2 * batch * sizeOf(layer.outShape.slice(1)) * sizeOf(w.shape.slice(1));
    if (layer.type === 'linear') flops += 2 * batch * sizeOf(w.shape);
  }
  return flops;
}

/** The model's weights copied to the host, for the TF.js graph. */
async function hostWeights(model: Model): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of model.weights) out.set(name, { shape: t.shape, data: (await t.read()) as Float32Array });
  return out;
}

interface Loaded {
  model: Model;
  /** The source's note, if any, to lead the row's note. */
  note?: string;
  x: Tensor;
  inputShape: number[];
  graph: TfGraph | null;
  tx: TfTensor4D | null;
  dispose(): void;
}

async function load(ctx: BenchContext, source: ModelSource, batch: number, passes: Partial<Record<NodeType, Need>>[]): Promise<Loaded> {
  const { model, note } = await source.load(ctx);
  try {
    requireKernels(ctx.engine, model, passes);
    const inputShape = [batch, ...model.spec.input.shape];
    const data = randomData(sizeOf(inputShape), 22);
    const x = ctx.engine.tensor(data, inputShape);
    const { peer } = ctx;
    const graph = peer ? new TfGraph(peer, model.spec, await hostWeights(model), new Map(model.layers.map((l) => [l.name, l.outShape]))) : null;
    const tx = peer ? peer.nhwc(data, inputShape) : null;
    return {
      model,
      note,
      x,
      inputShape,
      graph,
      tx,
      dispose: () => {
        x.dispose();
        tx?.dispose();
        graph?.dispose();
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function notes(m: Loaded, text: string): string {
  return [m.note, text].filter(Boolean).join('; ');
}

/** Largest relative difference between two outputs (the peer must compute the same function). */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / (scale || 1);
}

/** Our output vs the peer's, both in [N, features] (a flat output) or NCHW vs NHWC (a map). */
async function comparePeer(ours: Tensor, theirs: TfTensor, peer: Peer): Promise<string> {
  let t = theirs;
  if (t.rank === 4) t = peer.tf.transpose(t, [0, 3, 1, 2]);
  const [a, b] = [(await ours.read()) as Float32Array, (await t.data()) as Float32Array];
  if (t !== theirs) t.dispose();
  const diff = relativeDifference(b, a);
  return diff < 1e-3 ? `peer output agrees with ours (max diff ${diff.toExponential(1)} of the output's range)` : `WARNING: peer output differs from ours by ${diff.toExponential(1)} of the output's range`;
}

export interface NetworkOptions {
  batch: number;
  forwardGoal?: number;
  /** Also a training-step row (softmax cross-entropy, backward through every weight, Adam). */
  train?: { batch: number; lr: number };
}

export function networkRows(source: ModelSource, options: NetworkOptions): Row[] {
  const { batch } = options;
  const shape = `batch ${batch}`;
  const rows: Row[] = [
    {
      group: source.group,
      name: 'network forward',
      shape,
      kind: 'compute',
      goal: options.forwardGoal ? { kind: 'speedup', min: options.forwardGoal } : undefined,
      async prepare(ctx): Promise<Prepared> {
        const m = await load(ctx, source, batch, [FORWARD]);
        const { peer } = ctx;
        let note = notes(m, 'FLOPs: conv and linear layers');
        if (peer && m.graph && m.tx) {
          const outputs = await m.model.forward(m.x);
          const theirs = peer.tf.tidy(() => m.graph!.forward(m.tx!));
          note = `${note}; ${await comparePeer(outputs.get(m.model.spec.output)!, theirs, peer)}`;
          outputs.forEach((t) => t.dispose());
          theirs.dispose();
        }
        return {
          ours: () => m.model.forward(m.x),
          peer: peer && m.graph && m.tx ? () => peer.tf.tidy(() => m.graph!.forward(m.tx!)) : undefined,
          shape: `${m.inputShape.join('x')}`,
          flops: forwardFlops(m.model, batch),
          note,
          dispose: m.dispose,
        };
      },
    },
    {
      group: source.group,
      name: 'forward+backward (input gradient)',
      shape,
      kind: 'compute',
      async prepare(ctx): Promise<Prepared> {
        const m = await load(ctx, source, batch, [FORWARD, BACKWARD]);
        const { peer } = ctx;
        const layer = m.model.spec.output;
        const gradient = peer?.tf.grad((x: TfTensor) => peer.tf.sum(unitOf(peer, m.graph!.forward(x as TfTensor4D), 0)));
        return {
          ours: () => m.model.inputGradient(m.x, { layer, unit: 0 }),
          peer: peer && gradient && m.tx ? () => peer.tf.tidy(() => gradient(m.tx!)) : undefined,
          shape: `${m.inputShape.join('x')}`,
          flops: 2 * forwardFlops(m.model, batch),
          note: notes(m, `d(unit 0 of '${layer}')/d(image); FLOPs: 2x forward (forward + input gradients of conv/linear)`),
          dispose: m.dispose,
        };
      },
    },
  ];
  if (options.train) rows.push(trainRow(source, options.train));
  return rows;
}

/** The unit's activations: a column of a flat output, a channel of an NHWC map. */
function unitOf(peer: Peer, y: TfTensor, unit: number): TfTensor {
  if (y.rank === 2) return peer.tf.slice(y, [0, unit], [-1, 1]);
  return peer.tf.slice(y, [0, 0, 0, unit], [-1, -1, -1, 1]);
}

function trainRow(source: ModelSource, { batch, lr }: { batch: number; lr: number }): Row {
  return {
    group: source.group,
    name: 'training step',
    shape: `batch ${batch}`,
    kind: 'compute',
    async prepare(ctx): Promise<Prepared> {
      const { engine, peer } = ctx;
      const softmaxCrossEntropy = op(engine, 'softmaxCrossEntropy');
      const lossGradient = grad(engine, 'softmaxCrossEntropy');
      const adamStep = op(engine, 'adamStep');
      const m = await load(ctx, source, batch, [FORWARD, BACKWARD, PARAMS]);
      const { model } = m;
      const output = model.spec.output;
      const classes = model.layerShape(output)[1];
      const labelData = Int32Array.from({ length: batch }, (_, i) => (i * 7919) % classes);
      const labels = engine.tensor(labelData, [batch]);
      const moments = new Map([...model.weights].map(([name, w]) => [name, { m: engine.zeros(w.shape), v: engine.zeros(w.shape) }]));
      let step = 0;

      // The step of src/train/trainer.ts, without its read-back of the loss and accuracy.
      const ours = () => {
        const trace = model.trace(m.x);
        const { loss, probs } = softmaxCrossEntropy(trace.outputs.get(output)!, labels);
        const dLogits = lossGradient(probs, labels);
        const { params } = model.backward(trace, new Map([[output, dLogits]]), { params: true, consumeTrace: true });
        step++;
        for (const [name, g] of params) {
          const state = moments.get(name)!;
          adamStep(model.weights.get(name)!, g, state.m, state.v, { lr, step });
          g.dispose();
        }
        trace.dispose();
        for (const t of [loss, probs, dLogits]) t.dispose();
      };

      let theirs: Prepared['peer'];
      let oneHot: TfTensor | null = null;
      if (peer && m.graph && m.tx) {
        const tf = peer.tf;
        const target = tf.oneHot(tf.tensor1d(labelData, 'int32'), classes);
        oneHot = target;
        const optimizer = tf.train.adam(lr);
        const graph = m.graph;
        const tx = m.tx;
        theirs = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(target, graph.forward(tx)) as TfCore.Scalar, false, graph.variables);
      }
      return {
        ours,
        peer: theirs,
        shape: `${m.inputShape.join('x')}`,
        flops: 3 * forwardFlops(model, batch),
        note: notes(m, 'softmax cross-entropy, backward through every weight, Adam (TF.js: tf.train.adam, minimize); FLOPs: about 3x forward'),
        dispose: () => {
          labels.dispose();
          moments.forEach(({ m: first, v }) => {
            first.dispose();
            v.dispose();
          });
          oneHot?.dispose();
          m.dispose();
        },
      };
    },
  };
}

