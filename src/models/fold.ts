// Folding a per-channel affine map (y = x * scale + shift after a convolution or linear layer)
// into that layer's weights and bias, so that the graph no longer needs a node for it. The ONNX
// importer folds BatchNormalization and bias Adds this way; a model trained with batch-norm nodes
// (src/train/) folds them before it is saved, so the shipped model is plain conv-relu-pool.

import type { ModelSpec, NodeSpec } from './spec.ts';
import type { HostTensor } from './safetensors.ts';
import { DEFAULT_EPSILON } from '../ops/batch-norm.ts';

/** The node types whose output channels have their own weights and bias, which a fold can scale. */
export const FOLD_TARGETS: NodeSpec['type'][] = ['conv', 'convtranspose', 'linear'];

/**
 * The weight and bias of `target` followed by y * scale + shift (scale undefined: 1), for output
 * channel m. `weight` is scaled in place; the new bias is returned.
 */
export function foldAffineInto(target: NodeSpec, weight: HostTensor, bias: Float32Array | undefined, scale: Float32Array | undefined, shift: Float32Array): Float32Array {
  const m = shift.length;
  if (scale) {
    if (target.type === 'convtranspose') {
      // IOHW: output channel g * (M/group) + j lives in w[c, j] for the input channels c of group g.
      const [cin, mg, kh, kw] = weight.shape;
      const perGroupIn = cin / (target.attrs?.group ?? 1);
      const plane = kh * kw;
      for (let c = 0; c < cin; c++) {
        const g = Math.floor(c / perGroupIn);
        for (let j = 0; j < mg; j++) {
          const s = scale[g * mg + j];
          for (let k = (c * mg + j) * plane, end = k + plane; k < end; k++) weight.data[k] *= s;
        }
      }
    } else {
      // conv OIHW and linear [out, in]: output channel o is one contiguous block of the weight.
      const block = weight.data.length / m;
      for (let o = 0; o < m; o++) for (let k = o * block, end = k + block; k < end; k++) weight.data[k] *= scale[o];
    }
  }
  const newBias = new Float32Array(m);
  for (let o = 0; o < m; o++) newBias[o] = (bias ? bias[o] : 0) * (scale ? scale[o] : 1) + shift[o];
  return newBias;
}

/** A batch-norm node's inference map as scale and shift: scale = gamma / sqrt(var + eps), shift = beta - mean * scale. */
export function batchNormAffine(gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, epsilon = DEFAULT_EPSILON) {
  const scale = new Float32Array(gamma.length);
  const shift = new Float32Array(gamma.length);
  for (let k = 0; k < gamma.length; k++) {
    scale[k] = gamma[k] / Math.sqrt(variance[k] + epsilon);
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  return { scale, shift };
}

/**
 * The same network without its batch-norm nodes: each is folded into the conv / linear node it
 * reads, which must have no other reader. Readers of a batch-norm node read that layer instead.
 * The weights given are not changed.
 */
export function foldBatchNorm(spec: ModelSpec, weights: Map<string, HostTensor>): { spec: ModelSpec; weights: Map<string, HostTensor> } {
  const out = new Map<string, HostTensor>([...weights].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
  const renamed = new Map<string, string>(); // batch-norm node -> the layer it was folded into
  const nodes: NodeSpec[] = [];
  for (const node of spec.nodes) {
    if (node.type !== 'batchnorm') {
      nodes.push({ ...node, inputs: node.inputs.map((i) => renamed.get(i) ?? i) });
      continue;
    }
    const target = nodes.find((n) => n.name === node.inputs[0]);
    const readers = spec.nodes.filter((n) => n.inputs.includes(node.inputs[0]));
    if (!target || !FOLD_TARGETS.includes(target.type) || readers.length !== 1) {
      throw new Error(`foldBatchNorm: batch-norm node '${node.name}' must follow a conv, convtranspose or linear node that nothing else reads (it reads '${node.inputs[0]}')`);
    }
    const get = (suffix: string) => out.get(`${node.name}.${suffix}`)?.data ?? fail(`missing weight tensor '${node.name}.${suffix}'`);
    const { scale, shift } = batchNormAffine(get('weight'), get('bias'), get('mean'), get('var'), node.attrs?.epsilon);
    const weight = out.get(`${target.name}.weight`) ?? fail(`missing weight tensor '${target.name}.weight'`);
    const bias = foldAffineInto(target, weight, out.get(`${target.name}.bias`)?.data, scale, shift);
    out.set(`${target.name}.bias`, { shape: [bias.length], data: bias });
    for (const suffix of ['weight', 'bias', 'mean', 'var']) out.delete(`${node.name}.${suffix}`);
    renamed.set(node.name, target.name);
  }
  return { spec: { ...spec, nodes, output: renamed.get(spec.output) ?? spec.output }, weights: out };
}

function fail(message: string): never {
  throw new Error(`foldBatchNorm: ${message}`);
}
