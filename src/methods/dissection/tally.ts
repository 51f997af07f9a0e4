// Pass 2: each unit's map upsampled to the mask size with bilinear interpolation (as NetDissect
// does; inside the tally kernel, with resizeBilinear's arithmetic, and only in the source cells
// whose corners can reach the threshold), thresholded at T_k, and per unit and concept the
// intersection |M_k AND L_c| counted on the GPU (integer atomics, src/ops/dissect.ts). Unions are
// not counted: per image |M OR L| = |M| + |L| - |M AND L|, so the unit's mask area (over the images
// labelled in the concept's category, as NetDissect counts it) and the concept's label area
// suffice. Whole-image labels (scene, texture) count as masks covering the image. A unit's top
// images are those with the highest maximum of its map at the layer's own resolution.

import type { Dataset } from '../../data/broden.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { createTallyCounters, recordTally, type TallyCounters } from '../../ops/dissect.ts';
import { datasetImages, imageBatches, type ImageSet } from '../common/image-set.ts';
import { layerThresholds, unsigned, type PassOptions } from './quantile.ts';
import { TALLY_KIND, bestImages, type Concept, type QuantileState, type TallyLayer, type TallyState, type TopImage } from './state.ts';

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

/**
 * The batch's label maps in every category (perImage[n][k]: image n's maps in category k), packed
 * as [images, entries, sh * sw]; adds their areas to labelArea.
 */
function packLabels(dataset: Dataset, images: number[], perImage: Int32Array[][][], categories: string[], pixels: number, labelArea: number[]): BatchLabels {
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
  /** Every `every` batches, the state so far (counts and images done) for `save` to keep; a run resumes from it. */
  checkpoint?: { every: number; save: (state: TallyState) => void | Promise<void> };
  /** Top images kept per unit (for the report). */
  topImages: number;
  maskSize: [number, number];
}

/** A checkpoint must be of the same range, thresholds and quantile as the run it continues. */
function checkResume(from: TallyState, options: TallyOptions, thresholds: number[][]): void {
  const r = from.ranges[0];
  if (from.ranges.length !== 1 || r.start !== options.start || r.end !== options.end) {
    throw new Error(`dissect: the checkpoint covers images [${r.start}, ${r.end}), not this run's [${options.start}, ${options.end})`);
  }
  if (from.quantile !== options.quantile || from.layers.some((l, i) => l.thresholds.some((t, u) => t !== thresholds[i]?.[u]))) {
    throw new Error('dissect: the checkpoint was tallied with other thresholds (another quantile or quantiles file)');
  }
}

/**
 * Pass 2 over images [start, end), with the thresholds of a quantile state covering the whole
 * dataset. With `from` (a checkpoint of this range: its counts and the images done), it goes on
 * where that stopped.
 */
