// Training a classifier with the engine's own kernels: forward, softmax cross-entropy, the graph's
// backward for every weight, Adam. Minibatches from an in-memory set of RGB images.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import { Model } from '../models/model.ts';
import type { ModelSpec } from '../models/spec.ts';
import { preprocessImage } from '../data/image.ts';
import { Random } from '../data/concepts/random.ts';
import type { TrainState } from './checkpoint.ts';

/** Images with their class labels: `rgb` holds `count` images of size x size, HWC bytes. */
export interface LabelledImages {
  size: number;
  count: number;
  rgb: Uint8Array;
  labels: Int32Array;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** The learning rate at the first step; `schedule` says how it moves from there. */
  learningRate: number;
  schedule: LearningRateSchedule;
  weightDecay: number;
  seed: number;
  onStep?: (progress: StepProgress) => void;
  onEpoch?: (epoch: EpochSummary) => void | Promise<void>;
  /**
   * Progress saving: `save` gets the whole state (weights, Adam's moments, position) after every
   * `every` steps and after each epoch (after onEpoch), so that `resume` can continue from it.
   */
  checkpoint?: { every: number; save: (state: TrainState) => void | Promise<void>; extra?: () => unknown };
  /** A saved state to continue from: the model's tensors and the optimizer are set from it. */
  resume?: TrainState;
}

/** The options that decide a run's result: a resumed run must have the same. */
function fingerprint(o: TrainOptions): string {
  return JSON.stringify({ epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, schedule: o.schedule, weightDecay: o.weightDecay, seed: o.seed });
}

// The shuffling generator's state is saved with a checkpoint and set on resume (Random keeps it
// private, for the concept generator's sake; the trainer is the one place that needs it).
const rngState = (rng: Random) => (rng as unknown as { state: number }).state;
const setRngState = (rng: Random, state: number) => void ((rng as unknown as { state: number }).state = state);

/**
 * How the learning rate moves over a run: 'exponential' multiplies it by `decay` after every epoch;
 * 'cosine' lowers it along half a cosine, step by step, from the full rate to zero at the last step,
 * so the run spends long at a high rate and still ends annealed, however many epochs it has.
 */
export type LearningRateSchedule = { kind: 'exponential'; decay: number } | { kind: 'cosine' };

/** The learning rate of step `step` (0-based) of `totalSteps`, `stepsPerEpoch` to an epoch. */
export function learningRateAt(base: number, schedule: LearningRateSchedule, step: number, stepsPerEpoch: number, totalSteps: number): number {
  if (schedule.kind === 'exponential') return base * schedule.decay ** Math.floor(step / stepsPerEpoch);
  return base * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps));
}

export interface StepProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  accuracy: number;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  seconds: number;
}

/**
 * Initial weights, deterministic by seed: He-normal for every conv and linear layer, zero biases;
 * batch-norm nodes start as the identity (scale 1, shift 0, running mean 0, running variance 1).
 * The output layer (`outputLayer`) starts 100x smaller, so the first logits are near zero and the
 * first loss near ln(classes) instead of exploding through the max-pools' growing activations.
 */
export function initialWeights(engine: Engine, shapes: Map<string, number[]>, seed: number, outputLayer?: string): Map<string, Tensor> {
  const rng = new Random(seed);
  const weights = new Map<string, Tensor>();
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (isLayerWeight(name, shape)) {
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      const std = Math.sqrt(2 / fanIn) * (name === `${outputLayer}.weight` ? 0.01 : 1);
      for (let i = 0; i < size; i++) data[i] = std * rng.normal();
    } else if (name.endsWith('.weight') || name.endsWith('.var')) {
      data.fill(1); // a batch-norm node's scale and running variance
    }
    weights.set(name, engine.tensor(data, shape));
  }
  return weights;
}

/** A conv or linear layer's weight (a batch-norm node's scale is a vector). */
function isLayerWeight(name: string, shape: readonly number[]): boolean {
  return name.endsWith('.weight') && shape.length > 1;
}

/** What the optimizer changes: weights and biases, not the running statistics of batch norm. */
function isTrainable(name: string): boolean {
  return name.endsWith('.weight') || name.endsWith('.bias');
}

/** The preprocessed input batch [B, 3, size, size] for the given image indices. */
export function batchTensor(engine: Engine, spec: ModelSpec, images: LabelledImages, indices: ArrayLike<number>): Tensor {
  const { size } = images;
  const per = 3 * size * size;
  const data = new Float32Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    const rgb = images.rgb.subarray(i * size * size * 3, (i + 1) * size * size * 3);
    data.set(preprocessImage({ width: size, height: size, rgb }, spec.input), b * per);
  }
  return engine.tensor(data, [indices.length, 3, size, size]);
}

