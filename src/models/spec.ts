// Our model format: a JSON graph (this file's ModelSpec) plus a safetensors file holding
// `<node>.weight` and `<node>.bias`. Nodes name their inputs, so branches and concatenation work.
// ONNX models are imported into the same form (src/models/onnx/).

export type NodeType =
  | 'conv' // weight [M, C/group, kH, kW], bias? [M]
  | 'convtranspose' // weight [C, M/group, kH, kW], bias? [M]
  | 'relu'
  | 'leakyrelu'
  | 'clip' // min/max
  | 'maxpool'
  | 'avgpool'
  | 'globalavgpool'
  | 'globalmaxpool'
  | 'lrn'
  | 'batchnorm' // weight (scale) [C], bias (shift) [C], mean [C], var [C]: the running statistics
  | 'concat'
  | 'add' // elementwise sum of its inputs
  | 'flatten' // [N, ...] -> [N, prod(...)]
  | 'reshape'
  | 'linear' // weight [out, in] (PyTorch/ONNX Gemm transB layout), bias? [out]
  | 'dropout' // identity at inference
  | 'identity'
  | 'pad' // constant padding of H and W
  | 'softmax';

export interface NodeAttrs {
  // conv, convtranspose, pooling
  kernelShape?: [number, number];
  strides?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  dilations?: [number, number];
  group?: number;
  outputPadding?: [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  // lrn
  size?: number;
  alpha?: number;
  beta?: number;
  bias?: number;
  // batchnorm: epsilon; momentum of the running statistics while training (PyTorch's convention)
  epsilon?: number;
  momentum?: number;
  // concat, softmax, flatten
  axis?: number;
  // leakyrelu: alpha; clip
  min?: number;
  max?: number;
  // reshape: target shape after the batch dimension (-1 allowed once)
  shape?: number[];
  // pad: constant value
  value?: number;
}

export interface NodeSpec {
  name: string;
  type: NodeType;
  /** Names of the nodes (or the model input) this node reads. */
  inputs: string[];
  attrs?: NodeAttrs;
}

export interface Preprocessing {
  /** Channel order the network expects. */
  channelOrder: 'RGB' | 'BGR';
  /** Pixel values are first scaled to [0, range]: 1 for [0,1] inputs, 255 for Caffe-style inputs. */
  range: 1 | 255;
  /** Then per channel (in the network's channel order): (v - mean) / std. */
  mean: [number, number, number] | [number];
  std: [number, number, number] | [number];
}

export const PREPROCESSING_PRESETS = {
  /** torchvision / ONNX model zoo: RGB in [0,1], ImageNet mean and std. */
  imagenet: { channelOrder: 'RGB', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  /** Caffe (AlexNet, CaffeNet, VGG from Caffe): BGR in [0,255] minus the ImageNet mean, no scaling. */
  caffe: { channelOrder: 'BGR', range: 255, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  /** TensorFlow-style: RGB in [-1, 1]. */
  symmetric: { channelOrder: 'RGB', range: 1, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
} as const satisfies Record<string, Preprocessing>;

export interface ModelSpec {
  name: string;
  description?: string;
  input: {
    name: string;
    /** [C, H, W] of one image; the batch dimension is free. */
    shape: [number, number, number];
    preprocessing: Preprocessing;
  };
  nodes: NodeSpec[];
  /** Name of the node whose output is the model's output (class scores before softmax, for classifiers). */
  output: string;
  /** Class names, in output order. */
  labels?: string[];
}
