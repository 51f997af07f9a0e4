// make-dataset: writes a split of the procedural concept dataset (shapes of named colours on textured
// backgrounds) in the Broden format, for training our model and for Network Dissection. CPU only.

import { generateDataset, type GenerateOptions } from '../../data/concepts/index.ts';
import { UsageError, parseOptions, positiveInt, required } from '../args.ts';

export const summary = 'write a split of the procedural concept dataset in the Broden format';

export const usage = `
usage: make-dataset --out DIR [--count 1000] [--seed 1] [--size 64] [--split train]

  --out     the directory to write (new, empty, or holding an earlier dataset, which is replaced)
  --count   the number of images
  --seed    images are a pure function of (seed, index, size): another seed, another split
  --size    width and height in pixels
  --split   the split name written for every image in index.csv

Writes DIR/images/ (pictures and masks), index.csv, category.csv, label.csv, c_<category>.csv
(the Broden format NetDissect reads) and classes.csv (each image's class: its largest shape).
`;

export function parseMakeDatasetArgs(args: string[]): ({ out: string } & GenerateOptions) | undefined {
  const opts = parseOptions('make-dataset', usage, args, {
    out: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    size: { type: 'string' },
    split: { type: 'string' },
  });
  if (!opts) return undefined;
  const seed = opts.seed ?? '1';
  if (!/^\d+$/.test(seed) || Number(seed) > 0xffffffff) throw new UsageError(`make-dataset: --seed must be an integer in [0, 2^32), got '${seed}'`);
  return {
    out: required('make-dataset', 'out', opts.out),
    count: positiveInt('make-dataset', 'count', opts.count, 1000),
    seed: Number(seed),
    size: positiveInt('make-dataset', 'size', opts.size, 64),
    split: opts.split ?? 'train',
  };
}

export async function run(args: string[]): Promise<void> {
  const parsed = parseMakeDatasetArgs(args);
  if (!parsed) return;
  const { out, ...options } = parsed;
  const start = performance.now();
  const result = await generateDataset(out, {
    ...options,
    onProgress: (done, total) => {
      const rate = done / Math.max((performance.now() - start) / 1000, 1e-3);
      process.stderr.write(`\rmake-dataset: ${done}/${total} images, ${rate.toFixed(0)}/s, ${((total - done) / rate).toFixed(0)} s left   `);
    },
  });
  process.stderr.write(`\nmake-dataset: wrote ${result.count} images to ${result.dir} in ${result.seconds.toFixed(1)} s\n`);
}
