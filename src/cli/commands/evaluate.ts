// evaluate: accuracy of the default model (or a spec.json given with --model) on a held-out split
// of the concept dataset generated with another seed, and the dead units of each conv layer.

import { createEngine } from '../../engine/engine.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { buildModel } from '../../models/model.ts';
import { conceptImages } from '../../train/concept-data.ts';
import { ProgressBar } from '../../train/progress.ts';
import { evaluate } from '../../train/trainer.ts';
import { parseOptions, positiveInt } from '../args.ts';
import { readModelFile } from '../model-file.ts';

export const usage = `
usage: evaluate [--count 2000] [--seed 2] [--model weights/conceptnet.json]

  --count   held-out images to generate
  --seed    their seed (training used seed 1)
  --model   a model in our format (default: the shipped default model)

Prints the accuracy and, per ReLU layer, the units that never activated on these images.
`;

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('evaluate', usage, args, { count: { type: 'string' }, seed: { type: 'string' }, model: { type: 'string' } });
  if (!opts) return;
  const count = positiveInt('evaluate', 'count', opts.count, 2000);
  const seed = positiveInt('evaluate', 'seed', opts.seed, 2);
  const engine = await createEngine();
  try {
    const model = opts.model ? await buildModel(engine, ...specAndWeights(opts.model)) : await loadDefaultModel(engine);
    const size = model.inputShape[1];
    process.stderr.write(`Generating ${count} held-out images (seed ${seed})…\n`);
    const data = conceptImages(seed, count, size);
    const bar = new ProgressBar(count);
    const result = await evaluate(model, data, 64, (done) => bar.update(done, `${done}/${count} images`));
    bar.done();
    console.log(`accuracy: ${(result.accuracy * 100).toFixed(2)}% on ${count} held-out images (seed ${seed})`);
    for (const d of result.deadUnits) console.log(`  ${d.layer.padEnd(8)} dead units: ${d.dead}/${d.units} (${((d.dead / d.units) * 100).toFixed(1)}%)`);
  } finally {
    engine.destroy();
  }
}

function specAndWeights(file: string) {
  const { spec, weights } = readModelFile(file);
  return [spec, weights] as const;
}
