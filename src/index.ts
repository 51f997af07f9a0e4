// convsight: the public API (see README). Names here are a contract with outside tests.

export { createEngine, isCpuAdapter, Engine, type EngineOptions, type AdapterInfo, type Tuning } from './engine/engine.ts';
export { Tensor, type DType } from './engine/tensor.ts';
export type { ReluMode } from './ops/elementwise.ts';
export { Model, Trace, buildModel, loadModel, type LayerInfo, type GradientTarget } from './models/model.ts';
export { PREPROCESSING_PRESETS, type ModelSpec, type NodeSpec, type NodeType, type NodeAttrs, type Preprocessing } from './models/spec.ts';
export { parseSafetensors, writeSafetensors, type HostTensor } from './models/safetensors.ts';
export { loadOnnx, onnxToSpec, type OnnxImportOptions } from './models/onnx/index.ts';
export {
  decodeImage,
  decodeImageInBrowser,
  readImageFile,
  fitImage,
  resizeRgb,
  preprocessImage,
  imageToTensor,
  tensorToImage,
  rgbToRgba,
  encodePng,
  writePng,
  type RgbImage,
  type RgbaImage,
  type FitOptions,
} from './data/image.ts';
export { loadBroden, type Dataset } from './data/broden.ts';
export { writeFileAtomic, writeFileAtomicSync } from './data/atomic-write.ts';
export { checkModel } from './models/model-check.ts';
export { loadDefaultModel, conceptNetSpec } from './models/default-model.ts';
