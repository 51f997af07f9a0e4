// am-layer: Activation Maximization of every unit of a layer (or a range of them), in batches (one
// unit per image of the batch), into one grid PNG; the final activations go to FILE.json.

import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { createEngine } from '../../engine/engine.ts';
import { writePng } from '../../data/image.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import { activationMaximization, channel, perImage, PRESET_NAMES } from '../../methods/activation-maximization/index.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { ProgressBar } from '../../train/progress.ts';
import { parseOptions, positiveInt, required, UsageError } from '../args.ts';
import { loadCliModel } from './deconvnet.ts';
import { amOptionSpec, sharedAmOptions } from './am.ts';

export const summary = 'Activation Maximization of every unit of a layer, as one grid';

export const usage = `
usage: am-layer [--model FILE.onnx|spec.json] --layer L [--units A-B] [--batch N] [--columns C]
                [--preset NAME] [--param pixels|fourier] [--steps N] [the other am options]
                --out FILE.png

Runs Activation Maximization for each unit of the layer (its channel's mean; a linear layer's
neuron), --batch units at a time as one batch, and tiles the images in unit order. Writes
FILE.png and FILE.json (the settings and each unit's final activation).

  --units    a range A-B of units (default: all)
  --batch    units optimised together (default 16)
  --columns  grid columns (default 8)
  --preset   ${PRESET_NAMES.join(', ')}
  --steps    steps per unit (default 200); see 'am --help' for the other options
`;

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('am-layer', usage, args, { ...amOptionSpec(), units: { type: 'string' }, batch: { type: 'string' }, columns: { type: 'string' } });
  if (!opts) return;
  const out = required('am-layer', 'out', opts.out);
  if (!/\.png$/i.test(out)) throw new UsageError(`am-layer: --out must name a .png file, got '${out}'`);
  const layer = required('am-layer', 'layer', opts.layer);
  const shared = sharedAmOptions('am-layer', opts);
  const batch = positiveInt('am-layer', 'batch', opts.batch, 16);
  const columns = positiveInt('am-layer', 'columns', opts.columns, 8);

  const engine = await createEngine();
  try {
    const model = await loadCliModel(engine, opts.model, opts.labels, opts.preprocessing);
    const count = model.layerShape(layer)[1];
    let [first, last] = [0, count - 1];
    if (opts.units !== undefined) {
      const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(opts.units);
      if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= count) throw new UsageError(`am-layer: --units must be A-B within 0-${count - 1}, got '${opts.units}'`);
      [first, last] = [Number(m[1]), Number(m[2])];
    }
    const units = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const bar = new ProgressBar(units.length * shared.steps);
    const tiles: RgbaImage[] = [];
    const activations: number[] = [];
    for (let start = 0; start < units.length; start += batch) {
      const group = units.slice(start, start + batch);
      const result = await activationMaximization(model, {
        ...shared,
        objective: perImage(group.map((u) => channel(layer, u))),
        restarts: group.length,
        keep: 'all',
        onStep: ({ step, values }) =>
          bar.update(start * shared.steps + (step + 1) * group.length, `units ${group[0]}-${group.at(-1)}: step ${step + 1}/${shared.steps}, mean objective ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(3)}`),
      });
      result.image.dispose();
      tiles.push(...result.rgba);
      activations.push(...result.activations);
    }
    bar.done();
    const scale = Math.max(1, Math.floor(96 / tiles[0].width));
    await writePng(out, imageGrid(tiles, Math.min(columns, tiles.length), 2, scale));
    const base = out.replace(/\.png$/i, '');
    writeFileAtomicSync(`${base}.json`, `${JSON.stringify({ model: model.spec.name, layer, units, ...shared, activations }, null, 2)}\n`);
    console.log(`${layer}: ${units.length} units, ${shared.steps} steps each; wrote ${out} and ${base}.json`);
    model.dispose();
  } finally {
    engine.destroy();
  }
}
