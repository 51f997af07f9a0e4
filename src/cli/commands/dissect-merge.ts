// dissect-merge: adds the state files of dissect's shards. Quantile shards (pass 1) merge into
// DIR/quantiles.json, which every pass-2 shard then reads; tally shards (pass 2) merge into the
// result and its report.

import { mergeQuantileStates, mergeTallyStates, relabel } from '../../methods/dissection/index.ts';
import { QUANTILE_KIND, imagesCounted, type QuantileState, type TallyState } from '../../methods/dissection/state.ts';
import { writeReport } from '../../methods/dissection/report.ts';
import { UsageError, parseOptions, positiveInt, required } from '../args.ts';
import { openDataset, openModel, readState, summaryLines, withEngine, writeJson } from './dissect-common.ts';

export const usage = `
usage: dissect-merge SHARD.json... --out DIR [--iou 0.04] [--top 6] [--model M --dataset D]

  SHARD.json   state files written by 'dissect --shard k/n': all quantiles-*.json, or all tally-*.json
  --out        quantile shards: writes DIR/quantiles.json (give it to every pass-2 shard as --quantiles)
               tally shards: writes the report to DIR (index.html, CSVs, JSON)
  --iou        tally shards: a unit detects its best concept when IoU > this
  --model, --dataset   tally shards: the model and dataset that were dissected, to draw each unit's
               top images with its mask in the report (without them the report has no pictures)
`;

const VALUE_OPTIONS = new Set(['--out', '--iou', '--top', '--model', '--dataset', '--preprocessing']);

export async function run(args: string[]): Promise<void> {
  // Shard files are positional (a shell glob); the options go to parseOptions.
  const files: string[] = [];
  const optionArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].split('=')[0];
    if (args[i].startsWith('-')) {
      optionArgs.push(args[i]);
      if (VALUE_OPTIONS.has(name) && !args[i].includes('=') && i + 1 < args.length) optionArgs.push(args[++i]);
    } else files.push(args[i]);
  }
  const opts = parseOptions('dissect-merge', usage, optionArgs, {
    out: { type: 'string' },
    iou: { type: 'string' },
    top: { type: 'string' },
    model: { type: 'string' },
    dataset: { type: 'string' },
    preprocessing: { type: 'string' },
  });
  if (!opts) return;
  const out = required('dissect-merge', 'out', opts.out);
  if (files.length === 0) throw new UsageError("dissect-merge: give the shard files to merge, e.g. 'dissect-merge out/tally-*.json --out report'");
  const iou = opts.iou === undefined ? 0.04 : Number(opts.iou);
  if (!(iou >= 0 && iou < 1)) throw new UsageError(`dissect-merge: --iou must be a number in [0, 1), got '${opts.iou}'`);
  const topImages = positiveInt('dissect-merge', 'top', opts.top, 6);
  const states = files.map(readState);
  const { join } = process.getBuiltinModule('node:path') as typeof import('node:path');
  if (states.every((s) => s.kind === QUANTILE_KIND)) {
    const merged = mergeQuantileStates(states as QuantileState[]);
    const file = join(out, 'quantiles.json');
    writeJson(file, merged);
    const counted = imagesCounted(merged.ranges);
    console.log(`wrote ${file}: ${files.length} quantile shards, ${counted} of ${merged.datasetImages} images${counted < merged.datasetImages ? ' (NOT all: a shard is missing)' : ''}`);
    return;
  }
  if (states.some((s) => s.kind === QUANTILE_KIND)) throw new UsageError('dissect-merge: quantile and tally shards cannot be merged together; merge each kind on its own');
  const merged = mergeTallyStates(states as TallyState[], topImages);
  const counted = imagesCounted(merged.ranges);
  if (counted < merged.datasetImages) process.stderr.write(`warning: the tally shards cover ${counted} of ${merged.datasetImages} images (a shard is missing?)\n`);
  const result = relabel(merged, iou);
  if (opts.model && opts.dataset) {
    const dataset = openDataset(opts.dataset);
    await withEngine(async (engine) => writeReport(out, result, { model: await openModel(engine, opts.model!, opts.preprocessing), dataset }));
  } else {
    await writeReport(out, result);
  }
  for (const line of summaryLines(result)) console.log(line);
  console.log(`report: ${join(out, 'index.html')}`);
}
