// am: Activation Maximization of one unit or class. Writes the image (FILE.png), the objective's
// trace per step (FILE.trace.svg) and the settings with the results (FILE.json); with --reference,
// Erhan's criterion against a folder of pictures.

import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { createEngine } from '../../engine/engine.ts';
import type { Model } from '../../models/model.ts';
import { readImageFile, writePng } from '../../data/image.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import { activationMaximization, mainObjective, PRESET_NAMES, erhanCriterion, type ActivationMaximizationOptions } from '../../methods/activation-maximization/index.ts';
import type { ImageSet } from '../../methods/common/image-set.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { linePlotSvg } from '../../viz/line-plot.ts';
import { ProgressBar } from '../../train/progress.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { loadCliModel, nonNegativeInt, parsePosition } from './deconvnet.ts';

export const summary = 'Activation Maximization: the image that most excites a unit or a class';

export const usage = `
usage: am [--model FILE.onnx|spec.json] (--layer L --unit U [--position R,C|centre] | --class NAME)
          [--preset NAME] [--param pixels|fourier] [--steps N] [--restarts R] [--keep best|all]
          [--diversity D] [--optimizer adam|sgd] [--lr X] [--jitter PX] [--scale LO,HI] [--rotate DEG]
          [--tv W] [--alpha-norm W] [--l2 LAMBDA] [--decay D] [--blur-width S] [--blur-every K]
          [--norm-pct P] [--contribution-pct P] [--fixed-norm N] [--redirect-relu K] [--seed S]
          [--reference DIR] --out FILE.png

Gradient ascent on the input from a noise image (Erhan et al. 2009; Simonyan et al. 2014; Yosinski
et al. 2015; Olah et al. 2017). Writes FILE.png, FILE.trace.svg (the objective per step) and
FILE.json (every setting, the trace and the final activation).

  --model      an ONNX model or our spec.json (+ .safetensors); default: the shipped conceptnet
  --layer --unit   the unit: a channel's mean over its map (a linear layer: the neuron)
  --position   R,C or 'centre': only that position of the unit's map
  --class      a class by name or number: its score BEFORE the softmax (models with labels)
  --preset     Yosinski et al.'s regularization: ${PRESET_NAMES.join(', ')} (default none)
  --param      'pixels' (default) or 'fourier' (Olah et al.'s decorrelated Fourier space)
  --steps      optimisation steps (default 200)
  --restarts   random starts run as one batch (default 1); --keep best (default) or all
  --diversity  weight of the Gram-matrix diversity term across the restarts (e.g. 20)
  --optimizer  adam (default) or sgd (with momentum 0.9); --lr its learning rate
  --jitter     random shift of up to PX pixels per step; --scale LO,HI random zoom per step
  --rotate     random rotation per step: DEG for -DEG..DEG degrees (Lucid: 10), or LO,HI
               (a negative LO after '=': --rotate=-5,15)
  --tv --alpha-norm   weights of the total-variation and alpha-norm (alpha 6) priors
  --l2         Simonyan's class model: minus LAMBDA ||x||^2
  --decay --blur-width --blur-every --norm-pct --contribution-pct   Yosinski's r_theta (override the preset)
  --fixed-norm Erhan's constraint: the image held at this Euclidean norm (input space)
  --redirect-relu  when the unit is closed for the starting image (objective 0, no gradient), the
               first K steps use Lucid's redirected ReLU gradient to open it (default 16; 0: never)
  --seed       random seed (default 0): the same seed gives the same image
  --reference  a folder of PNG/JPEG pictures: report Erhan's criterion (AM activation vs the
               unit's highest over these pictures)
`;

const NUMBER_OPTIONS = ['lr', 'tv', 'alpha-norm', 'l2', 'decay', 'blur-width', 'norm-pct', 'contribution-pct', 'fixed-norm', 'diversity'] as const;

export function amOptionSpec() {
  return {
    model: { type: 'string' },
    labels: { type: 'string' },
    preprocessing: { type: 'string' },
    layer: { type: 'string' },
    preset: { type: 'string' },
    param: { type: 'string' },
    steps: { type: 'string' },
    optimizer: { type: 'string' },
    jitter: { type: 'string' },
    scale: { type: 'string' },
    rotate: { type: 'string' },
    'blur-every': { type: 'string' },
    'redirect-relu': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    ...Object.fromEntries(NUMBER_OPTIONS.map((k) => [k, { type: 'string' }])),
  } as const;
}

