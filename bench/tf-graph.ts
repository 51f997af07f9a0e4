// A ModelSpec graph run with TF.js ops and the same weights: the peer of the whole-network rows.
// Same operations in the same order (conv2d with bias, relu, max/avg pooling, concat, lrn, matMul,
// ...), in TF.js's NHWC layout. Weights are converted once, at construction.
//
// NCHW and NHWC flatten in different orders, so a linear layer that reads a flattened feature map
// gets its weight columns permuted here, once, instead of a transpose in every forward pass.

import type { ModelSpec, NodeSpec } from '../src/models/spec.ts';
import type { Peer, TfTensor, TfTensor4D } from './peer.ts';
import type * as TfCore from '@tensorflow/tfjs-core';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** [top, left, bottom, right] as TF.js explicit NHWC padding. */
function explicitPad(p: number[] | undefined): Pad4 {
  const [t, l, b, r] = p ?? [0, 0, 0, 0];
  return [[0, 0], [t, b], [l, r], [0, 0]];
}

/** NCHW axis -> NHWC axis for a rank-4 tensor. */
const NHWC_AXIS = [0, 3, 1, 2];

export class TfGraph {
  private readonly vars = new Map<string, TfCore.Variable>();

  /**
   * @param layerShapes each node's NCHW output shape for one image (model.layers' outShape).
   */
  constructor(
    private readonly peer: Peer,
    readonly spec: ModelSpec,
    weights: Map<string, HostTensor>,
    private readonly layerShapes: Map<string, number[]>,
  ) {
    const unsupported = spec.nodes.filter((n) => !this.supports(n)).map((n) => `${n.name} (${n.type})`);
    if (unsupported.length) throw new Error(`the TF.js peer has no version of: ${unsupported.join(', ')}`);
    const tf = peer.tf;
    for (const node of spec.nodes) {
      const w = weights.get(`${node.name}.weight`);
      const b = weights.get(`${node.name}.bias`);
      if (w) this.vars.set(`${node.name}.weight`, tf.variable(this.convertWeight(node, w), true, `${node.name}.weight`));
      if (b) this.vars.set(`${node.name}.bias`, tf.variable(tf.tensor1d(b.data), true, `${node.name}.bias`));
    }
  }

  get variables(): TfCore.Variable[] {
    return [...this.vars.values()];
  }

  /** The output of node `until` (default: the model's output) for an NHWC input. Call inside tf.tidy. */
  forward(x: TfTensor4D, until = this.spec.output): TfTensor {
    const values = new Map<string, TfTensor>([[this.spec.input.name, x]]);
    for (const node of this.spec.nodes) {
      values.set(node.name, this.runNode(node, node.inputs.map((i) => values.get(i)!)));
      if (node.name === until) return values.get(until)!;
    }
    throw new Error(`TfGraph: no node '${until}'`);
  }

  dispose(): void {
    this.peer.tf.dispose(this.variables);
    this.vars.clear();
  }

  private supports(node: NodeSpec): boolean {
    const a = node.attrs ?? {};
    switch (node.type) {
      case 'conv':
      case 'relu':
      case 'leakyrelu':
      case 'clip':
      case 'globalavgpool':
      case 'globalmaxpool':
      case 'lrn':
      case 'concat':
      case 'add':
      case 'linear':
      case 'dropout':
      case 'identity':
      case 'pad':
      case 'softmax':
        return true;
      case 'maxpool':
        return (a.dilations ?? [1, 1]).every((d) => d === 1);
      case 'avgpool':
        // TF.js never counts padding; ONNX's count_include_pad only matters with pads.
        return !a.countIncludePad || (a.pads ?? [0, 0, 0, 0]).every((p) => p === 0);
      case 'flatten':
      case 'reshape':
        return (this.layerShapes.get(node.name)?.length ?? 0) === 2;
      default:
        return false;
    }
  }

