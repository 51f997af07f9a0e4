// The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that CNN
// classifiers use, as plain objects, and its decoder (the encoder is in onnx-encode.ts). Field numbers are onnx.proto's.
// Weights stay as views into the file (rawData) until someone asks for them as float32.

import { ProtoReader, WIRE } from './protobuf.ts';
import { float32FromBfloat16Bytes, float32FromBytes, float32FromFloat16Bytes, float32FromFloat64Bytes, halfToFloat } from '../float-formats.ts';

/** TensorProto.DataType values. */
export const DATA_TYPE = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16 } as const;
const DATA_TYPE_NAMES = Object.fromEntries(Object.entries(DATA_TYPE).map(([k, v]) => [v, k])) as Record<number, string>;

export const dataTypeName = (t: number) => DATA_TYPE_NAMES[t] ?? `type ${t}`;

/** AttributeProto.AttributeType values. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: Float32Array;
  /** int32_data also carries INT8/UINT8/INT16/BOOL values and the bits of FLOAT16/BFLOAT16. */
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  /** The data lives in a separate file (data_location EXTERNAL). */
  external?: boolean;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  /** Each dimension: a size, a symbolic name, or undefined when unknown. Undefined when the shape is. */
  shape?: (number | string | undefined)[];
}

export interface OnnxGraph {
  name: string;
  docString?: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName?: string;
  docString?: string;
  /** Operator set versions by domain ('' is the default ONNX domain). */
  opsets: { domain: string; version: number }[];
  graph: OnnxGraph;
}

// ---- decoding ------------------------------------------------------------------------------------

function concatFloats(parts: Float32Array[], singles: number[]): Float32Array {
  if (parts.length === 1 && !singles.length) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0) + singles.length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out.set(singles, at);
  return out;
}

export function decodeTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  const floatParts: Float32Array[] = [];
  const floatSingles: number[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: r.int64s(wire, t.dims); break;
      case 2: t.dataType = r.varint(); break;
      case 4:
        if (wire === WIRE.bytes) floatParts.push(float32FromBytes(r.bytesField()));
        else floatSingles.push(r.fixed32());
        break;
      case 5: r.int64s(wire, (t.int32Data ??= [])); break;
      case 7: r.int64s(wire, (t.int64Data ??= [])); break;
      case 8: t.name = r.string(); break;
      case 9: t.rawData = r.bytesField(); break;
      case 10: r.doubles(wire, (t.doubleData ??= [])); break;
      case 14: t.external = r.varint() === 1; break;
      default: r.skip(wire);
    }
  }
  if (floatParts.length || floatSingles.length) t.floatData = concatFloats(floatParts, floatSingles);
  return t;
}

function decodeAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0 };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: a.name = r.string(); break;
      case 20: a.type = r.varint(); break;
      case 2: a.f = r.fixed32(); break;
      case 3: a.i = r.int64(); break;
      case 4: a.s = r.string(); break;
      case 5: a.t = decodeTensor(r.message('TensorProto')); break;
      case 7: r.floats(wire, (a.floats ??= [])); break;
      case 8: r.int64s(wire, (a.ints ??= [])); break;
      case 9: (a.strings ??= []).push(r.string()); break;
      default: r.skip(wire);
    }
  }
  return a;
}

function decodeNode(r: ProtoReader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: n.inputs.push(r.string()); break;
      case 2: n.outputs.push(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 5: n.attributes.push(decodeAttribute(r.message('AttributeProto'))); break;
      case 7: n.domain = r.string(); break;
      default: r.skip(wire);
    }
  }
  return n;
}

/** TypeProto -> tensor element type and shape. */
function decodeType(r: ProtoReader, into: OnnxValueInfo): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field !== 1) {
      r.skip(wire);
      continue;
    }
    const tensorType = r.message('TypeProto.Tensor');
    while (!tensorType.done) {
      const [f, w] = tensorType.tag();
      if (f === 1) into.elemType = tensorType.varint();
      else if (f === 2) {
        into.shape = [];
        const shape = tensorType.message('TensorShapeProto');
        while (!shape.done) {
          const [sf, sw] = shape.tag();
          if (sf !== 1) {
            shape.skip(sw);
            continue;
          }
          const dim = shape.message('TensorShapeProto.Dimension');
          let value: number | string | undefined;
          while (!dim.done) {
            const [df, dw] = dim.tag();
            if (df === 1) value = dim.int64();
            else if (df === 2) value = dim.string();
            else dim.skip(dw);
          }
          into.shape.push(value);
        }
      } else tensorType.skip(w);
    }
  }
}

function decodeValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '' };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) v.name = r.string();
    else if (field === 2) decodeType(r.message('TypeProto'), v);
    else r.skip(wire);
  }
  return v;
}

function decodeGraph(r: ProtoReader): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: g.nodes.push(decodeNode(r.message(`NodeProto #${g.nodes.length}`))); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(decodeTensor(r.message(`initializer #${g.initializers.length}`))); break;
      case 10: g.docString = r.string(); break;
      case 11: g.inputs.push(decodeValueInfo(r.message('graph input'))); break;
      case 12: g.outputs.push(decodeValueInfo(r.message('graph output'))); break;
      default: r.skip(wire);
    }
  }
  return g;
}

