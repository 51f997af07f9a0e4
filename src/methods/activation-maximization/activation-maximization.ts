// Activation Maximization: find an image x* = argmax_x a_u(x) - R(x) for a unit u (Erhan et al.
// 2009; Simonyan et al. 2014; Yosinski et al. 2015; Olah et al. 2017), by gradient ascent through
// the network from a noise image. This file ties the pieces together on the shared loop
// (../common/optimize.ts):
//
//   objective   objectives.ts: a channel's mean (default), a position, a neuron, a class score
//               before the softmax, Simonyan's class model (l2), plus Lucid's diversity term
//   image       pixels, or fourier.ts's decorrelated Fourier parameterization
//   robustness  random jitter / scale / rotation (../common/transforms.ts), applied in that order
//               before the network, each step (Lucid's standard set is pad 12, jitter 8, scale
//               1 + (i - 5) / 50 for i = 0..10, rotation -10..10 degrees, jitter 4: here
//               jitter 8, scale [0.9, 1.1], rotate 10 come nearest; none is on unless asked)
//   priors      total variation and the alpha-norm, added to the loss (Mahendran & Vedaldi)
//   r_theta     presets.ts: Yosinski's decay, blur, clipping (4 presets), Erhan's fixed norm
//   restarts    R random starts as one batch; the best by final activation kept (or all)
//   start       a unit closed for the starting image (objective exactly 0: from a grey Fourier
//               start many deep units are) has a zero gradient through its ReLU and never moves;
//               then the first `redirectRelu` steps (default 16) use Lucid's redirected ReLU
//               gradient, which also passes the gradient where it would open a closed unit, and
//               the true gradient takes over. Lucid redirects wherever nothing gets through a ReLU;
//               here only a closed start is redirected: on an open one, 16 redirected steps
//               lowered the default model's class scores by a third (measured)
//
// Defaults: Adam; learning rate 0.05 on the Fourier coefficients (Lucid's), on pixels 0.02 of the
// display range per step (in input units: 0.02 * range / std); a grey start with noise of 0.1;
// no regularization beyond what is asked.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import { tensorToImage } from '../../data/image.ts';
import { Random } from '../../data/concepts/random.ts';
import { optimizeImage, pixelParameterization, type LearningRate, type Parameterization, type StepInfo } from '../common/optimize.ts';
import { applyTransforms, jitter, randomRotate, randomScale, type ImageTransform } from '../common/transforms.ts';
import { channel, channelAt, classScore, deepest, diversity, imageL2, objectiveValues, sum, weighted, type Objective } from './objectives.ts';
import { fourierParameterization, type FourierParameterization } from './fourier.ts';
import { highestActivation } from './erhan.ts';
import type { ImageSet } from '../common/image-set.ts';
import { checkRegularization, isActive, presetSettings, regularize, type Regularization } from './presets.ts';

export interface ActivationMaximizationOptions extends Regularization {
  /** The layer of the unit (not needed with `class` or `objective`). */
  layer?: string;
  /** Its channel (or neuron). */
  unit?: number;
  /** Only that position of the unit's map ('centre' for the middle); default: the map's mean. */
  position?: [number, number] | 'centre';
  /** A class (index or label name): its score before the softmax. */
  class?: number | string;
  /** Any objective (replaces layer/unit/class). */
  objective?: Objective;
  steps: number;
  seed?: number;
  /** Random starts, run as one batch (default 1). */
  restarts?: number;
  /** Return the best restart (default) or all of them. */
  keep?: 'best' | 'all';
  /** Weight of Lucid's diversity term across the restarts (Olah et al. use 1e2 on their scale). */
  diversity?: number;
  /** The layer whose Gram matrices the diversity compares (default: the objective's layer). */
  diversityLayer?: string;
  /** Simonyan's class model penalty lambda ||x||^2. */
  l2?: number;
  parameterization?: 'pixels' | 'fourier';
  optimizer?: 'adam' | 'sgd';
  momentum?: number;
  learningRate?: LearningRate;
  /** A Yosinski preset by name (its settings; explicit options override them). */
  preset?: string;
  /** Random shift of up to this many pixels each step. */
  jitter?: number;
  /** Random scale factors drawn from each step (e.g. [0.9, 1.1]). */
  scale?: [number, number];
  /** Random rotation each step: an angle in degrees drawn from [-d, d] for a number d, or from [lo, hi]. */
  rotate?: number | [number, number];
  /** Total variation weight (and its beta, default 2). */
  tv?: number;
  tvBeta?: number;
  /** Alpha-norm weight (and alpha, default 6). */
  alphaNorm?: number;
  alpha?: number;
  /**
   * A reference set of real pictures: the result then carries Erhan's criterion (the AM image's
   * activation against the unit's highest over the set).
   */
  reference?: ImageSet;
  /** Standard deviation of the starting noise in the display range [0, 1] (default 0.1; 0 starts grey). */
  initialNoise?: number;
  /** When the objective starts at exactly 0, the steps that use Lucid's redirected ReLU gradient (default 16; 0: never). */
  redirectRelu?: number;
  onStep?(info: StepInfo): void | Promise<void>;
  signal?: AbortSignal;
}

