// A classifier's output read as class probabilities. Models differ in where they stop: ONNX
// classifiers such as SqueezeNet end with their logits (or a softmax node), ours ends with logits.
// Every caller that shows a probability (classify, the demo, occlusion's scores) goes through here,
// so a softmax is never applied twice and never skipped.

import type { Model } from './model.ts';

/** Whether the model's output node is already a softmax (its values are probabilities). */
export function outputIsSoftmax(model: Model): boolean {
  return model.spec.nodes.find((n) => n.name === model.spec.output)?.type === 'softmax';
}

/**
 * The probabilities of row `row` of a [rows, classes] output (row 0 of a single image's output by
 * default): the values themselves when the model ends with a softmax, else softmax(values), in
 * float64 and shifted by the row's maximum so that large logits do not overflow.
 */
export function classProbabilities(values: Float32Array, isSoftmax: boolean, classes = values.length, row = 0): Float64Array {
  const out = Float64Array.from(values.subarray(row * classes, (row + 1) * classes));
  if (isSoftmax) return out;
  const max = out.reduce((a, b) => Math.max(a, b), -Infinity);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] = Math.exp(out[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
