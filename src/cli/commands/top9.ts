// top9: Zeiler & Fergus's Fig. 2 for a layer: per unit, the projections of its 9 strongest
// activations over a dataset beside the image patches under their receptive fields. Writes one
// PNG per unit and an index.html that shows them all.

import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { createEngine } from '../../engine/engine.ts';
import { writePng } from '../../data/image.ts';
import { folderImages } from '../../methods/common/image-folder.ts';
import { fieldGeometry } from '../../methods/common/receptive-field.ts';
import { top9, top9Grid } from '../../methods/deconvnet/top9.ts';
import type { TopActivationsState } from '../../methods/common/top-activations.ts';
import { RELU_MODES, type ReluMode } from '../../ops/elementwise.ts';
import { ProgressBar } from '../../train/progress.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { fitOption, loadCliModel } from './deconvnet.ts';

export const summary = "top-9 per unit over a dataset: projections beside receptive-field patches (Zeiler & Fergus Fig. 2)";

/** Mining saves its state every this many batches. */
const CHECKPOINT_EVERY = 8;

export const usage = `
usage: top9 [--model FILE.onnx|spec.json] --dataset DIR --layer L [--units 0-15] [--k 9]
            [--mode deconvnet|guided|gradient] [--contrast 1] [--batch 16] [--fit crop|stretch] --out DIR
            [--resume]

  --model    an ONNX model or our spec.json (+ .safetensors); default: the shipped conceptnet
  --dataset  a Broden-format folder (index.csv: the concept dataset of 'make-dataset', Broden),
             or any folder of PNG/JPEG pictures
  --layer    a layer name ('layers --model M' lists them)
  --units    which units, e.g. 0-15 or 3,7,10-12 (default 0-15)
  --k        activations per unit (default 9), each from a different image
  --mode     the projection's rule at ReLUs (default 'deconvnet')
  --contrast the quantile of |projection| shown at full scale (default 1: the largest value;
             0.99 lets the strongest 1% saturate, so that faint projections show)
  --batch    images per forward pass while mining (default 16)
  --out      the directory for unit-NNN.png and index.html
  --resume   continue an interrupted run with the same options: mining saves what it has found
             every ${CHECKPOINT_EVERY} batches in DIR/progress/ (removed when the run finishes)

Every image is read once to find the strongest activations (GPU top-k, memory flat in the
dataset's size); the images holding them are then projected, once per image for all its hits.
`;

