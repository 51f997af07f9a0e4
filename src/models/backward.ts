// The backward pass over a traced graph: reverse order, one rule per node type, gradients of
// branches summed where they meet. Each gradient is freed as soon as it has been propagated, and
// the trace's activations as soon as no remaining node needs them, so memory stays flat.
//
// ReLU's rule is chosen per call: the true gradient, DeconvNet's (rectify the backward signal,
// ignore the forward mask) or guided backpropagation (both). With max-pool switches and the
// transposed convolution, this one machinery gives saliency maps, DeconvNet projections and guided
// backpropagation (Zeiler & Fergus 2014; Springenberg et al. 2015; Simonyan et al. 2014).

import type { Tensor } from '../engine/tensor.ts';
import type { BackwardReluMode } from '../ops/elementwise.ts';
import type { Model, Trace } from './model.ts';
import { disposeStatistics } from '../ops/batch-norm.ts';
import type { NodeSpec } from './spec.ts';

export interface BackwardOptions {
  /** The ReLU rule (default 'gradient'; 'redirected' only AM uses, to get a closed unit started). */
  relu?: BackwardReluMode;
  /** Compute d/d(input image). */
  input?: boolean;
  /** Compute d/d(every weight and bias). */
  params?: boolean;
  /** Free the trace's activations as they stop being needed (the trace is unusable afterwards). */
  consumeTrace?: boolean;
}

export interface BackwardResult {
  input?: Tensor;
  /** `<node>.weight` / `<node>.bias` -> gradient, when options.params. */
  params: Map<string, Tensor>;
}

export function backward(model: Model, trace: Trace, seeds: Map<string, Tensor>, options: BackwardOptions = {}): BackwardResult {
  const { ops, grad } = model.engine;
  const relu = options.relu ?? 'gradient';
  const inputName = model.spec.input.name;
  const grads = new Map<string, Tensor>(); // node name -> d(objective)/d(node output); owned here
  const params = new Map<string, Tensor>();

  for (const [name, seed] of seeds) {
    if (!trace.outputs.has(name)) throw new Error(`backward: seed for '${name}', which the trace did not compute`);
    const out = trace.outputs.get(name)!;
    if (seed.shape.join() !== out.shape.join()) throw new Error(`backward: seed for '${name}' has shape [${seed.shape}], the layer output is [${out.shape}]`);
    grads.set(name, seed.reshape(seed.shape)); // a view: the caller keeps its seed
  }

  // Which nodes lie on a path from the input to a seed (only those need backward).
  const needed = new Set<string>();
  const reachesSeed = new Set(seeds.keys());
  for (const node of [...trace.nodes].reverse()) {
    if (reachesSeed.has(node.name)) for (const i of node.inputs) reachesSeed.add(i);
  }
  for (const node of trace.nodes) if (reachesSeed.has(node.name)) needed.add(node.name);

  // How many pending backward steps still read each activation.
  const readers = new Map<string, number>();
  for (const node of trace.nodes) {
    if (!needed.has(node.name)) continue;
    for (const i of activationsRead(node)) readers.set(i, (readers.get(i) ?? 0) + 1);
  }

  const accumulate = (name: string, g: Tensor) => {
    const prev = grads.get(name);
    if (!prev) return grads.set(name, g);
    grads.set(name, ops.add(prev, g));
    prev.dispose();
    g.dispose();
  };

  for (const node of [...trace.nodes].reverse()) {
    if (!needed.has(node.name)) continue;
    const dy = grads.get(node.name);
    if (dy) {
      grads.delete(node.name);
      const wantInputs = node.inputs.map((i) => i !== inputName || !!options.input);
      const xs = node.inputs.map((i) => (i === inputName ? trace.input : trace.outputs.get(i)!));
      const dxs = model.engine.scoped(`backward of '${node.name}'`, () =>
        nodeBackward(model, trace, node, xs, dy, relu, wantInputs, options.params ? params : null),
      );
      dy.dispose();
      dxs.forEach((dx, k) => {
        if (dx) accumulate(node.inputs[k], dx);
      });
    }
    if (options.consumeTrace) {
      for (const i of activationsRead(node)) {
        const left = readers.get(i)! - 1;
        readers.set(i, left);
        if (left === 0 && i !== inputName) trace.outputs.get(i)?.dispose();
      }
      trace.switches.get(node.name)?.dispose();
      const stats = trace.batchStatistics.get(node.name);
      if (stats) disposeStatistics(stats);
      trace.batchStatistics.delete(node.name);
    }
  }

  const input = grads.get(inputName);
  grads.delete(inputName);
  for (const g of grads.values()) g.dispose();
  if (options.input && !input) {
    // The seeds do not depend on the input (impossible for a connected graph, but be exact).
    return { input: model.engine.zeros(trace.input.shape), params };
  }
  return { input, params };
}

