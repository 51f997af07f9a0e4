// ONNX support: import (loadOnnx, onnxToSpec) and the protobuf format helpers that tests and tools
// use to read ONNX tensors and to build small models.

export { loadOnnx, onnxToSpec, type OnnxImportOptions, type ImportedOnnx } from './import.ts';
export { encodeModel, encodeTensorProto, floatTensor, int64Tensor } from './onnx-encode.ts';
export {
  decodeModel,
  decodeTensorProto,
  tensorToFloat32,
  tensorToNumbers,
  DATA_TYPE,
  ATTR_TYPE,
  type OnnxModel,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxAttribute,
  type OnnxValueInfo,
} from './onnx-format.ts';
