// Data-driven inversion (Dosovitskiy & Brox 2016, "Inverting visual representations with
// convolutional networks"): train an up-convolutional network D on a dataset so that
//
//   D* = argmin_D  sum_i ||D(Phi(x_i)) - x_i||^2
//
// and reconstruct any image from its representation with one forward pass, x^ = D*(Phi_0). Here
// Phi is one layer of the default model (pool2: 32 x 8 x 8 for a 64 x 64 image, after two pooling
// stages), the images are the concept dataset's, with a seed the model was not trained on
// (src/train/concept-data.ts), and x is in the model's input space. D is a ModelSpec graph trained
// with the engine (convTranspose2d and its gradients, Adam): a 4 x 4 transposed convolution of
// stride 2 and a ReLU, then one transposed convolution up to the image (see decoderSpec). The paper's decoders are deeper (several up-convolutions, each with a conv); this
// one is sized to train in minutes on a CPU.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { Model, loadModel } from '../../models/model.ts';
import { readShipped } from '../../models/default-model.ts';
import type { ModelSpec, NodeSpec } from '../../models/spec.ts';
import { preprocessImage, tensorToImage, type RgbaImage } from '../../data/image.ts';
import { initialWeights, batchTensor, type LabelledImages } from '../../train/trainer.ts';
import { Random } from '../../data/concepts/random.ts';
import { conceptImages } from '../../train/concept-data.ts';
import { representationError, targetRepresentation } from './regularized.ts';

/** The layer of the default model the shipped decoder inverts. */
export const DEFAULT_DECODER_LAYER = 'pool2';

/** A decoder's spec names the model and layer it inverts (a field other readers ignore). */
export type DecoderSpec = ModelSpec & { inverts: { model: string; layer: string; imageShape: number[] } };

/** Width of the hidden up-convolution. */
const WIDTH = 64;

/**
 * The decoder's graph from a layer's output [C, h, w] to an image [channels, H, W], H = h 2^k,
 * k >= 2: a 4 x 4 transposed convolution of stride 2 to WIDTH channels and a ReLU, then one of
 * stride 2^(k-1) (kernel twice the stride) straight to the image. Two layers learn in the few
 * hundred steps a CPU affords; the paper's deeper stacks need many thousands.
 */
export function decoderSpec(modelName: string, layer: string, featureShape: number[], imageShape: number[]): DecoderSpec {
  const [c, h, w] = featureShape;
  const [channels, height, width] = imageShape;
  const stages = Math.log2(height / h);
  if (featureShape.length !== 3 || !Number.isInteger(stages) || stages < 2 || width / w !== height / h) {
    throw new Error(`decoderSpec: layer '${layer}' of shape [${featureShape}] is not an image's size divided by 4, 8, 16...(the image is ${height}x${width})`);
  }
  const stride = 2 ** (stages - 1);
  const nodes: NodeSpec[] = [
    { name: 'up1', type: 'convtranspose', inputs: ['features'], attrs: { kernelShape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] } },
    { name: 'up1_relu', type: 'relu', inputs: ['up1'] },
    { name: 'out', type: 'convtranspose', inputs: ['up1_relu'], attrs: { kernelShape: [2 * stride, 2 * stride], strides: [stride, stride], pads: [stride / 2, stride / 2, stride / 2, stride / 2] } },
  ];
  return {
    name: `${modelName}-${layer}-decoder`,
    description: `Up-convolutional decoder (Dosovitskiy & Brox 2016) from ${modelName}'s layer ${layer} back to its input images.`,
    // The "image" of this network is the feature map; its preprocessing is the identity.
    input: { name: 'features', shape: [c, h, w], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
    nodes,
    output: 'out',
    inverts: { model: modelName, layer, imageShape: [channels, height, width] },
  };
}

/** Weight shapes of decoderSpec's graph (convTranspose weights are IOHW). */
export function decoderWeightShapes(spec: ModelSpec, imageChannels: number): Map<string, number[]> {
  const c = spec.input.shape[0];
  const k = spec.nodes[2].attrs!.kernelShape![0];
  return new Map([
    ['up1.weight', [c, WIDTH, 4, 4]],
    ['up1.bias', [WIDTH]],
    ['out.weight', [WIDTH, imageChannels, k, k]],
    ['out.bias', [imageChannels]],
  ]);
}

/** Which model and layer a decoder inverts (from its spec). */
export function decoderTarget(decoder: Model): { model: string; layer: string } {
  const inverts = (decoder.spec as Partial<DecoderSpec>).inverts;
  if (typeof inverts?.layer !== 'string') throw new Error(`model '${decoder.spec.name}' is not a decoder made by trainDecoder (its spec names no layer it inverts)`);
  return { model: String(inverts.model), layer: inverts.layer };
}

