// Writing ONNX: the inverse of onnx-format.ts's decoder for the same subset of onnx.proto. Tests
// and tools build models with it (weights go in raw_data, copied once into the file's buffer).

import { ProtoWriter } from './protobuf.ts';
import { float32ToBytes } from '../float-formats.ts';
import { DATA_TYPE, type OnnxAttribute, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnx-format.ts';

/** A FLOAT tensor stored as raw_data. */
export function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  return { name, dims, dataType: DATA_TYPE.FLOAT, rawData: float32ToBytes(data) };
}

/** An INT64 tensor stored as int64_data. */
export function int64Tensor(name: string, dims: number[], values: number[]): OnnxTensor {
  return { name, dims, dataType: DATA_TYPE.INT64, int64Data: values };
}

function encodeTensor(w: ProtoWriter, t: OnnxTensor): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  if (t.floatData) w.packedFloats(4, t.floatData);
  if (t.int32Data) w.packedInts(5, t.int32Data);
  if (t.int64Data) w.packedInts(7, t.int64Data);
  if (t.name) w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
}

function encodeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  w.int(20, a.type);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.string(4, a.s);
  if (a.t) w.message(5, (m) => encodeTensor(m, a.t!));
  if (a.floats) w.packedFloats(7, a.floats);
  if (a.ints) w.packedInts(8, a.ints);
  for (const s of a.strings ?? []) w.string(9, s);
}

function encodeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType ?? DATA_TYPE.FLOAT);
      if (v.shape) {
        tensor.message(2, (shape) => {
          for (const d of v.shape!) {
            shape.message(1, (dim) => {
              if (typeof d === 'number') dim.int(1, d);
              else if (d !== undefined) dim.string(2, d);
            });
          }
        });
      }
    }),
  );
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    for (const n of model.graph.nodes) {
      g.message(1, (m) => {
        n.inputs.forEach((i) => m.string(1, i));
        n.outputs.forEach((o) => m.string(2, o));
        if (n.name) m.string(3, n.name);
        m.string(4, n.opType);
        n.attributes.forEach((a) => m.message(5, (am) => encodeAttribute(am, a)));
        if (n.domain) m.string(7, n.domain);
      });
    }
    g.string(2, model.graph.name);
    model.graph.initializers.forEach((t) => g.message(5, (m) => encodeTensor(m, t)));
    model.graph.inputs.forEach((v) => g.message(11, (m) => encodeValueInfo(m, v)));
    model.graph.outputs.forEach((v) => g.message(12, (m) => encodeValueInfo(m, v)));
  });
  for (const o of model.opsets) {
    w.message(8, (m) => {
      if (o.domain) m.string(1, o.domain);
      m.int(2, o.version);
    });
  }
  return w.finish();
}

export function encodeTensorProto(t: OnnxTensor): Uint8Array {
  const w = new ProtoWriter();
  encodeTensor(w, t);
  return w.finish();
}