export interface ActivationMaximizationResult {
  /** The image(s) in the model's input space: [1, C, H, W] (best) or [R, C, H, W] (keep 'all'). */
  image: Tensor;
  /** The objective of the returned image (the best restart's) at each step. */
  trace: number[];
  /** traces[step][r] for every restart. */
  traces: number[][];
  /** The objective on each returned image at the end (no jitter). */
  activation: number;
  activations: number[];
  /** Which restart was kept (keep 'best'). */
  best: number;
  /** The returned images for display (preprocessing undone). */
  rgba: RgbaImage[];
  /** Erhan's criterion against options.reference, for the returned (best) image. */
  erhan?: { setMax: number; setArgMax: string; images: number; exceeds: boolean };
  /** What was run, for a settings file. */
  settings: Record<string, unknown>;
}

/** The objective that the options name, checked against the model. */
export function mainObjective(model: Model, options: Pick<ActivationMaximizationOptions, 'layer' | 'unit' | 'position' | 'class' | 'objective'>): Objective {
  if (options.objective) return options.objective;
  if (options.class !== undefined) return classScore(options.class);
  if (options.layer === undefined || options.unit === undefined) throw new Error('activationMaximization: give layer and unit, class, or objective');
  if (options.position === undefined) return channel(options.layer, options.unit);
  return channelAt(options.layer, options.unit, options.position === 'centre' ? undefined : options.position);
}

/** The rotation option as a range of degrees (undefined: none); a number d is [-d, d]. */
function rotationRange(rotate: ActivationMaximizationOptions['rotate']): [number, number] | undefined {
  if (rotate === undefined) return undefined;
  const range = typeof rotate === 'number' ? [-rotate, rotate] : rotate;
  const ok = Array.isArray(range) && range.length === 2 && range.every((v) => typeof v === 'number' && Number.isFinite(v)) && range[0] <= range[1];
  if (!ok) throw new Error(`activationMaximization: rotate must be degrees d >= 0 or a range [lo, hi] with lo <= hi, got ${typeof rotate === 'number' ? rotate : JSON.stringify(rotate)}`);
  return range[0] === 0 && range[1] === 0 ? undefined : [range[0], range[1]];
}

/** The initial image batch: mid grey plus Gaussian noise of `sd` in the display range, preprocessed. */
function noiseImage(model: Model, batch: number, sd: number, random: Random): Tensor {
  const [c, h, w] = model.inputShape;
  const { range, mean, std } = model.spec.input.preprocessing;
  const plane = h * w;
  const data = new Float32Array(batch * c * plane);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < c; k++) {
      const m = mean.length === 1 ? mean[0] : mean[k];
      const s = std.length === 1 ? std[0] : std[k];
      const base = (b * c + k) * plane;
      for (let i = 0; i < plane; i++) data[base + i] = ((0.5 + sd * random.normal()) * range - m) / s;
    }
  }
  return model.engine.tensor(data, [batch, c, h, w]);
}

/** Whether the objective is exactly 0 for some starting image (its unit closed: no gradient gets through). */
async function closedStart(model: Model, objective: ReturnType<Objective['bind']>, parameterization: Parameterization, initial: Tensor): Promise<boolean> {
  const image = parameterization.render(initial);
  try {
    return (await objectiveValues(model, objective, image)).some((v) => v === 0);
  } finally {
    image.dispose();
  }
}

