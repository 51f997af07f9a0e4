// Network Inversion (../shared/methods.md section 2): Mahendran & Vedaldi's regularized
// optimization (regularized.ts), its every-layer experiment (every-layer.ts), and Dosovitskiy &
// Brox's trained up-convolutional decoder (decoder.ts).

export { invertRepresentation, naturalImageNorm, representationError, TV_SCALE, type InversionOptions, type InversionResult } from './regularized.ts';
export { invertEveryLayer, invertibleLayers, type EveryLayerOptions, type LayerReconstruction } from './every-layer.ts';
export {
  invertWithDecoder,
  trainDecoder,
  loadDefaultDecoder,
  decoderSpec,
  decoderError,
  meanImage,
  DEFAULT_DECODER_LAYER,
  type DecoderSpec,
  type DecoderTrainOptions,
  type DecoderInversion,
} from './decoder.ts';