/** A step's loss and predictions on their way back from the GPU. */
interface PendingResults {
  /** The step within its epoch (0-based). */
  step: number;
  loss: Promise<Float32Array | Int32Array>;
  probs: Promise<Float32Array>;
  labels: Int32Array;
  classes: number;
}

function shuffledIndices(n: number, rng: Random): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The index of the largest of each row's k scores (the first, on ties). */
export function argmaxRows(probs: Float32Array, rows: number, k: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Trains `model` in place. `images` is a fixed training set, or a function giving each epoch its
 * own (fresh images every epoch, when a generator can make them). Returns one summary per epoch.
 */
export async function train(model: Model, images: LabelledImages | ((epoch: number) => LabelledImages), options: TrainOptions): Promise<EpochSummary[]> {
  const { engine, spec } = model;
  const { ops, grad } = engine;
  const params = [...model.weights.entries()].filter(([name]) => isTrainable(name));
  const moments = params.map(([, w]) => ({ m: engine.zeros(w.shape), v: engine.zeros(w.shape) }));
  const rng = new Random(options.seed);
  const history: EpochSummary[] = [];
  let step = 0;
  let firstEpoch = 1;
  let skipSteps = 0;
  const resume = options.resume;
  const trainable = new Map(params.map(([name], k) => [name, moments[k]]));

  /** Everything needed to continue from here: read back from the GPU. */
  const snapshot = async (epoch: number, stepInEpoch: number, epochRngState: number, lossSum: number, correct: number): Promise<TrainState> => {
    const host = async (t: Tensor) => ({ shape: [...t.shape], data: await t.readFloat() });
    const modelState = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of model.weights) modelState.set(name, await host(t));
    const momentState = new Map<string, { m: { shape: number[]; data: Float32Array }; v: { shape: number[]; data: Float32Array } }>();
    for (const [name, { m, v }] of trainable) momentState.set(name, { m: await host(m), v: await host(v) });
    return { epoch, stepInEpoch, globalStep: step, epochRngState, lossSum, correct, history: [...history], fingerprint: fingerprint(options), extra: options.checkpoint?.extra?.() ?? null, model: modelState, moments: momentState };
  };

  try {
    if (resume) {
      if (resume.fingerprint !== fingerprint(options)) throw new Error(`cannot resume: the checkpoint's run had options ${resume.fingerprint}, this one has ${fingerprint(options)}`);
      const set = (t: Tensor, saved: { shape: number[]; data: Float32Array } | undefined, name: string) => {
        if (!saved || saved.shape.join() !== t.shape.join()) throw new Error(`cannot resume: the checkpoint has no tensor '${name}' of shape [${t.shape.join(', ')}]`);
        engine.upload(t, saved.data);
      };
      for (const [name, t] of model.weights) set(t, resume.model.get(name), name);
      for (const [name, { m, v }] of trainable) {
        set(m, resume.moments.get(name)?.m, `adam.m/${name}`);
        set(v, resume.moments.get(name)?.v, `adam.v/${name}`);
      }
      setRngState(rng, resume.epochRngState);
      step = resume.globalStep;
      history.push(...resume.history);
      firstEpoch = resume.epoch;
      skipSteps = resume.stepInEpoch;
    }
    for (let epoch = firstEpoch; epoch <= options.epochs; epoch++) {
      const started = performance.now();
      const data = typeof images === 'function' ? images(epoch) : images;
      const stepsPerEpoch = Math.floor(data.count / options.batchSize);
      const totalSteps = stepsPerEpoch * options.epochs;
      const epochRngState = rngState(rng);
      const order = shuffledIndices(data.count, rng);
      const resumed = resume && epoch === firstEpoch && skipSteps > 0;
      let lossSum = resumed ? resume.lossSum : 0;
      let correct = resumed ? resume.correct : 0;
      // The loss and predictions of a step are read back while the next step runs: waiting for
      // them before recording the next one would leave the GPU idle in between.
      const account = async (pending: PendingResults) => {
        const [lossValue] = await pending.loss;
        const predicted = argmaxRows(await pending.probs, pending.labels.length, pending.classes);
        const batchCorrect = predicted.reduce((n, p, r) => n + (p === pending.labels[r] ? 1 : 0), 0);
        if (!Number.isFinite(lossValue)) throw new Error(`training diverged at epoch ${epoch}, step ${pending.step + 1}: loss is ${lossValue}`);
        lossSum += lossValue;
        correct += batchCorrect;
        options.onStep?.({ epoch, step: pending.step + 1, stepsPerEpoch, loss: lossValue, accuracy: batchCorrect / pending.labels.length });
      };
      let previous: PendingResults | null = null;
      for (let s = epoch === firstEpoch ? skipSteps : 0; s < stepsPerEpoch; s++) {
        const indices = order.subarray(s * options.batchSize, (s + 1) * options.batchSize);
        const labelsHost = Int32Array.from(indices, (i) => data.labels[i]);
        const x = batchTensor(engine, spec, data, indices);
        const labels = engine.tensor(labelsHost, [labelsHost.length]);
        const trace = model.trace(x, { training: true });
        const { loss, probs } = ops.softmaxCrossEntropy(trace.outputs.get(spec.output)!, labels);
        const dlogits = grad.softmaxCrossEntropy(probs, labels);
        const { params: grads } = model.backward(trace, new Map([[spec.output, dlogits]]), { params: true, consumeTrace: true });
        const lr = learningRateAt(options.learningRate, options.schedule, step, stepsPerEpoch, totalSteps);
        step++;
        params.forEach(([name, w], k) => {
          const g = grads.get(name)!;
          ops.adamStep(w, g, moments[k].m, moments[k].v, { lr, step, weightDecay: isLayerWeight(name, w.shape) ? options.weightDecay : 0 });
          g.dispose();
        });
        // read() submits the step and its copies at once, so the tensors can go right away.
        const pending: PendingResults = { step: s, loss: loss.read(), probs: probs.readFloat(), labels: labelsHost, classes: probs.shape[1] };
        // Awaited next round; if this round throws first, their failure must not go unhandled.
        pending.loss.catch(() => {});
        pending.probs.catch(() => {});
        for (const t of [x, labels, loss, probs, dlogits]) t.dispose();
        trace.dispose();
        if (previous) await account(previous);
        previous = pending;
        const every = options.checkpoint?.every ?? 0;
        if (every > 0 && (s + 1) % every === 0 && s + 1 < stepsPerEpoch) {
          await account(previous);
          previous = null;
          await options.checkpoint!.save(await snapshot(epoch, s + 1, epochRngState, lossSum, correct));
        }
      }
      if (previous) await account(previous);
      const summary = {
        epoch,
        trainLoss: lossSum / stepsPerEpoch,
        trainAccuracy: correct / (stepsPerEpoch * options.batchSize),
        seconds: (performance.now() - started) / 1000,
      };
      history.push(summary);
      await options.onEpoch?.(summary);
      if (options.checkpoint) await options.checkpoint.save(await snapshot(epoch + 1, 0, rngState(rng), 0, 0));
    }
  } finally {
    for (const { m, v } of moments) {
      m.dispose();
      v.dispose();
    }
  }
  return history;
}

