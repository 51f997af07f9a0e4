// The optimisation loop that Activation Maximization and Network Inversion share: both search for an
// image by gradient steps on an objective computed through the network. Only the objective differs
// (a unit's activation to raise; the distance to a target representation to lower), and the
// regularizers applied between steps. The loop owns what is common:
//
//   params  --render-->  image  --(transform, e.g. jitter)-->  network objective + image priors
//      ^                                                              |
//      +---- optimizer step (SGD with momentum, or Adam) <-- pullback of d loss / d image
//
// - a parameterization maps the optimised tensor to the image (pixels: the identity; AM's Fourier
//   space: an inverse DFT and colour decorrelation) and pulls the image gradient back;
// - the loss is always MINIMISED here (AM passes the negated objective) and comes per image of the
//   batch, so several restarts run as one batch and each keeps its own trace;
// - the learning rate follows a schedule; after each step a method may project the parameters
//   (Yosinski's decay, blur and clipping; Erhan's fixed norm);
// - the per-step values are read back in blocks of READ_BLOCK steps, one block late, so the GPU
//   never waits on the CPU, and a NaN or Inf stops the run with an Error naming the step (the
//   usual cause: a learning rate too high). Each read-back is a map the CPU waits on: one a step
//   cost the default model's inversion step about 0.08 of a network pass on SwiftShader
//   (measured on 2 loaded cores). Progress callbacks come in bursts of a block;
// - progress callbacks and an AbortSignal serve the command line's bar and the page's Cancel.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';

/** Maps the optimised parameters to an image in the model's input space, and gradients back. */
export interface Parameterization {
  /** A human name for messages ('pixels', 'fourier'). */
  readonly name: string;
  /** The image [B, C, H, W] for these parameters; the caller disposes it. */
  render(params: Tensor): Tensor;
  /** d loss / d params from d loss / d image (the adjoint of render); the caller disposes it. */
  pullback(params: Tensor, dImage: Tensor): Tensor;
}

/** Pixels are the parameters: render and pullback are the identity (views, no copies). */
export const pixelParameterization: Parameterization = {
  name: 'pixels',
  render: (params) => params.reshape(params.shape),
  pullback: (_params, dImage) => dImage.reshape(dImage.shape),
};

/** Steps whose recorded values travel back together (one read-back per block). */
export const READ_BLOCK = 4;

export type Optimizer = { kind: 'sgd'; momentum?: number } | { kind: 'adam'; beta1?: number; beta2?: number; eps?: number };

/** A learning rate, constant or per step (0-based). */
export type LearningRate = number | ((step: number) => number);

/** Exponential decay lr0 * factor^(step / every): Mahendran & Vedaldi's "decaying learning rate". */
export function decayingRate(lr0: number, factor: number, every: number): (step: number) => number {
  return (step) => lr0 * factor ** (step / every);
}

/** What a method computes at each step, for the current image. */
export interface Evaluation {
  /** [B]: the loss of each image of the batch (what the loop minimises), shown in the trace. */
  losses: Tensor;
  /** d(sum of the losses) / d image, shaped like the image. */
  grad: Tensor;
  /** [B], optional: a number to record instead of the loss (AM records the activation itself). */
  report?: Tensor;
}

export interface StepInfo {
  /** 0-based step whose values these are. */
  step: number;
  steps: number;
  /** The recorded value per image of the batch at this step. */
  values: number[];
  /**
   * The image as it is now (the parameters rendered, up to two blocks of steps after `step`),
   * [B, C, H, W], for showing the optimization as it runs; valid during the callback only; the
   * caller disposes it.
   */
  snapshot(): Tensor;
}

export interface OptimizeOptions {
  /** Who is optimising, for messages ('activationMaximization'). */
  method: string;
  steps: number;
  learningRate: LearningRate;
  optimizer: Optimizer;
  parameterization?: Parameterization;
  /**
   * The loss and its image gradient at `step` (the image is the rendered one; the loop disposes it).
   * It may return a promise, for a term that needs a small value read back (AM's diversity).
   */
  evaluate(image: Tensor, step: number): Evaluation | Promise<Evaluation>;
  /**
   * After the optimizer's step: returns projected parameters (a new tensor, which the loop then
   * owns, or the same one). `grad` is this step's image gradient (Yosinski's contribution clipping).
   * It may return a promise, for a projection that reads values back (percentile clipping, a norm).
   */
  project?(params: Tensor, step: number, grad: Tensor): Tensor | Promise<Tensor>;
  /** Called with each step's values, in order, a block of READ_BLOCK steps at a time, one block late (the last at the end). */
  onStep?(info: StepInfo): void | Promise<void>;
  /** Cancels the run between steps (the page's Cancel button). */
  signal?: AbortSignal;
}

