// Network Dissection's cost (GitHub issue 15), a pair of rows per model, ours only (TF.js has no
// dissection): the forward passes a dissection needs (two over the images: pass 1's quantiles and
// pass 2's tally, with their image loading and preprocessing) vs the whole dissection (both passes,
// the GPU quantile histograms and IoU tally, the labels). Goal: the dissection at most 1.5x the
// forward passes. images/s = images / the dissection row's time.

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
