// invert: reconstruct an image from its representation at one layer (Mahendran & Vedaldi 2015,
// src/methods/inversion/regularized.ts) and write the reconstruction beside the original.

import { createEngine, type Engine } from '../../engine/engine.ts';
import { buildModel, type Model } from '../../models/model.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { imageToTensor, readImageFile, rgbToRgba, writePng, preprocessImage, tensorToImage, type RgbaImage } from '../../data/image.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { generateImage } from '../../data/concepts/index.ts';
import { ProgressBar } from '../../train/progress.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { invertRepresentation, type InversionOptions } from '../../methods/inversion/regularized.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { readModelFile } from '../model-file.ts';

export const summary = "reconstruct an image from one layer's representation (Mahendran & Vedaldi inversion)";

/** Options `invert` and `invert-all-layers` share. */
export const SHARED_USAGE = `
  --model     an ONNX model, or our format: spec.json with spec.safetensors beside it (default: the
              default model, conceptnet)
  --image     a PNG or JPEG picture, fitted to the model's input (centre crop); or concept:N for
              image N of the concept dataset (seed 7, images the default model never trained on)
  --steps     gradient steps (default 200)
  --seed      seed of the starting noise and the jitter (default 0)
  --jitter    random shift of up to this many pixels at each step (default 0)
  --tv        weight of the normalized TV prior (default 0.001); --alpha-weight: of the alpha norm
  --step-size the first step's RMS pixel move in units of B (default 0.1)
  --preprocessing imagenet|caffe|symmetric (ONNX files do not say; default imagenet)`;

export const usage = `
usage: invert [--model M] --image IMG --layer L [--steps 200] --out FILE.png [--seed 0] [--jitter 0] [--tv 0.001]
              [--alpha-weight 0.001] [--step-size 0.1] [--preprocessing P]

  --layer     the layer whose representation is inverted (see 'layers --model M')
  --out       the PNG to write: the original and the reconstruction side by side
${SHARED_USAGE}
`;

export const SHARED_OPTIONS = {
  model: { type: 'string' },
  image: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  jitter: { type: 'string' },
  tv: { type: 'string' },
  'alpha-weight': { type: 'string' },
  'step-size': { type: 'string' },
  preprocessing: { type: 'string' },
} as const;

function nonNegative(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!(Number.isFinite(v) && v >= 0)) throw new UsageError(`${command}: --${name} must be a number >= 0, got '${value}'`);
  return v;
}

function wholeNumber(command: string, name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const v = Number(value);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`${command}: --${name} must be a whole number >= 0, got '${value}'`);
  return v;
}

/** The inversion options the shared flags set. */
export function inversionFlags(command: string, opts: Partial<Record<keyof typeof SHARED_OPTIONS, string>>): Omit<InversionOptions, 'layer'> {
  return {
    steps: positiveInt(command, 'steps', opts.steps, 200),
    seed: wholeNumber(command, 'seed', opts.seed),
    jitter: wholeNumber(command, 'jitter', opts.jitter),
    tvWeight: nonNegative(command, 'tv', opts.tv),
    alphaWeight: nonNegative(command, 'alpha-weight', opts['alpha-weight']),
    stepSize: nonNegative(command, 'step-size', opts['step-size']) || undefined,
  };
}

/** The model (the default one without --model) and the picture as its input tensor, plus the picture for display. */
export async function modelAndImage(engine: Engine, command: string, opts: Partial<Record<keyof typeof SHARED_OPTIONS, string>>): Promise<{ model: Model; x: Tensor; original: RgbaImage; imageName: string }> {
  const imageArg = required(command, 'image', opts.image);
  let model: Model;
  if (opts.model) {
    const { spec, weights } = readModelFile(opts.model, undefined, opts.preprocessing);
    model = await buildModel(engine, spec, weights);
  } else {
    model = await loadDefaultModel(engine);
  }
  const [c, h, w] = model.inputShape;
  const concept = /^concept:(\d+)$/.exec(imageArg);
  if (concept) {
    if (h !== w) throw new UsageError(`${command}: concept images are square; model '${model.spec.name}' takes ${w}x${h}`);
    const picture = generateImage(7, Number(concept[1]), h);
    const x = engine.tensor(preprocessImage({ width: w, height: h, rgb: picture.rgb }, model.spec.input), [1, c, h, w]);
    return { model, x, original: rgbToRgba({ width: w, height: h, rgb: picture.rgb }), imageName: imageArg };
  }
  const picture = await readImageFile(imageArg);
  const x = imageToTensor(engine, picture.rgb, picture.width, picture.height, model.spec.input);
  return { model, x, original: tensorToImage(await x.readFloat(), x.shape, model.spec.input.preprocessing), imageName: imageArg };
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('invert', usage, args, { ...SHARED_OPTIONS, layer: { type: 'string' }, out: { type: 'string' } });
  if (!opts) return;
  const layer = required('invert', 'layer', opts.layer);
  const out = required('invert', 'out', opts.out);
  if (!out.toLowerCase().endsWith('.png')) throw new UsageError(`invert: --out must name a .png file, got '${out}'`);
  const flags = inversionFlags('invert', opts);
  const engine = await createEngine();
  try {
    const { model, x, original } = await modelAndImage(engine, 'invert', opts);
    model.layerShape(layer); // a wrong name fails here, listing the layers
    const bar = new ProgressBar(flags.steps!);
    const result = await invertRepresentation(model, x, { ...flags, layer, onStep: ({ step, values }) => bar.update(step + 1, `${layer}: loss ${values[0].toPrecision(3)}`) });
    bar.done();
    const scale = Math.max(1, Math.floor(256 / original.width));
    await writePng(out, imageGrid([original, result.rgba], 2, 4, scale));
    console.log(`${layer}: relative error ||Phi(x*) - Phi_0|| / ||Phi_0|| = ${result.relativeError.toFixed(4)} after ${flags.steps} steps (${result.seconds.toFixed(1)} s, B = ${result.B.toFixed(3)}); wrote ${out} (original | reconstruction)`);
    result.image.dispose();
    x.dispose();
    model.dispose();
  } finally {
    engine.destroy();
  }
}
