// convsight: the public API (see README). Names here are a contract with outside tests.

export { createEngine, isCpuAdapter, DeviceLostError, Engine, type EngineOptions, type AdapterInfo, type Tuning } from './engine/engine.ts';
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
export {
  deconvnet,
  projectMany,
  top9,
  top9Grid,
  occlusion,
  firstLayerDiagnosis,
  highFrequencyShare,
  type DeconvnetOptions,
  type ProjectManyOptions,
  type ProjectionTarget,
  type ProjectionMode,
  type SeedKind,
  type Top9Options,
  type Top9Result,
  type Top9Unit,
  type Top9Hit,
  type OcclusionOptions,
  type OcclusionResult,
  type FirstLayerDiagnosis,
  type FirstLayerOptions,
  type FilterReport,
} from './methods/deconvnet/index.ts';
export { receptiveField, fieldGeometry, type ReceptiveField, type FieldGeometry, type Region, type GraphShapes } from './methods/common/receptive-field.ts';
export { topActivations, type TopActivations, type TopActivationsOptions, type TopHit } from './methods/common/top-activations.ts';
export {
  dissect,
  dissectQuantiles,
  dissectTally,
  relabel,
  mergeQuantileStates,
  mergeTallyStates,
  shardRange,
  conceptDataset,
  type DissectOptions,
  type DissectProgress,
  type DissectionResult,
  type DissectedUnit,
  type LayerSummary,
  type QuantileState,
  type TallyState,
} from './methods/dissection/index.ts';
export { writeReport as writeDissectionReport, reportHtml as dissectionReportHtml, tallyCsv } from './methods/dissection/report.ts';
export { cropPadded, sideBySide, heatOverlay, drawBox, projectionImage, magnify, type ProjectionStyle, type ProjectionImageOptions, type Rect } from './viz/overlay.ts';
export {
  invertRepresentation,
  invertEveryLayer,
  invertibleLayers,
  invertWithDecoder,
  trainDecoder,
  loadDefaultDecoder,
  naturalImageNorm,
  type InversionOptions,
  type InversionResult,
  type EveryLayerOptions,
  type LayerReconstruction,
  type DecoderInversion,
} from './methods/inversion/index.ts';
export {
  activationMaximization,
  objectives,
  classSaliency,
  firstLayerFilters,
  erhanCriterion,
  highestActivation,
  highestActivations,
  fourierParameterization,
  YOSINSKI_PRESETS,
  PRESET_NAMES,
  type ActivationMaximizationOptions,
  type ActivationMaximizationResult,
  type Objective,
  type ErhanReport,
  type ClassSaliency,
  type FourierParameterization,
  type Regularization,
} from './methods/activation-maximization/index.ts';
export { linePlotSvg, type LineSeries, type LinePlotOptions } from './viz/line-plot.ts';
