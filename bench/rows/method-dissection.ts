// Network Dissection's cost (GitHub issue 15), a pair of rows per model, ours only (TF.js has no
// dissection): the forward passes a dissection needs (two over the images: pass 1's quantiles and
// pass 2's tally, with their image loading and preprocessing) vs the whole dissection (both passes,
// the GPU quantile histograms and IoU tally, the labels). Goal: the dissection at most 1.5x the
// forward passes. images/s = images / the dissection row's time.
//
// Measured 2026-12-03 (`npm run bench -- --filter "dissection default" --no-peer --reps 5 --timing
// wall`, SwiftShader on the 2 shared cores under a load average of 4-9 from other work: absolute
// times are up to twice an idle machine's, and the ratio of two rows timed one after the other
// swings by +-0.25 from run to run; compare several runs):
//   default model, 64 images 64x64: before (a tally thread per output pixel, two histogram
//     dispatches with workgroup bins) 1332 ms baseline vs 4005 ms dissect = 3.0x (idle: 690 vs
//     3723 ms = 5.4x). After: 1054 vs 971, 1003 vs 1286, 1050 vs 1094 ms = 0.92x, 1.28x, 1.04x
//     (a paired in-process comparison, 6 alternating runs: median 1.15x); about 55 images/s.
//   SqueezeNet 1.1, 8 images 112x112 (`--filter "dissection squeeze"`, about a minute): before
//     1.18x (idle). After: 6555 vs 6535 ms = 1.00x; 3439 vs 5289 ms = 1.54x (dissect range
//     3988-6591: a noisy run); paired in-process, 3 runs: 1.14x; about 1.2 images/s.
// The default model's remaining cost per batch of 16 (CPU ms, 4 layers, under load): the forward
// pass ~150, histograms ~28, tally ~40 (hot-cell listing, the tally of hot cells, the maps' maxima),
// partly hidden: the GPU runs one batch while the next is drawn.
// The run of record, a quiet machine (load < 2), 2026-12-03 13:55, medians of 5: default model
// 704 vs 766 ms = 1.09x (84 images/s); SqueezeNet 1.1 3271 vs 3893 ms = 1.19x (2.1 images/s).

import type { Prepared, Row } from '../harness.ts';
import type { Model } from '../../src/models/model.ts';
import { conceptDataset, dissect } from '../../src/methods/dissection/index.ts';
import { datasetImages, imageBatches } from '../../src/methods/common/image-set.ts';
import type { Dataset } from '../../src/data/broden.ts';
import { defaultModel, squeezeNet, type ModelSource } from './networks.ts';

interface Case {
  source: ModelSource;
  layers: string[];
  images: number;
  /** Side of the generated images, and so of their masks (Broden's are 112). */
  size: number;
  batch: number;
}

const CASES: Case[] = [
  { source: defaultModel, layers: ['relu1', 'relu2', 'relu3', 'relu4'], images: 64, size: 64, batch: 16 },
  { source: squeezeNet, layers: ['conv0_relu', 'fire8'], images: 8, size: 112, batch: 8 },
];

async function forwardPasses(model: Model, dataset: Dataset, layers: string[], batch: number): Promise<void> {
  const last = layers.reduce((a, l) => (model.nodeIndexOf(l) > model.nodeIndexOf(a) ? l : a));
  for (let pass = 0; pass < 2; pass++) {
    for await (const { tensor } of imageBatches(model, datasetImages(dataset), { batch })) {
      const outs = await model.forward(tensor, { until: last });
      for (const t of outs.values()) t.dispose();
      tensor.dispose();
      await model.engine.sync();
    }
  }
}

export function dissectionRows({ quick = false }: { quick?: boolean } = {}): Row[] {
  return CASES.flatMap((c) => {
    const images = quick ? Math.min(c.images, c.batch) : c.images;
    const shape = `${images} images ${c.size}x${c.size}, batch ${c.batch}, ${c.layers.join(', ')}`;
    const row = (name: string, work: (m: Model, d: Dataset) => () => unknown): Row => ({
      group: `Dissection ${c.source.group}`,
      name,
      shape,
      kind: 'compute',
      async prepare(ctx): Promise<Prepared> {
        const { model, note } = await c.source.load(ctx);
        const dataset = conceptDataset({ count: images, seed: 9, size: c.size });
        return { ours: work(model, dataset), note, dispose: () => model.dispose() };
      },
    });
    return [
      row('2 forward passes over the images (baseline)', (m, d) => () => forwardPasses(m, d, c.layers, c.batch)),
      row('dissect (quantiles + tally + labels)', (m, d) => () => dissect(m, d, { layers: c.layers, quantile: 0.005, batch: c.batch })),
    ];
  });
}