/** Decodes a ModelProto. Throws a ProtoError for a truncated or corrupt file. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new ProtoReader(bytes, 'ModelProto');
  const m: Partial<OnnxModel> & { opsets: OnnxModel['opsets'] } = { irVersion: 0, opsets: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: m.irVersion = r.varint(); break;
      case 2: m.producerName = r.string(); break;
      case 6: m.docString = r.string(); break;
      case 7: m.graph = decodeGraph(r.message('GraphProto')); break;
      case 8: {
        const o = r.message('OperatorSetIdProto');
        const opset = { domain: '', version: 0 };
        while (!o.done) {
          const [f, w] = o.tag();
          if (f === 1) opset.domain = o.string();
          else if (f === 2) opset.version = o.int64();
          else o.skip(w);
        }
        m.opsets.push(opset);
        break;
      }
      default: r.skip(wire);
    }
  }
  if (!m.graph) throw new Error('the file holds no graph (is it an ONNX model?)');
  return m as OnnxModel;
}

/** Decodes a bare TensorProto (the .pb files of the ONNX test data sets). */
export function decodeTensorProto(bytes: Uint8Array): OnnxTensor {
  return decodeTensor(new ProtoReader(bytes, 'TensorProto'));
}

// ---- tensor contents -----------------------------------------------------------------------------

const elementCount = (t: OnnxTensor) => t.dims.reduce((a, b) => a * b, 1);

function checkCount(t: OnnxTensor, n: number, where: string): void {
  const expected = elementCount(t);
  if (n !== expected) {
    throw new Error(`tensor '${t.name}': ${dataTypeName(t.dataType)} [${t.dims.join(', ')}] needs ${expected} values, ${where} holds ${n}`);
  }
}

/** A float tensor's values as a new float32 array (FLOAT, FLOAT16, BFLOAT16 and DOUBLE are accepted). */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  if (t.external) throw new Error(`tensor '${t.name}': its data is stored in an external file; save the model with its weights embedded`);
  const T = DATA_TYPE;
  let out: Float32Array;
  if (t.rawData) {
    const size = { [T.FLOAT]: 4, [T.FLOAT16]: 2, [T.BFLOAT16]: 2, [T.DOUBLE]: 8 }[t.dataType];
    if (!size) throw new Error(`tensor '${t.name}': data type ${dataTypeName(t.dataType)} is not a float type`);
    if (t.rawData.byteLength % size) throw new Error(`tensor '${t.name}': raw_data of ${t.rawData.byteLength} bytes is not a whole number of ${dataTypeName(t.dataType)} values`);
    checkCount(t, t.rawData.byteLength / size, 'raw_data');
    if (t.dataType === T.FLOAT) return float32FromBytes(t.rawData);
    if (t.dataType === T.FLOAT16) return float32FromFloat16Bytes(t.rawData);
    if (t.dataType === T.BFLOAT16) return float32FromBfloat16Bytes(t.rawData);
    return float32FromFloat64Bytes(t.rawData);
  }
  if (t.dataType === T.FLOAT) out = t.floatData ? t.floatData.slice() : new Float32Array(0);
  else if (t.dataType === T.DOUBLE) out = Float32Array.from(t.doubleData ?? []);
  else if (t.dataType === T.FLOAT16) out = Float32Array.from(t.int32Data ?? [], halfToFloat);
  else if (t.dataType === T.BFLOAT16) out = new Float32Array(Uint32Array.from(t.int32Data ?? [], (b) => b << 16).buffer);
  else throw new Error(`tensor '${t.name}': data type ${dataTypeName(t.dataType)} is not a float type`);
  checkCount(t, out.length, 'the tensor');
  return out;
}

/** Any numeric tensor's values as JS numbers (for shapes, pads, clip bounds). */
export function tensorToNumbers(t: OnnxTensor): number[] {
  const T = DATA_TYPE;
  if ([T.FLOAT, T.FLOAT16, T.BFLOAT16, T.DOUBLE].includes(t.dataType as 1)) return Array.from(tensorToFloat32(t));
  let out: number[];
  if (t.rawData) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const readers: Record<number, [number, (i: number) => number]> = {
      [T.INT64]: [8, (i) => view.getInt32(i + 4, true) * 2 ** 32 + view.getUint32(i, true)],
      [T.INT32]: [4, (i) => view.getInt32(i, true)],
      [T.INT8]: [1, (i) => view.getInt8(i)],
      [T.UINT8]: [1, (i) => view.getUint8(i)],
      [T.BOOL]: [1, (i) => view.getUint8(i)],
    };
    const reader = readers[t.dataType];
    if (!reader) throw new Error(`tensor '${t.name}': data type ${dataTypeName(t.dataType)} is not supported here`);
    const [size, read] = reader;
    out = Array.from({ length: Math.floor(t.rawData.byteLength / size) }, (_, k) => read(k * size));
  } else {
    out = t.dataType === T.INT64 ? (t.int64Data ?? []) : (t.int32Data ?? []);
  }
  checkCount(t, out.length, 'the tensor');
  return out;
}
