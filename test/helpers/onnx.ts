// Building small ONNX models in tests, with our encoder.

import { ATTR_TYPE, DATA_TYPE, encodeModel, floatTensor, int64Tensor, type OnnxAttribute, type OnnxNode, type OnnxTensor } from '../../src/models/onnx/index.ts';

export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: ATTR_TYPE.INT, i }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: ATTR_TYPE.FLOAT, f }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: ATTR_TYPE.INTS, ints }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: ATTR_TYPE.STRING, s }),
  tensor: (name: string, t: OnnxTensor): OnnxAttribute => ({ name, type: ATTR_TYPE.TENSOR, t }),
};

export function node(opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = [], name = '', domain = ''): OnnxNode {
  return { name, opType, domain, inputs, outputs, attributes };
}

export const f32 = (name: string, dims: number[], values: ArrayLike<number>) => floatTensor(name, dims, Float32Array.from(values));
export const i64 = (name: string, dims: number[], values: number[]) => int64Tensor(name, dims, values);

export interface BuildOptions {
  nodes: OnnxNode[];
  initializers?: OnnxTensor[];
  input?: { name: string; shape: (number | string)[] };
  /** Graph output tensor name (default: the last node's first output). */
  output?: string;
  opset?: number;
  /** List the initializers among the graph inputs too, as old exporters did. */
  initializersAsInputs?: boolean;
}

export function buildOnnx(o: BuildOptions): Uint8Array {
  const input = o.input ?? { name: 'x', shape: ['N', 3, 8, 8] };
  const initializers = o.initializers ?? [];
  return encodeModel({
    irVersion: 8,
    producerName: 'convsight-test',
    opsets: [{ domain: '', version: o.opset ?? 13 }],
    graph: {
      name: 'test-graph',
      nodes: o.nodes,
      initializers,
      inputs: [{ name: input.name, elemType: DATA_TYPE.FLOAT, shape: input.shape }, ...(o.initializersAsInputs ? initializers.map((t) => ({ name: t.name, elemType: t.dataType, shape: t.dims })) : [])],
      outputs: [{ name: o.output ?? o.nodes[o.nodes.length - 1].outputs[0], elemType: DATA_TYPE.FLOAT }],
    },
  });
}