function finite(command: string, name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got '${text}'`);
  return n;
}

/** --rotate: DEG (>= 0, for -DEG..DEG) or LO,HI in degrees. */
function rotation(command: string, text: string | undefined): number | [number, number] | undefined {
  if (text === undefined) return undefined;
  const n = '\\s*(-?\\d+(?:\\.\\d+)?)\\s*';
  const one = new RegExp(`^${n}$`).exec(text);
  if (one && Number(one[1]) >= 0) return Number(one[1]);
  const two = new RegExp(`^${n},${n}$`).exec(text);
  if (two && Number(two[1]) <= Number(two[2])) return [Number(two[1]), Number(two[2])];
  throw new UsageError(`${command}: --rotate must be degrees DEG >= 0 or a range LO,HI with LO <= HI (e.g. 10 or -5,15), got '${text}'`);
}

/** The options every AM command shares (regularization, parameterization, optimiser). */
export function sharedAmOptions(command: string, opts: Record<string, string | boolean | undefined>): Partial<ActivationMaximizationOptions> & { steps: number } {
  const s = (k: string) => opts[k] as string | undefined;
  const param = s('param') ?? 'pixels';
  if (param !== 'pixels' && param !== 'fourier') throw new UsageError(`${command}: --param must be 'pixels' or 'fourier', got '${param}'`);
  const optimizer = s('optimizer') ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new UsageError(`${command}: --optimizer must be 'adam' or 'sgd', got '${optimizer}'`);
  const preset = s('preset');
  if (preset !== undefined && !PRESET_NAMES.includes(preset)) throw new UsageError(`${command}: unknown --preset '${preset}'. Presets: ${PRESET_NAMES.join(', ')}`);
  let scale: [number, number] | undefined;
  if (s('scale') !== undefined) {
    const m = /^\s*([\d.]+)\s*,\s*([\d.]+)\s*$/.exec(s('scale')!);
    if (!m) throw new UsageError(`${command}: --scale must be LO,HI (e.g. 0.9,1.1), got '${s('scale')}'`);
    scale = [Number(m[1]), Number(m[2])];
  }
  const options: Partial<ActivationMaximizationOptions> & { steps: number } = {
    rotate: rotation(command, s('rotate')),
    steps: positiveInt(command, 'steps', s('steps'), 200),
    parameterization: param,
    optimizer,
    preset,
    scale,
    seed: s('seed') === undefined ? 0 : nonNegativeInt(command, 'seed', s('seed')!),
    jitter: s('jitter') === undefined ? undefined : nonNegativeInt(command, 'jitter', s('jitter')!),
    blurEvery: s('blur-every') === undefined ? undefined : nonNegativeInt(command, 'blur-every', s('blur-every')!),
    redirectRelu: s('redirect-relu') === undefined ? undefined : nonNegativeInt(command, 'redirect-relu', s('redirect-relu')!),
    learningRate: finite(command, 'lr', s('lr')),
    tv: finite(command, 'tv', s('tv')),
    alphaNorm: finite(command, 'alpha-norm', s('alpha-norm')),
    l2: finite(command, 'l2', s('l2')),
    decay: finite(command, 'decay', s('decay')),
    blurWidth: finite(command, 'blur-width', s('blur-width')),
    normPercentile: finite(command, 'norm-pct', s('norm-pct')),
    contributionPercentile: finite(command, 'contribution-pct', s('contribution-pct')),
    fixedNorm: finite(command, 'fixed-norm', s('fixed-norm')),
    diversity: finite(command, 'diversity', s('diversity')),
  };
  for (const k of Object.keys(options) as (keyof typeof options)[]) if (options[k] === undefined) delete options[k];
  return options;
}

/** Magnifies a picture by whole pixels to at least `min` pixels wide. */
export function enlarge(image: RgbaImage, min = 224): RgbaImage {
  const factor = Math.max(1, Math.floor(min / image.width));
  return factor === 1 ? image : imageGrid([image], 1, 0, factor);
}

/** The PNG and JPEG pictures of a folder, as an image set. */
export function folderImages(dir: string): ImageSet {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort();
  } catch (e) {
    throw new Error(`cannot read the reference folder '${dir}': ${(e as Error).message}`);
  }
  if (!names.length) throw new Error(`the reference folder '${dir}' has no PNG or JPEG pictures`);
  return { length: names.length, name: (i) => names[i], load: (i) => readImageFile(path.join(dir, names[i])) };
}

function unitOrClass(model: Model, opts: { layer?: string; unit?: string; position?: string; class?: string }): Pick<ActivationMaximizationOptions, 'layer' | 'unit' | 'position' | 'class'> {
  if (opts.class !== undefined) {
    if (opts.layer !== undefined || opts.unit !== undefined) throw new UsageError("am: give either --class or --layer/--unit, not both");
    return { class: /^\d+$/.test(opts.class) ? Number(opts.class) : opts.class };
  }
  const layer = required('am', 'layer', opts.layer);
  const unitText = required('am', 'unit', opts.unit);
  // A name for --unit on the class layer works too, where the model has labels.
  const unit = /^\d+$/.test(unitText) ? Number(unitText) : undefined;
  if (unit === undefined) {
    if (!model.labels) throw new UsageError(`am: --unit must be a number (the model has no class names), got '${unitText}'`);
    return { class: unitText };
  }
  const position = opts.position === 'centre' || opts.position === 'center' ? 'centre' : parsePosition('am', opts.position);
  return { layer, unit, position };
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('am', usage, args, {
    ...amOptionSpec(),
    unit: { type: 'string' },
    position: { type: 'string' },
    class: { type: 'string' },
    restarts: { type: 'string' },
    keep: { type: 'string' },
    reference: { type: 'string' },
  });
  if (!opts) return;
  const out = required('am', 'out', opts.out);
  if (!/\.png$/i.test(out)) throw new UsageError(`am: --out must name a .png file, got '${out}'`);
  const shared = sharedAmOptions('am', opts);
  const restarts = positiveInt('am', 'restarts', opts.restarts, 1);
  const keep = opts.keep ?? 'best';
  if (keep !== 'best' && keep !== 'all') throw new UsageError(`am: --keep must be 'best' or 'all', got '${keep}'`);
  const reference = opts.reference ? folderImages(opts.reference) : undefined;

  const engine = await createEngine();
  try {
    const model = await loadCliModel(engine, opts.model, opts.labels, opts.preprocessing);
    const target = unitOrClass(model, opts);
    const objective = mainObjective(model, target);
    objective.check(model);
    const bar = new ProgressBar(shared.steps);
    const result = await activationMaximization(model, {
      ...shared,
      ...target,
      objective,
      restarts,
      keep,
      onStep: ({ step, values }) => bar.update(step + 1, `step ${step + 1}/${shared.steps}, objective ${Math.max(...values).toFixed(3)}`),
    });
    bar.done();
    const erhan = reference ? await erhanCriterion(model, objective, result.image, reference) : undefined;
    result.image.dispose();

    const base = out.replace(/\.png$/i, '');
    await writePng(out, enlarge(imageGrid(result.rgba, Math.min(4, result.rgba.length), result.rgba.length > 1 ? 2 : 0)));
    const series = keep === 'all' ? result.activations.map((_, r) => ({ label: `restart ${r}`, values: result.traces.map((row) => row[r]) })) : [{ label: objective.name, values: result.trace }];
    writeFileAtomicSync(`${base}.trace.svg`, linePlotSvg(series, { title: `Activation Maximization: ${objective.name}`, yLabel: 'objective' }));
    const report = { ...result.settings, activation: result.activation, activations: result.activations, best: result.best, trace: result.trace, erhan };
    writeFileAtomicSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`${objective.name}: ${result.trace[0].toFixed(3)} -> ${result.activation.toFixed(3)} after ${shared.steps} steps; wrote ${out}, ${base}.trace.svg, ${base}.json`);
    if (erhan) {
      console.log(
        `Erhan's criterion: AM ${erhan.amActivation.toFixed(3)} vs the highest over ${erhan.images} reference pictures ${erhan.setMax.toFixed(3)} (${erhan.setArgMax}): ${erhan.exceeds ? 'exceeds it' : 'does NOT exceed it'}`,
      );
    }
    model.dispose();
  } finally {
    engine.destroy();
  }
}