/** The activations a node's backward reads: its inputs, and for softmax its own output too. */
function activationsRead(node: NodeSpec): string[] {
  return node.type === 'softmax' ? [...node.inputs, node.name] : node.inputs;
}

/** Gradients with respect to each input of `node` (null where not wanted); parameter grads into `params`. */
function nodeBackward(
  model: Model,
  trace: Trace,
  node: NodeSpec,
  xs: Tensor[],
  dy: Tensor,
  relu: BackwardReluMode,
  want: boolean[],
  params: Map<string, Tensor> | null,
): (Tensor | null)[] {
  const { ops, grad } = model.engine;
  const a = node.attrs ?? {};
  const x = xs[0];
  const w = model.weight(node.name, 'weight');
  const b = model.weight(node.name, 'bias');
  const only = (f: () => Tensor): (Tensor | null)[] => [want[0] ? f() : null];

  switch (node.type) {
    case 'conv': {
      if (params) {
        params.set(`${node.name}.weight`, grad.conv2dWeight(x, dy, w!.shape, a));
        if (b) params.set(`${node.name}.bias`, grad.conv2dBias(dy));
      }
      return only(() => grad.conv2dInput(dy, w!, x.shape, a));
    }
    case 'convtranspose': {
      if (params) {
        params.set(`${node.name}.weight`, grad.convTranspose2dWeight(x, dy, w!.shape, a));
        if (b) params.set(`${node.name}.bias`, grad.conv2dBias(dy));
      }
      return only(() => grad.convTranspose2dInput(dy, w!, x.shape, a));
    }
    case 'linear': {
      // y = x W^T + b:  dx = dy W,  dW = dy^T x,  db = sum over the batch of dy
      if (params) {
        params.set(`${node.name}.weight`, ops.gemm(dy, x, undefined, { transA: true }));
        if (b) {
          const dy4 = dy.reshape([dy.shape[0], dy.shape[1], 1, 1]);
          params.set(`${node.name}.bias`, ops.channelSum(dy4));
          dy4.dispose();
        }
      }
      return only(() => ops.gemm(dy, w!));
    }
    case 'relu':
      return only(() => grad.relu(x, dy, relu));
    case 'leakyrelu':
      return only(() => grad.leakyRelu(x, dy, a.alpha ?? 0.01));
    case 'clip':
      return only(() => grad.clamp(x, dy, a.min ?? -Infinity, a.max ?? Infinity));
    case 'maxpool':
    case 'globalmaxpool': {
      const attrs = node.type === 'maxpool' ? a : { kernelShape: [x.shape[2], x.shape[3]] };
      return only(() => grad.maxPool2d(dy, trace.switches.get(node.name)!, x.shape, attrs as Parameters<typeof grad.maxPool2d>[3]));
    }
    case 'avgpool':
      return only(() => grad.avgPool2d(dy, x.shape, a as Parameters<typeof grad.avgPool2d>[2]));
    case 'globalavgpool':
      return only(() => grad.globalAveragePool(dy, x.shape));
    case 'batchnorm': {
      // Training mode normalized with the batch's statistics; otherwise the running ones were used.
      const batch = trace.batchStatistics.get(node.name);
      const stats = batch ?? { mean: model.weight(node.name, 'mean')!, variance: model.weight(node.name, 'var')! };
      const g = grad.batchNorm(x, dy, stats, { scale: w!, shift: b!, epsilon: a.epsilon, batchStatistics: !!batch });
      if (params) {
        params.set(`${node.name}.weight`, g.dscale);
        params.set(`${node.name}.bias`, g.dshift);
      } else {
        g.dscale.dispose();
        g.dshift.dispose();
      }
      if (want[0]) return [g.dx];
      g.dx.dispose();
      return [null];
    }
    case 'lrn':
      return only(() => grad.lrn(x, dy, a as Parameters<typeof grad.lrn>[2]));
    case 'concat': {
      const parts = grad.concat(dy, xs.map((t) => t.shape), a.axis ?? 1);
      return parts.map((p, k) => {
        if (want[k]) return p;
        p.dispose();
        return null;
      });
    }
    case 'add':
      return xs.map((t, k) => (want[k] ? dy.reshape(t.shape) : null));
    case 'flatten':
    case 'reshape':
    case 'dropout':
    case 'identity':
      return only(() => dy.reshape(x.shape));
    case 'pad':
      return only(() => grad.pad2d(dy, a.pads ?? [0, 0, 0, 0]));
    case 'softmax':
      return only(() => grad.softmax(trace.outputs.get(node.name)!, dy, a.axis ?? 1));
  }
}