/** "0-3,8,10-11" -> [0, 1, 2, 3, 8, 10, 11]. */
export function parseUnits(text: string): number[] {
  const units: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`top9: --units must look like 0-15 or 3,7,10-12, got '${text}'`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new UsageError(`top9: --units range '${part.trim()}' runs backwards`);
    for (let u = first; u <= last; u++) units.push(u);
  }
  return [...new Set(units)];
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('top9', usage, args, {
    model: { type: 'string' },
    labels: { type: 'string' },
    preprocessing: { type: 'string' },
    dataset: { type: 'string' },
    layer: { type: 'string' },
    units: { type: 'string' },
    k: { type: 'string' },
    mode: { type: 'string' },
    batch: { type: 'string' },
    contrast: { type: 'string' },
    fit: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
  });
  if (!opts) return;
  const quantile = opts.contrast === undefined ? 1 : Number(opts.contrast);
  if (!(quantile > 0 && quantile <= 1)) throw new UsageError(`top9: --contrast must be a number in (0, 1], got '${opts.contrast}'`);
  const datasetDir = required('top9', 'dataset', opts.dataset);
  const layer = required('top9', 'layer', opts.layer);
  const outDir = required('top9', 'out', opts.out);
  const k = positiveInt('top9', 'k', opts.k, 9);
  const batch = positiveInt('top9', 'batch', opts.batch, 16);
  const mode = (opts.mode ?? 'deconvnet') as ReluMode;
  if (!RELU_MODES.includes(mode)) throw new UsageError(`top9: --mode must be one of ${RELU_MODES.join(', ')}, got '${mode}'`);
  const fit = fitOption('top9', opts.fit);
  const set = folderImages(datasetDir); // errors for a missing or empty folder before any GPU work

  const engine = await createEngine();
  try {
    const model = await loadCliModel(engine, opts.model, opts.labels, opts.preprocessing);
    const count = model.layerShape(layer)[1];
    const units = parseUnits(opts.units ?? `0-${Math.min(15, count - 1)}`);
    const bars = { mining: new ProgressBar(set.length), projecting: null as ProgressBar | null };
    const start = performance.now();
    let stageStart = start;
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const path = process.getBuiltinModule('node:path') as typeof import('node:path');
    const progressFile = path.join(outDir, 'progress', 'top-activations.json');
    const resume = opts.resume && fs.existsSync(progressFile) ? (JSON.parse(fs.readFileSync(progressFile, 'utf8')) as TopActivationsState) : undefined;
    if (resume) console.log(`resuming: mining from ${resume.done} of ${resume.images} images done (${progressFile})`);
    const checkpoint = {
      every: CHECKPOINT_EVERY,
      save: (state: TopActivationsState) => {
        fs.mkdirSync(path.dirname(progressFile), { recursive: true });
        writeFileAtomicSync(progressFile, JSON.stringify(state));
      },
    };
    const result = await top9(model, set, {
      checkpoint,
      resume,
      layer,
      units,
      k,
      mode,
      batch,
      quantile,
      fit: { fit },
      onProgress: (stage, done, total) => {
        if (stage === 'mining' && done === total) stageStart = performance.now(); // projecting starts
        if (stage === 'projecting' && !bars.projecting) {
          bars.mining.done();
          bars.projecting = new ProgressBar(total);
        }
        const rate = done / ((performance.now() - stageStart) / 1000);
        const what = stage === 'mining' ? `${done}/${total} images, ${rate.toFixed(1)} images/s` : `${done}/${total} projections, ${rate.toFixed(1)}/s`;
        (bars[stage] ?? bars.mining).update(done, what);
      },
    });
    (bars.projecting ?? bars.mining).done();

    fs.mkdirSync(outDir, { recursive: true });
    const geometry = fieldGeometry(model, layer);
    const scale = Math.max(1, Math.min(4, Math.floor(128 / Math.max(...geometry.size))));
    const rows: string[] = [];
    for (const unit of result.units) {
      if (!unit.hits.length) continue;
      const file = `unit-${String(unit.unit).padStart(3, '0')}.png`;
      await writePng(path.join(outDir, file), top9Grid(unit, scale));
      const values = unit.hits.map((h) => h.value.toPrecision(3)).join(', ');
      const images = unit.hits.map((h) => escape(h.name)).join(', ');
      rows.push(`<figure><img src="${file}" alt="unit ${unit.unit}"><figcaption>unit ${unit.unit}: ${values}<br><small>${images}</small></figcaption></figure>`);
    }
    const title = `${escape(model.spec.name)} ${escape(layer)}: top ${k} per unit`;
    const html = `<!doctype html>
<meta charset="utf-8">
<title>${title}</title>
<style>body{font-family:sans-serif;margin:1em}figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:12px;max-width:40em}img{image-rendering:pixelated}</style>
<h1>${title}</h1>
<p>Each figure: left, the ${mode} projections of the unit's ${k} strongest activations over ${set.length} images of ${escape(datasetDir)} (each scaled to its own largest value, grey is zero); right, the image patches under their receptive fields (${geometry.size.join('x')} pixels, grey where they leave the image). Strongest first, row by row. Captions: the activations, then the images.</p>
${rows.join('\n')}
`;
    writeFileAtomicSync(path.join(outDir, 'index.html'), html);
    fs.rmSync(path.dirname(progressFile), { recursive: true, force: true });
    console.log(`${result.units.length} units of ${model.spec.name} ${layer} over ${set.length} images in ${((performance.now() - start) / 1000).toFixed(1)} s -> ${path.join(outDir, 'index.html')}`);
  } finally {
    engine.destroy();
  }
}
