// DeconvNet and its companions (Zeiler & Fergus 2014): projections of activations to the pixels
// (with guided backpropagation and the gradient as the other two ReLU rules), top-9 per unit with
// receptive-field patches, occlusion sensitivity, first-layer diagnosis.

export {
  deconvnet,
  projectMany,
  type DeconvnetOptions,
  type ProjectManyOptions,
  type ProjectionTarget,
  type ProjectionMode,
  type SeedKind,
} from './projection.ts';
export { top9, top9Grid, type Top9Options, type Top9Result, type Top9Unit, type Top9Hit } from './top9.ts';
export { occlusion, type OcclusionOptions, type OcclusionResult } from './occlusion.ts';
export { firstLayerDiagnosis, highFrequencyShare, type FirstLayerDiagnosis, type FirstLayerOptions, type FilterReport } from './first-layer.ts';
