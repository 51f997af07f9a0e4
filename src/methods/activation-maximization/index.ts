// Activation Maximization (methods.md section 1): the method, its objectives, parameterizations,
// regularizers and the pictures that belong with it.

export { activationMaximization, mainObjective, type ActivationMaximizationOptions, type ActivationMaximizationResult } from './activation-maximization.ts';
export * as objectives from './objectives.ts';
export { channel, channelAt, neuron, classScore, classModel, imageL2, diversity, sum, weighted, negate, perImage, objectiveValues, classIndex, scoreLayer, type Objective, type BoundObjective, type ObjectiveValue } from './objectives.ts';
export { fourierParameterization, realFourierBasis, spectrumScale, type FourierParameterization } from './fourier.ts';
export { YOSINSKI_PRESETS, PRESET_ALIASES, PRESET_NAMES, presetSettings, regularize, type Regularization } from './presets.ts';
export { classSaliency, firstLayerFilters, type ClassSaliency } from './saliency.ts';
export { erhanCriterion, highestActivation, highestActivations, type ErhanReport } from './erhan.ts';
