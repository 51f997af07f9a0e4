// Occlusion sensitivity (Zeiler & Fergus 2014, section 4.2): a grey square slid over the image;
// at each position the network sees the image with that square covered, and we map
//   - the target's score: the probability of a class (softmax of the output, as Zeiler & Fergus
//     plot "the probability of the correct class"), or a unit's total activation over its map
//     (their "strongest feature map"; a linear layer's neuron);
//   - the most probable class.
// Where the score drops, the network relied on what the square hid. The square's corner runs
// over rows and columns 0, stride, 2*stride, ... while the square stays inside the image, and
// the last position is added where the stride would stop short of the far edge.
//
// Defaults: a square of a quarter of the image side (56 pixels at 224, 16 at 64: smaller ones
// hardly move a confident classifier), half its size as stride (7x7 positions), filled with mid grey (pixel value 128 in every colour, through the model's
// preprocessing). The occluded copies go through the engine `batch` at a time.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { classProbabilities, outputIsSoftmax } from '../../models/scores.ts';
import { checkImage } from './projection.ts';

export interface OcclusionOptions {
  /** A class index (of the model's output), or one unit of a layer. */
  target: number | { layer: string; unit: number };
  /** Side of the square in input pixels (default round(H / 4)). */
  size?: number;
  /** Step between positions (default half the size). */
  stride?: number;
  /** The square's pixel value 0..255 in every colour (default 128, grey). */
  fill?: number;
  /** Occluded images per forward pass (default 16). */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface OcclusionResult {
  /** Positions down and across; the square of position (i, j) has its corner at (tops[i], lefts[j]). */
  rows: number;
  cols: number;
  tops: number[];
  lefts: number[];
  size: number;
  /** The target's score per position, [rows * cols], row-major. */
  scores: Float32Array;
  /** The most probable class per position. */
  topClass: Int32Array;
  /** The target's score and the top class on the image without occlusion. */
  baseline: number;
  baselineClass: number;
}

function starts(extent: number, size: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; s + size <= extent; s += stride) out.push(s);
  if (out[out.length - 1] !== extent - size) out.push(extent - size);
  return out;
}

function argmaxAt(values: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

export async function occlusion(model: Model, image: Tensor, options: OcclusionOptions): Promise<OcclusionResult> {
  checkImage(model, image);
  const [channels, height, width] = model.inputShape;
  const { target, fill = 128, batch = 16 } = options ?? ({} as OcclusionOptions);
  const size = options.size ?? Math.max(1, Math.round(Math.min(height, width) / 4));
  const stride = options.stride ?? Math.max(1, Math.round(size / 2));
  const output = model.spec.output;
  const outShape = model.layerShape(output);
  if (outShape.length !== 2) throw new Error(`occlusion needs a classifier: the output '${output}' has shape [${outShape.join(', ')}]`);
  const classes = outShape[1];
  const isSoftmax = outputIsSoftmax(model);
  let layer: string | null = null;
  let unit: number;
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 0 || target >= classes) throw new Error(`class ${target} is not among the model's ${classes} classes (0..${classes - 1})`);
    unit = target;
  } else {
    if (!target || typeof target !== 'object') throw new Error('target must be a class index or { layer, unit }');
    layer = target.layer;
    const units = model.layerShape(layer)[1]; // throws listing the layers
    if (!Number.isInteger(target.unit) || target.unit < 0 || target.unit >= units) throw new Error(`layer '${layer}' has units 0..${units - 1}, got unit ${target.unit}`);
    unit = target.unit;
  }
  if (!Number.isInteger(size) || size < 1 || size > Math.min(height, width)) throw new Error(`size must be an integer in [1, ${Math.min(height, width)}] (the input is ${width}x${height}), got ${size}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}`);
  if (typeof fill !== 'number' || !(fill >= 0 && fill <= 255)) throw new Error(`fill must be a pixel value in [0, 255], got ${fill}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);

  // The grey square in the model's input space, per channel.
  const p = model.spec.input.preprocessing;
  const fillValue = Array.from({ length: channels }, (_, c) => {
    const mean = p.mean.length === 1 ? p.mean[0] : p.mean[c];
    const std = p.std.length === 1 ? p.std[0] : p.std[c];
    return ((fill / 255) * p.range - mean) / std;
  });

  const tops = starts(height, size, stride);
  const lefts = starts(width, size, stride);
  const positions = tops.length * lefts.length;
  const original = await image.readFloat();
  const plane = height * width;
  const per = channels * plane;

  /** Target scores and top classes of a batch of images [n, C, H, W]. */
  const evaluate = async (x: Tensor): Promise<{ score: number[]; top: number[] }> => {
    const n = x.shape[0];
    const outputs = await model.forward(x);
    try {
      const logits = await outputs.get(output)!.readFloat();
      const top = Array.from({ length: n }, (_, i) => argmaxAt(logits, i * classes, classes));
      if (layer === null) {
        const score = Array.from({ length: n }, (_, i) => classProbabilities(logits, isSoftmax, classes, i)[unit]);
        return { score, top };
      }
      const maps = await outputs.get(layer)!.readFloat();
      const [, units] = outputs.get(layer)!.shape;
      const mapSize = maps.length / (n * units);
      const score = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < mapSize; j++) s += maps[(i * units + unit) * mapSize + j];
        return s;
      });
      return { score, top };
    } finally {
      for (const t of outputs.values()) t.dispose();
    }
  };

  const base = await evaluate(image);
  const scores = new Float32Array(positions);
  const topClass = new Int32Array(positions);
  for (let first = 0; first < positions; first += batch) {
    const count = Math.min(batch, positions - first);
    const data = new Float32Array(count * per);
    for (let k = 0; k < count; k++) {
      const at = first + k;
      const top = tops[Math.floor(at / lefts.length)];
      const left = lefts[at % lefts.length];
      const copy = data.subarray(k * per, (k + 1) * per);
      copy.set(original);
      for (let c = 0; c < channels; c++) {
        for (let y = top; y < top + size; y++) copy.fill(fillValue[c], c * plane + y * width + left, c * plane + y * width + left + size);
      }
    }
    const x = model.engine.tensor(data, [count, channels, height, width]);
    try {
      const { score, top } = await evaluate(x);
      scores.set(score, first);
      topClass.set(top, first);
    } finally {
      x.dispose();
    }
    options.onProgress?.(first + count, positions);
  }
  return { rows: tops.length, cols: lefts.length, tops, lefts, size, scores, topClass, baseline: base.score[0], baselineClass: base.top[0] };
}
