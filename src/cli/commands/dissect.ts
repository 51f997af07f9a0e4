// dissect: Network Dissection of a model's layers on a Broden-format dataset, with a report; or one
// pass of one shard of it, for running across machines (see the README's worked example).

import { DEFAULT_IOU_THRESHOLD, DEFAULT_QUANTILE, dissectQuantiles, dissectTally, relabel, type DissectProgress } from '../../methods/dissection/index.ts';
import { QUANTILE_KIND, imagesCounted, type QuantileState, type TallyState } from '../../methods/dissection/state.ts';
import { writeReport } from '../../methods/dissection/report.ts';
import { ProgressBar } from '../../train/progress.ts';
import { UsageError, parseOptions, positiveInt, required } from '../args.ts';
import { openDataset, openModel, readState, summaryLines, withEngine, writeJson } from './dissect-common.ts';

/** Pass 2 saves its counts every this many batches. */
const CHECKPOINT_EVERY = 8;

export const usage = `
usage: dissect --model M --dataset D --layers a,b --out DIR [--quantile 0.005] [--iou 0.04]
               [--batch 16] [--shard k/n] [--quantiles FILE] [--preprocessing P] [--top 6] [--resume]

  --model       'default', a spec .json (weights beside it) or an .onnx file
  --dataset     a Broden-format directory (make-dataset writes one), or concepts:COUNT[:SEED[:SIZE]]
                for generated images held in memory
  --layers      comma-separated layer names with a spatial map ('layers' lists them)
  --quantile    each unit's mask is its top quantile of activations (the paper's 0.005)
  --iou         a unit detects its best concept when IoU > this
  --out         the report folder: index.html, tally-<layer>.csv (NetDissect's columns),
                result.json, tally.json (the counts) and units/*.png
  --shard k/n   run one pass over the k-th of n ranges of images, and write its state:
                  without --quantiles: pass 1, DIR/quantiles-k-of-n.json
                  with --quantiles:    pass 2, DIR/tally-k-of-n.json
                then 'dissect-merge' adds the shards (quantiles first, then the tallies)
  --quantiles   a merged quantiles.json (from dissect-merge): skip pass 1
  --top         top images per unit kept for the report
  --resume      continue an interrupted run (Ctrl-C, a killed process, a lost device) with the same
                options: a run saves its progress in DIR/progress/ as it goes (pass 1's result,
                then pass 2's counts every ${CHECKPOINT_EVERY} batches) and removes it when it finishes
`;