export async function tallyPass(model: Model, dataset: Dataset, quantiles: QuantileState, options: TallyOptions, from?: TallyState): Promise<TallyState> {
  const { engine } = model;
  const layers = quantiles.layers.map((l) => l.layer);
  const last = layers.reduce((a, l) => (model.nodeIndexOf(l) > model.nodeIndexOf(a) ? l : a));
  const thresholds = layerThresholds(quantiles, options.quantile);
  const { concepts, categories } = datasetConcepts(dataset);
  const [sh, sw] = options.maskSize;
  if (from) checkResume(from, options, thresholds.map((t) => t.units.map((u) => u.threshold)));
  const labelArea = from ? [...from.labelArea] : new Array<number>(concepts.length).fill(0);
  const top = layers.map((_, i) => (from ? from.layers[i].top.map((l) => [...l]) : Array.from({ length: quantiles.layers[i].units }, () => [] as TopImage[])));
  const skip = from?.ranges[0].done ?? 0;

  // A dead unit masks nothing.
  const gpuThresholds = thresholds.map((t) => engine.tensor(new Float32Array(t.units.map((u) => (u.dead ? Infinity : u.threshold))), [t.units.length]));
  const counters: TallyCounters[] = [];

  /** The state after `done` images of the range: what a checkpoint saves and the pass returns. */
  const snapshot = async (done: number): Promise<TallyState> => {
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
        inter: unsigned(inter), // u32 counters in i32 buffers
        area: unsigned(area),
        top: top[i].map((l) => [...l]),
      });
    }
    return {
      kind: TALLY_KIND,
      version: 1,
      model: model.spec.name,
      quantile: options.quantile,
      datasetImages: dataset.images.length,
      ranges: [{ start: options.start, end: options.end, done }],
      categories,
      concepts,
      labelArea: [...labelArea],
      maskSize: [sh, sw],
      layers: tallyLayers,
    };
  };

  try {
    for (const [i, l] of quantiles.layers.entries()) {
      const c = createTallyCounters(engine, l.units, concepts.length, categories.length);
      counters.push(c);
      if (from) {
        engine.upload(c.inter, Int32Array.from(from.layers[i].inter, (v) => v | 0));
        engine.upload(c.area, Int32Array.from(from.layers[i].area, (v) => v | 0));
      }
    }
    let done = skip;
    let batches = 0;
    const total = options.end - options.start;
    options.onProgress?.(done, total);
    // Each image's label maps are read right after its picture: a dataset may keep only the image it
    // drew last (the concept set draws each image once for both then, not twice).
    const masks = new Map<number, Int32Array[][]>();
    const set: ImageSet = {
      ...datasetImages(dataset),
      load(i) {
        const picture = dataset.loadImage(i);
        masks.set(i, categories.map((c) => dataset.loadLabelMasks(i, c)));
        return picture;
      },
    };
    // The GPU runs batch b while the next one is drawn and preprocessed (on a CPU driver that work
    // would otherwise wait); b's peaks are read back and its progress and checkpoint taken before
    // the next batch is counted, so a checkpoint's counts, label areas and top images agree.
    let pending: { images: number[]; peaks: Tensor[]; values: Promise<(Float32Array | Int32Array)[]> } | null = null;
    const settle = async (): Promise<void> => {
      if (!pending) return;
      const { images, peaks, values } = pending;
      pending = null;
      try {
        (await values).forEach((v, i) => {
          const units = top[i].length;
          for (let u = 0; u < units; u++) {
            const list = top[i][u];
            for (let n = 0; n < images.length; n++) list.push({ image: images[n], value: v[n * units + u] });
            top[i][u] = bestImages(list, options.topImages);
          }
        });
      } finally {
        for (const t of peaks) t.dispose();
      }
      done += images.length;
      options.onProgress?.(done, total);
      if (options.checkpoint && ++batches % options.checkpoint.every === 0 && done < total) await options.checkpoint.save(await snapshot(done));
    };
    try {
      for await (const { start, tensor } of imageBatches(model, set, { ...options, start: options.start + skip })) {
        await settle(); // before packLabels adds this batch's label areas: a checkpoint's must match its counts
        const count = tensor.shape[0];
        const images = Array.from({ length: count }, (_, k) => start + k);
        const packed = packLabels(dataset, images, images.map((i) => masks.get(i)!), categories, sh * sw, labelArea);
        masks.clear();
        const labels = engine.tensor(packed.labels, [count, packed.entries, sh, sw], 'i32');
        const present = engine.tensor(packed.present, [count], 'i32');
        const peaks: Tensor[] = [];
        try {
          const outputs = await model.forward(tensor, { until: last });
          layers.forEach((layer, i) => {
            peaks.push(recordTally(engine, outputs.get(layer)!, gpuThresholds[i], labels, present, counters[i]));
          });
          for (const t of outputs.values()) t.dispose();
        } catch (e) {
          for (const t of peaks) t.dispose();
          throw e;
        } finally {
          for (const t of [labels, present, tensor]) t.dispose();
        }
        const values = Promise.all(peaks.map((p) => p.read()));
        values.catch(() => {}); // awaited by settle: not an unhandled rejection meanwhile
        pending = { images, peaks, values };
      }
      await settle();
    } finally {
      if (pending) for (const t of pending.peaks) t.dispose();
    }
    return await snapshot(total);
  } finally {
    for (const t of gpuThresholds) t.dispose();
    for (const c of counters) {
      c.inter.dispose();
      c.area.dispose();
    }
  }
}