export interface Evaluation {
  accuracy: number;
  predictions: Int32Array;
  /** Per conv/relu layer: how many units never activated (max activation <= 0) over the images. */
  deadUnits: { layer: string; dead: number; units: number }[];
}

/** Accuracy on a labelled set, and the dead units of each ReLU layer with a spatial map. */
export async function evaluate(model: Model, data: LabelledImages, batchSize = 64, onProgress?: (done: number) => void): Promise<Evaluation> {
  const { engine, spec } = model;
  const reluLayers = model.layers.filter((l) => l.type === 'relu' && l.outShape.length === 4).map((l) => l.name);
  const maxPerUnit = new Map(reluLayers.map((name) => [name, new Float32Array(model.layerShape(name)[1]).fill(-Infinity)]));
  const predictions = new Int32Array(data.count);
  for (let start = 0; start < data.count; start += batchSize) {
    const indices = Int32Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    const x = batchTensor(engine, spec, data, indices);
    const outputs = await model.forward(x);
    const logits = await outputs.get(spec.output)!.readFloat();
    predictions.set(argmaxRows(logits, indices.length, logits.length / indices.length), start);
    for (const name of reluLayers) {
      const act = outputs.get(name)!;
      const perImage = engine.ops.spatialMax(act);
      const values = await perImage.readFloat();
      perImage.dispose();
      const best = maxPerUnit.get(name)!;
      for (let i = 0; i < values.length; i++) best[i % best.length] = Math.max(best[i % best.length], values[i]);
    }
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    onProgress?.(start + indices.length);
  }
  const correct = predictions.reduce((n, p, i) => n + (p === data.labels[i] ? 1 : 0), 0);
  return {
    accuracy: correct / data.count,
    predictions,
    deadUnits: reluLayers.map((layer) => {
      const best = maxPerUnit.get(layer)!;
      return { layer, dead: best.filter((v) => v <= 0).length, units: best.length };
    }),
  };
}
