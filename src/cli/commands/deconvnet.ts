// deconvnet: project one activation (or one unit's feature map) of a layer back to the pixels
// (Zeiler & Fergus 2014), and write the projection beside the image as a PNG. Also the helpers
// the top9 and occlusion commands share: the model (the shipped one by default) and an image
// file fitted to its input.

import { createEngine, type Engine } from '../../engine/engine.ts';
import { buildModel, type Model } from '../../models/model.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { fitImage, preprocessImage, readImageFile, rgbToRgba, writePng, type RgbImage } from '../../data/image.ts';
import { deconvnet } from '../../methods/deconvnet/projection.ts';
import { magnify, projectionImage, sideBySide } from '../../viz/overlay.ts';
import { RELU_MODES, type ReluMode } from '../../ops/elementwise.ts';
import { parseOptions, required, UsageError } from '../args.ts';
import { readModelFile } from '../model-file.ts';

export const summary = 'project one activation or feature map back to the pixels (DeconvNet, guided backprop, gradient)';

export const usage = `
usage: deconvnet [--model FILE.onnx|spec.json] --image IMG --layer L --unit U [--position R,C]
                 [--mode deconvnet|guided|gradient] [--seed activation|one] [--style signed|heat]
                 [--contrast 1] [--fit crop|stretch] --out FILE.png

Zeiler & Fergus's DeconvNet: the chosen activation (or the unit's whole map) is kept, every other
activation of the layer zeroed, and the signal goes down through max-unpooling with the forward
pass's switches, rectification and the transposed filters. Writes the picture and its projection
side by side.

  --model     an ONNX model or our spec.json (+ .safetensors); default: the shipped conceptnet
  --image     a PNG or JPEG, fitted to the model's input ('--fit': centre crop or stretch)
  --layer     a layer name ('layers --model M' lists them)
  --unit      the channel (or neuron) of the layer
  --position  R,C in the layer's map: project that one activation (default: the whole map)
  --mode      how ReLUs pass the signal down: 'deconvnet' (rectify it; default), 'guided' (also
              the forward mask: guided backpropagation) or 'gradient' (the saliency gradient)
  --seed      the kept activations' own values (default, Zeiler & Fergus) or 'one'
  --style     'signed' (grey is zero; default) or 'heat' (max over colours of |projection|)
  --contrast  the quantile of |projection| shown at full scale (default 1: the largest value)
`;

/** The model at `path` (ONNX or spec.json), or the shipped default model. */
export async function loadCliModel(engine: Engine, path?: string, labels?: string, preprocessing?: string): Promise<Model> {
  if (!path) return loadDefaultModel(engine);
  const { spec, weights } = readModelFile(path, labels, preprocessing);
  return buildModel(engine, spec, weights);
}

export function fitOption(command: string, fit: string | undefined): 'crop' | 'stretch' {
  const f = fit ?? 'crop';
  if (f !== 'crop' && f !== 'stretch') throw new UsageError(`${command}: --fit must be 'crop' or 'stretch', got '${f}'`);
  return f;
}

/** An image file fitted to the model's input: the picture and the preprocessed data. */
export async function readInputImage(model: Model, path: string, fit: 'crop' | 'stretch'): Promise<{ picture: RgbImage; data: Float32Array }> {
  const [, height, width] = model.inputShape;
  let picture = await readImageFile(path);
  if (picture.width !== width || picture.height !== height) picture = fitImage(picture, width, height, { fit });
  return { picture, data: preprocessImage(picture, model.spec.input) };
}

/** "R,C" -> [R, C]. */
export function parsePosition(command: string, text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`${command}: --position must be ROW,COL (two non-negative integers), got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

export function nonNegativeInt(command: string, name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`${command}: --${name} must be a non-negative integer, got '${text}'`);
  return n;
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('deconvnet', usage, args, {
    model: { type: 'string' },
    labels: { type: 'string' },
    preprocessing: { type: 'string' },
    image: { type: 'string' },
    layer: { type: 'string' },
    unit: { type: 'string' },
    position: { type: 'string' },
    mode: { type: 'string' },
    seed: { type: 'string' },
    style: { type: 'string' },
    contrast: { type: 'string' },
    fit: { type: 'string' },
    out: { type: 'string' },
  });
  if (!opts) return;
  const imagePath = required('deconvnet', 'image', opts.image);
  const layer = required('deconvnet', 'layer', opts.layer);
  const unit = nonNegativeInt('deconvnet', 'unit', required('deconvnet', 'unit', opts.unit));
  const out = required('deconvnet', 'out', opts.out);
  const position = parsePosition('deconvnet', opts.position);
  const mode = (opts.mode ?? 'deconvnet') as ReluMode;
  if (!RELU_MODES.includes(mode)) throw new UsageError(`deconvnet: --mode must be one of ${RELU_MODES.join(', ')}, got '${mode}'`);
  const seed = opts.seed ?? 'activation';
  if (seed !== 'activation' && seed !== 'one') throw new UsageError(`deconvnet: --seed must be 'activation' or 'one', got '${seed}'`);
  const style = opts.style ?? 'signed';
  if (style !== 'signed' && style !== 'heat') throw new UsageError(`deconvnet: --style must be 'signed' or 'heat', got '${style}'`);
  const fit = fitOption('deconvnet', opts.fit);
  const quantile = opts.contrast === undefined ? 1 : Number(opts.contrast);
  if (!(quantile > 0 && quantile <= 1)) throw new UsageError(`deconvnet: --contrast must be a number in (0, 1], got '${opts.contrast}'`);

  const engine = await createEngine();
  try {
    const model = await loadCliModel(engine, opts.model, opts.labels, opts.preprocessing);
    const { picture, data } = await readInputImage(model, imagePath, fit);
    const x = engine.tensor(data, [1, ...model.inputShape]);
    const projection = await deconvnet(model, x, { layer, unit, position, mode, seed });
    const values = await projection.readFloat();
    const shown = projectionImage(values, projection.shape, { style, quantile });
    const scale = Math.max(1, Math.floor(256 / picture.width));
    await writePng(out, sideBySide([magnify(rgbToRgba(picture), scale), magnify(shown, scale)], 4));
    let max = 0;
    for (const v of values) max = Math.max(max, Math.abs(v));
    console.log(`${model.spec.name} ${layer} unit ${unit}${position ? ` at [${position}]` : ' (whole map)'}, ${mode}: max |projection| ${max.toPrecision(3)} -> ${out}`);
  } finally {
    engine.destroy();
  }
}