export async function activationMaximization(model: Model, options: ActivationMaximizationOptions): Promise<ActivationMaximizationResult> {
  const { engine } = model;
  const { ops } = engine;
  const method = 'activationMaximization';
  // Everything is checked before GPU work.
  const objective = mainObjective(model, options);
  objective.check(model);
  const restarts = options.restarts ?? 1;
  if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`${method}: restarts must be a positive integer, got ${restarts}`);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`${method}: steps must be a positive integer, got ${options.steps}`);
  const regularization: Regularization = { ...(options.preset ? presetSettings(options.preset) : {}) };
  for (const key of ['decay', 'blurWidth', 'blurEvery', 'normPercentile', 'contributionPercentile', 'fixedNorm'] as const) {
    if (options[key] !== undefined) regularization[key] = options[key];
  }
  checkRegularization(regularization);
  const extras: Objective[] = [];
  if (options.diversity) {
    if (restarts < 2) throw new Error(`${method}: diversity compares the images of a batch; give restarts >= 2`);
    const layer = options.diversityLayer ?? options.layer;
    if (!layer) throw new Error(`${method}: diversity needs diversityLayer (or layer)`);
    const term = weighted(options.diversity, diversity(layer));
    term.check(model);
    extras.push(term);
  }
  if (options.l2) extras.push(imageL2(options.l2));
  const transforms: ImageTransform[] = [];
  if (options.jitter) transforms.push(jitter(options.jitter));
  if (options.scale) transforms.push(randomScale(options.scale[0], options.scale[1]));
  const rotate = rotationRange(options.rotate);
  if (rotate) transforms.push(randomRotate(rotate[0], rotate[1]));
  for (const [name, v] of [['tv', options.tv], ['alphaNorm', options.alphaNorm]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${method}: ${name} weight must be a finite number >= 0, got ${v}`);
  }
  const kind = options.parameterization ?? 'pixels';
  if (kind !== 'pixels' && kind !== 'fourier') throw new Error(`${method}: parameterization must be 'pixels' or 'fourier', got '${kind}'`);
  const optimizerKind = options.optimizer ?? 'adam';
  if (optimizerKind !== 'adam' && optimizerKind !== 'sgd') throw new Error(`${method}: optimizer must be 'adam' or 'sgd', got '${optimizerKind}'`);

  const { range, std } = model.spec.input.preprocessing;
  const meanStd = std.reduce((a, b) => a + b, 0) / std.length;
  const learningRate = options.learningRate ?? (kind === 'fourier' ? 0.05 : (0.02 * range) / meanStd);
  const seed = options.seed ?? 0;
  const random = new Random(seed);
  const initialNoise = options.initialNoise ?? 0.1;
  const redirectRelu = options.redirectRelu ?? 16;
  if (!Number.isInteger(redirectRelu) || redirectRelu < 0) throw new Error(`${method}: redirectRelu must be a whole number of steps >= 0, got ${redirectRelu}`);

  let fourier: FourierParameterization | undefined;
  let parameterization: Parameterization = pixelParameterization;
  let initial: Tensor;
  if (kind === 'fourier') {
    fourier = fourierParameterization(engine, model.inputShape, model.spec.input.preprocessing);
    parameterization = fourier;
    initial = fourier.initial(restarts, random);
  } else {
    initial = noiseImage(model, restarts, initialNoise, random);
  }
  const main = objective.bind(model, restarts);
  const extra = extras.length ? sum(...extras).bind(model, restarts) : undefined;

  try {
    let until: string;
    try {
      until = deepest(model, [...main.layers, ...(extra?.layers ?? [])]);
    } catch (e) {
      initial.dispose(); // not yet handed to the loop
      throw e;
    }
    const redirected = redirectRelu > 0 && (await closedStart(model, main, parameterization, initial)) ? redirectRelu : 0;
    const { params, trace } = await optimizeImage(engine, initial, {
      method,
      steps: options.steps,
      learningRate,
      optimizer: optimizerKind === 'adam' ? { kind: 'adam' } : { kind: 'sgd', momentum: options.momentum ?? 0.9 },
      parameterization,
      signal: options.signal,
      onStep: options.onStep,
      async evaluate(image, step) {
        const moved = applyTransforms(engine, image, transforms, random);
        const traced = model.trace(moved.image, { until });
        let report: Tensor, values: Tensor, grad: Tensor;
        try {
          const v = await main.evaluate(traced.outputs, moved.image);
          const e = extra ? await extra.evaluate(traced.outputs, moved.image) : undefined;
          report = v.values;
          values = e ? ops.add(v.values, e.values) : v.values.reshape(v.values.shape);
          e?.values.dispose();
          const seeds = new Map(v.seeds);
          for (const [layer, s] of e?.seeds ?? []) {
            const own = seeds.get(layer);
            seeds.set(layer, own ? ops.add(own, s) : s);
            if (own) {
              own.dispose();
              s.dispose();
            }
          }
          const relu = step < redirected ? 'redirected' : 'gradient';
          const { input } = model.backward(traced, seeds, { input: true, consumeTrace: true, relu });
          for (const s of seeds.values()) s.dispose();
          let dMoved = input!;
          for (const g of [v.imageGrad, e?.imageGrad]) {
            if (!g) continue;
            const next = ops.add(dMoved, g);
            dMoved.dispose();
            g.dispose();
            dMoved = next;
          }
          const dImage = moved.adjoint(dMoved);
          dMoved.dispose();
          grad = ops.scale(dImage, -1); // the loop minimises -objective
          dImage.dispose();
        } finally {
          traced.dispose();
          moved.image.dispose();
        }
        for (const [weight, prior] of [
          [options.tv, () => ops.totalVariation(image, options.tvBeta ?? 2)],
          [options.alphaNorm, () => ops.alphaNorm(image, options.alpha ?? 6)],
        ] as const) {
          if (!weight) continue;
          const { value, grad: g } = prior();
          const next = ops.axpy(weight, g, grad);
          for (const t of [value, g, grad]) t.dispose();
          grad = next;
        }
        const losses = ops.scale(values, -1);
        values.dispose();
        return { losses, grad, report };
      },
      project: isActive(regularization)
        ? async (params, step, grad) => {
            if (!fourier) return regularize(engine, params, step, grad, regularization);
            const image = fourier.render(params);
            const done = await regularize(engine, image, step, grad, regularization);
            const back = fourier.fromImage(done);
            image.dispose();
            done.dispose();
            return back;
          }
        : undefined,
    });

    const images = parameterization.render(params);
    params.dispose();
    const finals = await objectiveValues(model, main, images);
    const best = finals.reduce((bi, v, i) => (v > finals[bi] ? i : bi), 0);
    const keepAll = options.keep === 'all';
    const data = await images.readFloat();
    const [c, h, w] = model.inputShape;
    let image = images;
    if (!keepAll) {
      const per = c * h * w;
      image = engine.tensor(data.slice(best * per, (best + 1) * per), [1, c, h, w]);
      images.dispose();
    }
    const kept = keepAll ? finals.map((_, i) => i) : [best];
    let erhan: ActivationMaximizationResult['erhan'];
    if (options.reference) {
      const top = await highestActivation(model, objective, options.reference);
      erhan = { setMax: top.value, setArgMax: top.name, images: top.images, exceeds: finals[best] > top.value };
    }
    return {
      erhan,
      image,
      trace: trace.map((row) => row[best]),
      traces: trace,
      activation: finals[best],
      activations: kept.map((i) => finals[i]),
      best,
      rgba: kept.map((i) => tensorToImage(data, [restarts, c, h, w], model.spec.input.preprocessing, i)),
      settings: {
        model: model.spec.name,
        objective: objective.name,
        extras: extras.map((e) => e.name),
        steps: options.steps,
        seed,
        restarts,
        keep: keepAll ? 'all' : 'best',
        parameterization: kind,
        optimizer: optimizerKind,
        learningRate: typeof learningRate === 'number' ? learningRate : 'schedule',
        preset: options.preset ?? 'none',
        regularization,
        jitter: options.jitter ?? 0,
        scale: options.scale ?? null,
        rotate: rotate ?? null,
        tv: options.tv ?? 0,
        alphaNorm: options.alphaNorm ?? 0,
        initialNoise,
        redirectRelu,
        redirected,
      },
    };
  } finally {
    main.dispose();
    extra?.dispose();
    fourier?.dispose();
  }
}