  private convertWeight(node: NodeSpec, w: HostTensor): TfTensor {
    if (node.type === 'conv') return this.peer.hwio(w.data, w.shape);
    if (node.type !== 'linear') throw new Error(`TfGraph: node '${node.name}' (${node.type}) has weights`);
    // [out, in]; if `in` is a flattened C x H x W map, reorder its columns to H x W x C.
    const [outputs, inputs] = w.shape;
    const source = this.spec.nodes.find((n) => n.name === node.inputs[0]);
    const map = source && (source.type === 'flatten' || source.type === 'reshape') ? this.layerShapes.get(source.inputs[0]) : undefined;
    if (!map || map.length !== 4 || map[2] * map[3] === 1) return this.peer.tf.tensor2d(w.data, [outputs, inputs]);
    const [, c, h, wd] = map;
    const permuted = new Float32Array(w.data.length);
    for (let o = 0; o < outputs; o++)
      for (let ch = 0; ch < c; ch++)
        for (let p = 0; p < h * wd; p++) permuted[o * inputs + p * c + ch] = w.data[o * inputs + ch * h * wd + p];
    return this.peer.tf.tensor2d(permuted, [outputs, inputs]);
  }

  private runNode(node: NodeSpec, xs: TfTensor[]): TfTensor {
    const tf = this.peer.tf;
    const a = node.attrs ?? {};
    const x = xs[0];
    const x4 = x as TfTensor4D;
    const w = this.vars.get(`${node.name}.weight`);
    const b = this.vars.get(`${node.name}.bias`);
    switch (node.type) {
      case 'conv': {
        const group = a.group ?? 1;
        const conv = (input: TfTensor4D, filter: TfTensor4D, bias?: TfTensor) =>
          tf.fused.conv2d({ x: input, filter, bias, strides: a.strides ?? [1, 1], pad: explicitPad(a.pads), dilations: a.dilations ?? [1, 1] });
        if (group === 1) return conv(x4, w as TfTensor4D, b);
        // TF.js has no grouped convolution: one per group, then concat.
        const inputs = tf.split(x4, group, 3) as TfTensor4D[];
        const filters = tf.split(w as TfTensor4D, group, 3) as TfTensor4D[];
        const biases = b ? tf.split(b, group, 0) : [];
        return tf.concat(inputs.map((input, i) => conv(input, filters[i], biases[i])), 3);
      }
      case 'relu':
        return tf.relu(x);
      case 'leakyrelu':
        return tf.leakyRelu(x, a.alpha ?? 0.01);
      case 'clip':
        return tf.clipByValue(x, a.min ?? -3.4e38, a.max ?? 3.4e38);
      case 'maxpool':
        return tf.maxPool(x4, a.kernelShape as [number, number], a.strides ?? [1, 1], this.poolPad(node, x4));
      case 'avgpool':
        return tf.avgPool(x4, a.kernelShape as [number, number], a.strides ?? [1, 1], this.poolPad(node, x4));
      case 'globalavgpool':
        return tf.mean(x, [1, 2], true);
      case 'globalmaxpool':
        return tf.max(x, [1, 2], true);
      case 'lrn': {
        const size = a.size ?? 5;
        return tf.localResponseNormalization(x4, (size - 1) / 2, a.bias ?? 1, (a.alpha ?? 1e-4) / size, a.beta ?? 0.75);
      }
      case 'concat': {
        const axis = a.axis ?? 1;
        return tf.concat(xs, x.rank === 4 ? NHWC_AXIS[axis < 0 ? axis + 4 : axis] : axis);
      }
      case 'add':
        return xs.length === 1 ? x.clone() : tf.addN(xs);
      case 'flatten':
      case 'reshape':
        return tf.reshape(x, [x.shape[0], -1]);
      case 'linear':
        return tf.fused.matMul({ a: x as TfCore.Tensor2D, b: w as TfCore.Tensor2D, transposeB: true, bias: b });
      case 'dropout':
      case 'identity':
        return x.clone();
      case 'pad':
        return tf.pad(x, explicitPad(a.pads), a.value ?? 0);
      case 'softmax':
        return tf.softmax(x);
      default:
        throw new Error(`TfGraph: node '${node.name}' (${node.type}) is not supported`);
    }
  }

  /** ONNX pads, plus the extra bottom/right padding that ceil mode implies (padding never wins in TF.js pools). */
  private poolPad(node: NodeSpec, x: TfTensor4D): Pad4 {
    const pad = explicitPad(node.attrs?.pads);
    const out = this.layerShapes.get(node.name)!;
    const [k, s] = [node.attrs!.kernelShape!, node.attrs?.strides ?? [1, 1]];
    for (const axis of [0, 1]) {
      const size = x.shape[axis + 1];
      const needed = (out[axis + 2] - 1) * s[axis] + k[axis] - size - pad[axis + 1][0];
      pad[axis + 1][1] = Math.max(pad[axis + 1][1], needed);
    }
    return pad;
  }
}