export interface OptimizeResult {
  /** The optimised parameters (owned by the caller). */
  params: Tensor;
  /** trace[step][b]: the recorded value of image b at each step. */
  trace: number[][];
}

/**
 * Runs the loop on `initial` (which it takes over: the result's params replace it).
 */
export async function optimizeImage(engine: Engine, initial: Tensor, options: OptimizeOptions): Promise<OptimizeResult> {
  const { method, steps, optimizer } = options;
  const parameterization = options.parameterization ?? pixelParameterization;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${method}: steps must be a positive integer, got ${steps}`);
  const rate = typeof options.learningRate === 'number' ? constant(options.learningRate) : options.learningRate;
  checkRate(method, rate(0));

  let params = initial;
  const state = optimizer.kind === 'adam' ? [engine.zeros(params.shape), engine.zeros(params.shape)] : [engine.zeros(params.shape)];
  const trace: number[][] = [];
  // Recorded values of the steps not yet sent back, and the block on its way back.
  let block: Tensor[] = [];
  let firstOfBlock = 0;
  let pending: { first: number; count: number; values: Promise<Float32Array> } | null = null;

  /** Starts the current block's values on their way back (one read-back for the block). */
  const send = () => {
    if (!block.length) return null;
    const joined = block.length === 1 ? block[0] : engine.ops.concat(block, 0);
    if (block.length > 1) for (const t of block) t.dispose();
    const values = joined.readFloat().finally(() => joined.dispose());
    values.catch(() => undefined); // awaited by settle(); if it throws first, this must not go unhandled
    const sent = { first: firstOfBlock, count: block.length, values };
    block = [];
    return sent;
  };

  const settle = async () => {
    if (!pending) return;
    const { first, count, values } = pending;
    pending = null;
    const all = await values;
    const width = all.length / count;
    for (let k = 0; k < count; k++) {
      const step = first + k;
      const row = Array.from(all.subarray(k * width, (k + 1) * width));
      const bad = row.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new Error(
          `${method}: the objective became ${row[bad]} at step ${step + 1} of ${steps} (image ${bad} of the batch); ` +
            `the learning rate (${rate(step)}) is probably too high for this layer`,
        );
      }
      trace.push(row);
      await options.onStep?.({ step, steps, values: row, snapshot: () => parameterization.render(params) });
    }
  };

  try {
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) throw abortError(method, step, steps);
      const lr = rate(step);
      checkRate(method, lr);

      const image = parameterization.render(params);
      const { losses, grad, report } = await options.evaluate(image, step);
      image.dispose();
      const dParams = parameterization.pullback(params, grad);
      if (optimizer.kind === 'adam') {
        engine.ops.adamStep(params, dParams, state[0], state[1], { lr, beta1: optimizer.beta1, beta2: optimizer.beta2, eps: optimizer.eps, step: step + 1 });
      } else {
        engine.ops.sgdStep(params, dParams, state[0], { lr, momentum: optimizer.momentum ?? 0 });
      }
      dParams.dispose();
      if (options.project) {
        const projected = await options.project(params, step, grad);
        if (projected !== params) {
          params.dispose();
          params = projected;
        }
      }
      grad.dispose();
      const recorded = report ?? losses;
      if (report) losses.dispose();

      // A full block's values start their way back; the previous block's are awaited meanwhile.
      if (!block.length) firstOfBlock = step;
      block.push(recorded);
      if (block.length === READ_BLOCK) {
        const sent = send();
        await settle();
        pending = sent;
      } else {
        engine.flush(); // the GPU starts on this step while the next is recorded
      }
    }
    const last = send();
    await settle();
    pending = last;
    await settle();
    return { params, trace };
  } catch (e) {
    await pending?.values.catch(() => undefined);
    for (const t of block) t.dispose();
    params.dispose();
    throw e;
  } finally {
    for (const t of state) t.dispose();
  }
}

const constant = (lr: number) => () => lr;

function checkRate(method: string, lr: number): void {
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) throw new Error(`${method}: the learning rate must be a finite number >= 0, got ${lr}`);
}

function abortError(method: string, step: number, steps: number): Error {
  const e = new Error(`${method}: cancelled at step ${step + 1} of ${steps}`);
  e.name = 'AbortError';
  return e;
}