function parseShard(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`dissect: --shard must be k/n with 1 <= k <= n, e.g. 2/8, got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

function parseNumber(name: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`dissect: --${name} must be a number, got '${text}'`);
  return v;
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('dissect', usage, args, {
    model: { type: 'string' },
    dataset: { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    quantile: { type: 'string' },
    iou: { type: 'string' },
    batch: { type: 'string' },
    shard: { type: 'string' },
    quantiles: { type: 'string' },
    preprocessing: { type: 'string' },
    top: { type: 'string' },
    resume: { type: 'boolean' },
  });
  if (!opts) return;
  const modelName = required('dissect', 'model', opts.model);
  const datasetName = required('dissect', 'dataset', opts.dataset);
  const out = required('dissect', 'out', opts.out);
  const quantile = parseNumber('quantile', opts.quantile, DEFAULT_QUANTILE);
  const iouThreshold = parseNumber('iou', opts.iou, DEFAULT_IOU_THRESHOLD);
  const batch = positiveInt('dissect', 'batch', opts.batch, 16);
  const topImages = positiveInt('dissect', 'top', opts.top, 6);
  if (!(quantile > 0 && quantile < 1)) throw new UsageError(`dissect: --quantile must be in (0, 1), got ${quantile}`);
  if (!(iouThreshold >= 0 && iouThreshold < 1)) throw new UsageError(`dissect: --iou must be in [0, 1), got ${iouThreshold}`);
  const shard = parseShard(opts.shard);
  const given = opts.quantiles ? readState(opts.quantiles) : undefined;
  if (given && given.kind !== QUANTILE_KIND) throw new UsageError(`dissect: --quantiles ${opts.quantiles} is a tally state, not quantiles; merge the quantile shards with dissect-merge`);
  const quantilesIn = given as QuantileState | undefined;
  const layers = quantilesIn ? quantilesIn.layers.map((l) => l.layer) : required('dissect', 'layers', opts.layers).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (quantilesIn && opts.layers && opts.layers.split(',').join() !== layers.join()) throw new UsageError(`dissect: --layers ${opts.layers} differs from the layers of --quantiles (${layers.join(',')})`);
  const dataset = openDataset(datasetName);
  const { join } = process.getBuiltinModule('node:path') as typeof import('node:path');

  await withEngine(async (engine) => {
    const model = await openModel(engine, modelName, opts.preprocessing);
    const bars = new Map<string, ProgressBar>();
    const started = new Map<string, number>();
    const onProgress = ({ pass, done, total }: DissectProgress) => {
      if (!bars.has(pass)) {
        bars.set(pass, new ProgressBar(total));
        started.set(pass, performance.now());
      }
      const rate = done > 0 ? `, ${(done / ((performance.now() - started.get(pass)!) / 1000)).toFixed(1)} images/s` : '';
      bars.get(pass)!.update(done, `${pass === 'quantile' ? 'pass 1/2 quantiles' : 'pass 2/2 tally'} ${done}/${total} images${rate}`);
      if (done === total) bars.get(pass)!.done();
    };
    const tag = shard ? `${shard[0]}-of-${shard[1]}` : '';
    if (shard && !quantilesIn) {
      const state = await dissectQuantiles(model, dataset, { layers, batch, shard, onProgress });
      const file = join(out, `quantiles-${tag}.json`);
      writeJson(file, state);
      console.log(`wrote ${file} (pass 1 of images [${state.ranges[0].start}, ${state.ranges[0].end})); merge every shard's with dissect-merge`);
      return;
    }
    // Progress kept on disk, so that --resume goes on from the last checkpoint.
    const progressDir = join(out, 'progress');
    const quantilesFile = join(progressDir, 'quantiles.json');
    const tallyFile = join(progressDir, `tally${tag ? `-${tag}` : ''}.json`);
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const saved = (file: string) => (opts.resume && fs.existsSync(file) ? readState(file) : undefined);
    let quantiles = quantilesIn ?? (saved(quantilesFile) as QuantileState | undefined);
    if (quantiles && !quantilesIn) console.log(`resuming: pass 1 read from ${quantilesFile}`);
    if (!quantiles) {
      quantiles = await dissectQuantiles(model, dataset, { layers, batch, onProgress });
      writeJson(quantilesFile, quantiles);
    }
    const resume = saved(tallyFile) as TallyState | undefined;
    if (resume) console.log(`resuming: pass 2 from ${imagesCounted(resume.ranges)} images done (${tallyFile})`);
    const checkpoint = { every: CHECKPOINT_EVERY, save: (state: TallyState) => writeJson(tallyFile, state) };
    const tally = await dissectTally(model, dataset, quantiles, { quantile, batch, shard, topImages, onProgress, checkpoint, resume });
    writeJson(tallyFile, tally);
    if (shard) {
      const file = join(out, `tally-${tag}.json`);
      writeJson(file, tally);
      fs.rmSync(progressDir, { recursive: true, force: true });
      console.log(`wrote ${file} (pass 2 of images [${tally.ranges[0].start}, ${tally.ranges[0].end})); merge every shard's with dissect-merge`);
      return;
    }
    const result = relabel(tally, iouThreshold);
    process.stderr.write('Writing the report…\n');
    await writeReport(out, result, { model, dataset });
    for (const line of summaryLines(result)) console.log(line);
    fs.rmSync(progressDir, { recursive: true, force: true });
    console.log(`report: ${join(out, 'index.html')}`);
  });
}
