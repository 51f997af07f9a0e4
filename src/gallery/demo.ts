// The main job (`npm run demo`): the four visualization methods on one model, as a gallery a
// person opens in a browser (out/index.html). On the shipped default model it needs nothing
// downloaded; `--model FILE.onnx --labels FILE --images DIR` does the same for the user's own
// ImageNet model. Each part is one method, timed; the command line is a thin caller of runDemo.

import type { Engine } from '../engine/engine.ts';
import { fitImage } from '../data/image-resize.ts';
import { preprocessImage, readImageFile } from '../data/image.ts';
import { generateImage } from '../data/concepts/scene.ts';
import type { RgbImage } from '../data/image-format.ts';
import { buildModel, type Model } from '../models/model.ts';
import { loadDefaultModel } from '../models/default-model.ts';
import { readModelFile } from '../cli/model-file.ts';
import { Gallery } from './gallery.ts';
import type { DemoContext, DemoImage, DemoPart } from './context.ts';
import { DEMO_PARTS } from './parts/index.ts';
import { conceptDataset } from '../methods/dissection/concept-dataset.ts';

export interface DemoOptions {
  outDir: string;
  /** A model file (ONNX, or spec.json + safetensors); default: the shipped default model. */
  modelPath?: string;
  labelsPath?: string;
  /** A folder of PNG/JPEG pictures to explain; default: generated concept images. */
  imagesDir?: string;
  /** How many images the per-image parts explain. */
  count?: number;
  quick?: boolean;
  seed?: number;
  /** Only these parts (by name); default: all. */
  parts?: string[];
  log?: (line: string) => void;
}

export interface DemoResult {
  path: string;
  timings: { part: string; seconds: number }[];
}

/** The held-out seed of the concept images the demo shows (training used seeds 1 and 2). */
const DEMO_SEED = 3;
/** The concept set of the dataset-wide parts: another held-out seed, and its size. */
const CONCEPT_SET_SEED = 4;
const CONCEPT_SET_SIZE = { full: 300, quick: 24 };

export async function runDemo(engine: Engine, options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => undefined);
  const quick = !!options.quick;
  const seed = options.seed ?? DEMO_SEED;
  const parts = selectParts(options.parts);
  const model = options.modelPath ? await loadModelFile(engine, options.modelPath, options.labelsPath) : await loadDefaultModel(engine);
  const count = options.count ?? (quick ? 2 : 4);
  const pictures = options.imagesDir ? await readImageFolder(options.imagesDir, count) : conceptPictures(seed, count, model.inputShape[1]);
  const images = pictures.map(({ name, picture }) => toDemoImage(model, name, picture));
  const labels = model.labels ?? Array.from({ length: model.layerShape(model.spec.output)[1] }, (_, i) => `class ${i}`);
  const adapter = [engine.adapterInfo.vendor, engine.adapterInfo.architecture, engine.adapterInfo.description].filter(Boolean).join(' / ');
  const gallery = new Gallery(
    options.outDir,
    `convsight: how ${model.spec.name} sees the world`,
    `The four visualization methods reviewed by Qin et al. 2018, computed by convsight's own WebGPU engine on ${adapter}${quick ? ' (quick run: few steps)' : ''}.`,
  );
  const ctx: DemoContext = {
    engine,
    model,
    labels,
    images,
    concepts: conceptDataset({ count: quick ? CONCEPT_SET_SIZE.quick : CONCEPT_SET_SIZE.full, seed: CONCEPT_SET_SEED, size: model.inputShape[1] }),
    isDefaultModel: !options.modelPath,
    convLayers: model.layers.filter((l) => l.type === 'conv').map((l) => l.name),
    gallery,
    tileScale: model.inputShape[1] < 128 ? 2 : 1,
    quick,
    seed,
    log,
  };

  const timings: DemoResult['timings'] = [];
  try {
    for (const part of parts) {
      log(`${part.name}…`);
      const start = performance.now();
      const section = await part.run(ctx);
      const seconds = (performance.now() - start) / 1000;
      gallery.add({ ...section, seconds });
      timings.push({ part: part.name, seconds });
      gallery.write(); // the page grows part by part: an interrupted run still leaves a gallery
      log(`${part.name}: ${seconds.toFixed(1)} s`);
    }
  } finally {
    for (const image of images) image.tensor.dispose();
    model.dispose();
  }
  return { path: gallery.write(), timings };
}

function selectParts(names?: string[]): DemoPart[] {
  if (!names) return DEMO_PARTS;
  return names.map((name) => {
    const part = DEMO_PARTS.find((p) => p.id === name);
    if (!part) throw new Error(`demo: no part '${name}'. Parts: ${DEMO_PARTS.map((p) => p.id).join(', ')}`);
    return part;
  });
}

async function loadModelFile(engine: Engine, path: string, labelsPath?: string): Promise<Model> {
  const { spec, weights } = readModelFile(path, labelsPath);
  return buildModel(engine, spec, weights);
}

function toDemoImage(model: Model, name: string, picture: RgbImage): DemoImage {
  const [c, h, w] = model.inputShape;
  const fitted = picture.width === w && picture.height === h ? picture : fitImage(picture, w, h);
  return { name, picture: fitted, tensor: model.engine.tensor(preprocessImage(fitted, model.spec.input), [1, c, h, w]) };
}

function conceptPictures(seed: number, count: number, size: number): { name: string; picture: RgbImage }[] {
  return Array.from({ length: count }, (_, i) => {
    const image = generateImage(seed, i, size);
    return { name: `concept ${seed}/${i}`, picture: { width: size, height: size, rgb: image.rgb } };
  });
}

async function readImageFolder(dir: string, count: number): Promise<{ name: string; picture: RgbImage }[]> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort();
  } catch (e) {
    throw new Error(`demo: cannot read the images folder '${dir}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
  if (!names.length) throw new Error(`demo: the images folder '${dir}' has no .png or .jpg pictures`);
  return Promise.all(names.slice(0, count).map(async (name) => ({ name, picture: await readImageFile(`${dir}/${name}`) })));
}
