// CPU reference forward pass of a ModelSpec graph, built from the per-op references (float64
// where they are). The whole-network gradient check differentiates it numerically.

import type { ModelSpec, NodeSpec } from '../models/spec.ts';
import type { HostTensor } from '../models/safetensors.ts';
import { nodeOutputShape } from '../models/shapes.ts';
import * as conv from './conv.ts';
import * as pool from './pool.ts';
import { lrn } from './lrn.ts';
import { batchNorm, batchNormTraining } from './batch-norm.ts';
import { concat } from './concat.ts';
import { gemm } from './gemm.ts';
import { softmax } from './softmax.ts';

export interface Value {
  data: ArrayLike<number>;
  shape: number[];
}

function runNode(node: NodeSpec, xs: Value[], weights: Map<string, HostTensor>, training: boolean): Value {
  const a = node.attrs ?? {};
  const x = xs[0];
  const w = weights.get(`${node.name}.weight`);
  const b = weights.get(`${node.name}.bias`);
  const shapes = new Map([...weights].map(([k, t]) => [k, t.shape]));
  const outShape = () => nodeOutputShape(node, xs.map((v) => v.shape), shapes);
  switch (node.type) {
    case 'conv':
      return conv.conv2d(x.data, x.shape, w!.data, w!.shape, b?.data, a);
    case 'convtranspose':
      return conv.convTranspose2d(x.data, x.shape, w!.data, w!.shape, b?.data, a);
    case 'relu':
      return { data: Array.from(x.data, (v) => Math.max(v, 0)), shape: x.shape };
    case 'maxpool':
      return { data: pool.maxPool2d(x.data, x.shape, a as Parameters<typeof pool.maxPool2d>[2]).y, shape: outShape() };
    case 'avgpool':
      return { data: pool.avgPool2d(x.data, x.shape, a as Parameters<typeof pool.avgPool2d>[2]).y, shape: outShape() };
    case 'globalavgpool':
      return { data: pool.globalAveragePool(x.data, x.shape), shape: outShape() };
    case 'batchnorm': {
      const epsilon = a.epsilon ?? 1e-5;
      if (training) return { data: batchNormTraining(x.data, x.shape, w!.data, b!.data, epsilon), shape: x.shape };
      const stats = { mean: Float64Array.from(weights.get(`${node.name}.mean`)!.data), variance: Float64Array.from(weights.get(`${node.name}.var`)!.data) };
      return { data: batchNorm(x.data, x.shape, stats, w!.data, b!.data, epsilon), shape: x.shape };
    }
    case 'lrn':
      return { data: lrn(x.data, x.shape, a as Parameters<typeof lrn>[2]), shape: x.shape };
    case 'concat':
      return { data: concat(xs.map((v) => v.data), xs.map((v) => v.shape), a.axis ?? 1), shape: outShape() };
    case 'add':
      return { data: Array.from(x.data, (v, i) => xs.reduce((s, t) => s + t.data[i], 0)), shape: x.shape };
    case 'flatten':
    case 'reshape':
    case 'dropout':
    case 'identity':
      return { data: x.data, shape: outShape() };
    case 'linear':
      return { data: gemm(x.data, x.shape, w!.data, w!.shape, b?.data ?? null, b ? b.shape : null, { transB: true }), shape: outShape() };
    case 'softmax':
      return { data: softmax(x.data, x.shape, a.axis ?? 1), shape: x.shape };
    default:
      throw new Error(`reference graph: node type '${node.type}' has no reference here`);
  }
}

/** Every node's output, computed on the CPU; `training`: batch-norm nodes use the batch's statistics. */
export function referenceForward(spec: ModelSpec, weights: Map<string, HostTensor>, input: Value, options: { training?: boolean } = {}): Map<string, Value> {
  const values = new Map<string, Value>([[spec.input.name, input]]);
  for (const node of spec.nodes) values.set(node.name, runNode(node, node.inputs.map((n) => values.get(n)!), weights, !!options.training));
  return values;
}