export interface DecoderTrainOptions {
  layer: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the initial weights, of the batches' order and of the training images. */
  seed: number;
  /**
   * The training images: the concept dataset's images 0..count-1 with `seed`, made once (default
   * 1024), a set the default model was not trained on (it was trained with seed 1).
   */
  images?: LabelledImages;
  /** The rate falls along half a cosine to `learningRate * finalRate` (default 0.05). */
  finalRate?: number;
  onStep?: (step: number, loss: number) => void;
}

/** Mean squared error per element and its gradient 2 (y - x) / n. */
function meanSquared(engine: Engine, y: Tensor, x: Tensor): { loss: Tensor; grad: Tensor } {
  const diff = engine.ops.sub(y, x);
  const ss = engine.ops.sumSquares(diff);
  const loss = engine.ops.scale(ss, 1 / y.size);
  const grad = engine.ops.scale(diff, 2 / y.size);
  ss.dispose();
  diff.dispose();
  return { loss, grad };
}

/** The model's features at `layer` for a batch (the caller disposes them). */
async function features(model: Model, x: Tensor, layer: string): Promise<Tensor> {
  const outputs = await model.forward(x, { until: layer });
  const phi = outputs.get(layer)!;
  outputs.delete(layer);
  for (const t of outputs.values()) t.dispose();
  return phi;
}

/**
 * Trains a decoder for `model`'s `layer` on concept images (the model must take them: the default
 * model). Returns the decoder and the loss (mean squared error per input value) of every step.
 */
export async function trainDecoder(model: Model, options: DecoderTrainOptions): Promise<{ decoder: Model; losses: number[] }> {
  const { engine } = model;
  const { ops } = engine;
  const featureShape = model.layerShape(options.layer).slice(1);
  const [channels, size] = model.inputShape;
  for (const key of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`trainDecoder: ${key} must be a positive integer, got ${options[key]}`);
  }
  if (!(options.learningRate > 0)) throw new Error(`trainDecoder: learningRate must be a number > 0, got ${options.learningRate}`);
  const spec = decoderSpec(model.spec.name, options.layer, featureShape, model.inputShape);
  const images = options.images ?? conceptImages(options.seed, 1024, size);
  if (images.size !== size) throw new Error(`trainDecoder: the images are ${images.size}x${images.size}, the model takes ${size}x${size}`);
  if (images.count < options.batchSize) throw new Error(`trainDecoder: ${images.count} images cannot fill a batch of ${options.batchSize}`);
  const decoder = new Model(engine, spec, initialWeights(engine, decoderWeightShapes(spec, channels), options.seed));
  const params = [...decoder.weights.entries()];
  const moments = params.map(([, w]) => ({ m: engine.zeros(w.shape), v: engine.zeros(w.shape) }));
  const losses: number[] = [];
  const finalRate = options.finalRate ?? 0.05;
  const random = new Random(options.seed);
  let order: Int32Array = new Int32Array(0);
  let next = 0;
  let pending: Promise<Float32Array> | null = null;
  const settle = async (step: number) => {
    if (!pending) return;
    const [v] = await pending;
    pending = null;
    if (!Number.isFinite(v)) throw new Error(`trainDecoder: the loss became ${v} at step ${step} of ${options.steps}; lower the learning rate`);
    losses.push(v);
    options.onStep?.(step, v);
  };
  try {
    for (let step = 1; step <= options.steps; step++) {
      if (next + options.batchSize > order.length) {
        order = shuffled(images.count, random);
        next = 0;
      }
      const x = batchTensor(engine, model.spec, images, order.subarray(next, next + options.batchSize));
      next += options.batchSize;
      const phi = await features(model, x, options.layer);
      const trace = decoder.trace(phi);
      const { loss, grad } = meanSquared(engine, trace.outputs.get(decoder.spec.output)!, x);
      const { params: grads } = decoder.backward(trace, new Map([[decoder.spec.output, grad]]), { params: true, consumeTrace: true });
      const t = (step - 1) / Math.max(1, options.steps - 1);
      const lr = options.learningRate * (finalRate + (1 - finalRate) * 0.5 * (1 + Math.cos(Math.PI * t)));
      params.forEach(([name, w], k) => {
        const g = grads.get(name)!;
        ops.adamStep(w, g, moments[k].m, moments[k].v, { lr, step });
        g.dispose();
      });
      const values = loss.readFloat();
      values.catch(() => {});
      for (const t2 of [x, phi, grad, loss]) t2.dispose();
      trace.dispose();
      await settle(step - 1);
      pending = values;
    }
    await settle(options.steps);
  } catch (e) {
    decoder.dispose();
    throw e;
  } finally {
    for (const { m, v } of moments) {
      m.dispose();
      v.dispose();
    }
  }
  return { decoder, losses };
}

