// Pass 2: each unit's map upsampled to the mask size with bilinear interpolation (as NetDissect
// does; inside the tally kernel, with resizeBilinear's arithmetic), thresholded at T_k, and per unit and concept the intersection |M_k AND L_c|
// counted on the GPU (integer atomics, src/ops/dissect.ts). Unions are not counted: per image
// |M OR L| = |M| + |L| - |M AND L|, so the unit's mask area (over the images labelled in the
// concept's category, as NetDissect counts it) and the concept's label area suffice. Whole-image
// labels (scene, texture) count as masks covering the image.

import type { Dataset } from '../../data/broden.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { createTallyCounters, recordTally, type TallyCounters } from '../../ops/dissect.ts';
import { datasetImages, imageBatches } from '../common/image-set.ts';
import { layerThresholds, type PassOptions } from './quantile.ts';
import { TALLY_KIND, bestImages, type Concept, type QuantileState, type TallyLayer, type TallyState } from './state.ts';

/** The dataset's concepts by label number, and each one's category index. */
export function datasetConcepts(dataset: Dataset): { concepts: (Concept | null)[]; categories: string[] } {
  const categories = dataset.categories.map((c) => c.name);
  const size = Math.max(0, ...dataset.labels.keys()) + 1;
  const concepts: (Concept | null)[] = Array.from({ length: size }, () => null);
  for (const [number, l] of dataset.labels) if (number > 0) concepts[number] = { number, name: l.name, category: l.category };
  return { concepts, categories };
}

interface BatchLabels {
  labels: Int32Array;
  entries: number;
  present: Int32Array;
}

/** Image i's label maps in every category, packed as [entries, sh * sw]; adds their areas to labelArea. */
function packLabels(dataset: Dataset, images: number[], categories: string[], pixels: number, labelArea: number[]): BatchLabels {
  const perImage = images.map((i) => categories.map((c) => dataset.loadLabelMasks(i, c)));
  const entries = Math.max(1, ...perImage.map((maps) => maps.reduce((s, m) => s + m.length, 0)));
  const labels = new Int32Array(images.length * entries * pixels);
  const present = new Int32Array(images.length);
  perImage.forEach((maps, n) => {
    let e = 0;
    maps.forEach((list, k) => {
      if (list.length > 0) present[n] |= 1 << k;
      for (const map of list) {
        if (map.length !== pixels) throw new Error(`dissect: image ${images[n]} (${dataset.images[images[n]].image}) has a ${categories[k]} mask of ${map.length} pixels, the dataset's masks have ${pixels}`);
        for (let x = 0; x < pixels; x++) {
          const l = map[x];
          if (l === 0) continue;
          if (!(l > 0 && l < labelArea.length)) throw new Error(`dissect: image ${images[n]} (${dataset.images[images[n]].image}) has label ${l} in its ${categories[k]} mask, which label.csv does not list`);
          labelArea[l]++;
        }
        labels.set(map, (n * entries + e++) * pixels);
      }
    });
  });
  return { labels, entries, present };
}

export interface TallyOptions extends PassOptions {
  quantile: number;
  /** Top images kept per unit (for the report). */
  topImages: number;
  maskSize: [number, number];
}

/** Pass 2 over images [start, end), with the thresholds of a quantile state covering the whole dataset. */
export async function tallyPass(model: Model, dataset: Dataset, quantiles: QuantileState, options: TallyOptions): Promise<TallyState> {
  const { engine } = model;
  const layers = quantiles.layers.map((l) => l.layer);
  const last = layers.reduce((a, l) => (model.nodeIndexOf(l) > model.nodeIndexOf(a) ? l : a));
  const thresholds = layerThresholds(quantiles, options.quantile);
  const { concepts, categories } = datasetConcepts(dataset);
  const [sh, sw] = options.maskSize;
  const labelArea = new Array<number>(concepts.length).fill(0);
  const top = layers.map((_, i) => Array.from({ length: quantiles.layers[i].units }, () => [] as { image: number; value: number }[]));
  const { batch } = options;

  // A dead unit masks nothing.
  const gpuThresholds = thresholds.map((t) => engine.tensor(new Float32Array(t.units.map((u) => (u.dead ? Infinity : u.threshold))), [t.units.length]));
  const counters: TallyCounters[] = [];
  try {
    for (const l of quantiles.layers) counters.push(createTallyCounters(engine, l.units, concepts.length, categories.length));
    let done = 0;
    const total = options.end - options.start;
    options.onProgress?.(0, total);
    for await (const { start, tensor } of imageBatches(model, datasetImages(dataset), options)) {
      const count = tensor.shape[0];
      const images = Array.from({ length: count }, (_, k) => start + k);
      const packed = packLabels(dataset, images, categories, sh * sw, labelArea);
      const labels = engine.tensor(packed.labels, [count, packed.entries, sh, sw], 'i32');
      const present = engine.tensor(packed.present, [count], 'i32');
      const outputs = await model.forward(tensor, { until: last });
      const peaks: Tensor[] = [];
      try {
        layers.forEach((layer, i) => {
          peaks.push(recordTally(engine, outputs.get(layer)!, gpuThresholds[i], labels, present, counters[i]));
        });
        for (const t of outputs.values()) t.dispose();
        const values = await Promise.all(peaks.map((p) => p.read()));
        values.forEach((v, i) => {
          const units = top[i].length;
          for (let u = 0; u < units; u++) {
            const list = top[i][u];
            for (let n = 0; n < count; n++) list.push({ image: images[n], value: v[n * units + u] });
            top[i][u] = bestImages(list, options.topImages);
          }
        });
      } finally {
        for (const t of [...peaks, labels, present, tensor]) t.dispose();
      }
      done += count;
      options.onProgress?.(done, total);
    }
    const tallyLayers: TallyLayer[] = [];
    for (const [i, layer] of layers.entries()) {
      const inter = (await counters[i].inter.read()) as Int32Array;
      const area = (await counters[i].area.read()) as Int32Array;
      tallyLayers.push({
        layer,
        units: quantiles.layers[i].units,
        thresholds: thresholds[i].units.map((u) => u.threshold),
        tolerance: thresholds[i].units.map((u) => u.tolerance),
        dead: thresholds[i].units.map((u) => u.dead),
        inter: Array.from(inter, (v) => v >>> 0),
        area: Array.from(area, (v) => v >>> 0),
        top: top[i],
      });
    }
    return {
      kind: TALLY_KIND,
      version: 1,
      model: model.spec.name,
      quantile: options.quantile,
      datasetImages: dataset.images.length,
      ranges: [{ start: options.start, end: options.end, done: total }],
      categories,
      concepts,
      labelArea,
      maskSize: [sh, sw],
      layers: tallyLayers,
    };
  } finally {
    for (const t of gpuThresholds) t.dispose();
    for (const c of counters) {
      c.inter.dispose();
      c.area.dispose();
    }
  }
}