function shuffled(n: number, random: Random): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The mean image of a set, in the model's input space: the baseline a decoder must beat. */
export function meanImage(model: Model, images: LabelledImages): Float32Array {
  const per = images.size * images.size * 3;
  const sum = new Float64Array(per);
  const spec = model.spec;
  for (let i = 0; i < images.count; i++) {
    const one = preprocessImage({ width: images.size, height: images.size, rgb: images.rgb.subarray(i * per, (i + 1) * per) }, spec.input);
    for (let k = 0; k < per; k++) sum[k] += one[k];
  }
  return Float32Array.from(sum, (v) => v / images.count);
}

/**
 * Mean squared error per input value on `heldOut`: of the decoder's reconstructions, and of the
 * mean image `mean` (what a decoder that ignored its input would best give).
 */
export async function decoderError(model: Model, decoder: Model, heldOut: LabelledImages, mean: Float32Array, batchSize = 16): Promise<{ decoder: number; meanImage: number }> {
  const { engine } = model;
  const { layer } = decoderTarget(decoder);
  let decoderSum = 0;
  let meanSum = 0;
  for (let start = 0; start < heldOut.count; start += batchSize) {
    const indices = Int32Array.from({ length: Math.min(batchSize, heldOut.count - start) }, (_, i) => start + i);
    const x = batchTensor(engine, model.spec, heldOut, indices);
    const phi = await features(model, x, layer);
    const outputs = await decoder.forward(phi);
    const y = outputs.get(decoder.spec.output)!;
    const [xs, ys] = [await x.readFloat(), await y.readFloat()];
    for (const t of [x, phi, ...outputs.values()]) t.dispose();
    for (let i = 0; i < xs.length; i++) {
      decoderSum += (ys[i] - xs[i]) ** 2;
      meanSum += (mean[i % mean.length] - xs[i]) ** 2;
    }
  }
  const n = heldOut.count * mean.length;
  return { decoder: decoderSum / n, meanImage: meanSum / n };
}

export interface DecoderInversion {
  /** The reconstruction [1, C, H, W] in the model's input space (the caller disposes it). */
  image: Tensor;
  /** ||Phi(x^) - Phi_0|| / ||Phi_0||, as for the optimization-based inversion. */
  relativeError: number;
  rgba: RgbaImage;
  layer: string;
  seconds: number;
}

/** One forward pass to the decoder's layer, one through the decoder: the reconstruction of `image`. */
export async function invertWithDecoder(model: Model, decoder: Model, image: Tensor): Promise<DecoderInversion> {
  const { layer } = decoderTarget(decoder);
  const shape = model.layerShape(layer);
  const want = decoder.inputShape;
  if (shape.length !== 4 || shape.slice(1).join() !== want.join()) {
    throw new Error(`invertWithDecoder: the decoder takes [${want}] features from layer '${layer}', but model '${model.spec.name}' gives [${shape.slice(1)}] there`);
  }
  const [c, h, w] = model.inputShape;
  if (image.shape.length !== 4 || image.shape[0] !== 1 || image.shape[1] !== c || image.shape[2] !== h || image.shape[3] !== w) {
    throw new Error(`invertWithDecoder: the image must be [1, ${c}, ${h}, ${w}], got [${image.shape.join(', ')}]`);
  }
  const started = performance.now();
  const { phi0, sumSquares } = await targetRepresentation(model, image, layer, 'invertWithDecoder');
  try {
    const outputs = await decoder.forward(phi0);
    const x = outputs.get(decoder.spec.output)!;
    outputs.delete(decoder.spec.output);
    for (const t of outputs.values()) t.dispose();
    const rgba = tensorToImage(await x.readFloat(), x.shape, model.spec.input.preprocessing);
    const seconds = (performance.now() - started) / 1000;
    const relativeError = await representationError(model, x, layer, phi0, Math.sqrt(sumSquares));
    return { image: x, relativeError, rgba, layer, seconds };
  } finally {
    phi0.dispose();
  }
}

// The shipped decoder's files, named literally so that Vite bundles them for the page.
const SHIPPED_SPEC = new URL('../../../weights/inverter-pool2.json', import.meta.url);
const SHIPPED_WEIGHTS = new URL('../../../weights/inverter-pool2.safetensors', import.meta.url);

/** The decoder shipped in weights/ (made by `npm run train-inverter`; it inverts pool2), in Node and in the page. */
export async function loadDefaultDecoder(engine: Engine, layer = DEFAULT_DECODER_LAYER): Promise<Model> {
  if (layer !== DEFAULT_DECODER_LAYER) {
    throw new Error(`weights/ ships a decoder for layer '${DEFAULT_DECODER_LAYER}' only; for '${layer}', run \`npm run train-inverter -- --layer ${layer}\` and load its files`);
  }
  const remedy = `run \`npm run train-inverter\` to make it`;
  const spec = JSON.parse(new TextDecoder().decode(await readShipped(SHIPPED_SPEC, 'The shipped decoder', remedy))) as ModelSpec;
  return loadModel(engine, spec, await readShipped(SHIPPED_WEIGHTS, 'The shipped decoder', remedy));
}
