// Network Dissection (Bau, Zhou, Khosla, Oliva, Torralba, CVPR 2017): label units with concepts.
//
//   T_k:        P(a_k > T_k) = q over every position of every image        (q = 0.005)
//   M_k(x)  =   S_k(x) >= T_k,  S_k = a_k upsampled bilinearly to the mask size
//   IoU_k,c =   sum_x |M_k(x) AND L_c(x)| / sum_x |M_k(x) OR L_c(x)|
//   unit k detects argmax_c IoU_k,c when that IoU > iouThreshold             (0.04)
//
// Two passes over the dataset, each one forward pass: quantile.ts (streaming per-unit histograms on
// the GPU) and tally.ts (intersections on the GPU); labels.ts turns counts into labels. Each pass
// can run over a range of images (a shard) and write its state (state.ts); states add exactly, so
// shards run anywhere and dissect-merge adds them. report.ts writes the HTML/CSV/JSON/PNG report.

import type { Dataset } from '../../data/broden.ts';
import type { Model } from '../../models/model.ts';
import { MAX_TALLY_LABELS } from '../../ops/dissect.ts';
import { checkIouThreshold, relabel, type DissectionResult } from './labels.ts';
import { quantilePass } from './quantile.ts';
import { QUANTILE_KIND, imagesCounted, type QuantileState, type TallyState } from './state.ts';
import { tallyPass } from './tally.ts';

export { relabel, unitScores, type DissectionResult, type DissectedUnit, type LayerSummary, type ConceptScore, type CategoryCount } from './labels.ts';
export { mergeQuantileStates, mergeTallyStates, type QuantileState, type TallyState, type ImageRange } from './state.ts';
export { unitThreshold, layerThresholds } from './quantile.ts';
export { conceptDataset, type ConceptDatasetOptions } from './concept-dataset.ts';

export interface DissectProgress {
  pass: 'quantile' | 'tally';
  /** Images done in this pass, of total. */
  done: number;
  total: number;
}

export interface DissectOptions {
  /** Layer (node) names with a spatial map. */
  layers: string[];
  /** The top quantile defining each unit's mask (default 0.005, the paper's). */
  quantile?: number;
  /** IoU above which a unit is a detector (default 0.04). */
  iouThreshold?: number;
  /** Images per forward pass (default 16). */
  batch?: number;
  /** Top images kept per unit for the report (default 6). */
  topImages?: number;
  onProgress?: (p: DissectProgress) => void;
}

export interface ShardOptions {
  layers: string[];
  batch?: number;
  /** [k, n]: the k-th of n equal ranges of the dataset's images, k = 1..n (default [1, 1], all). */
  shard?: [number, number];
  quantile?: number;
  topImages?: number;
  onProgress?: (p: DissectProgress) => void;
  /** Pass 2: every `every` batches, the state so far (serialisable) for `save` to keep. */
  checkpoint?: { every: number; save: (state: TallyState) => void | Promise<void> };
  /** Pass 2: a checkpoint of this shard to go on from. */
  resume?: TallyState;
}

export const DEFAULT_QUANTILE = 0.005;
export const DEFAULT_IOU_THRESHOLD = 0.04;

/** Images [start, end) of shard k of n (k = 1..n). */
export function shardRange([k, n]: [number, number], total: number): { start: number; end: number } {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1 && k <= n)) throw new Error(`dissect: shard must be k/n with 1 <= k <= n, got ${k}/${n}`);
  if (n > total) throw new Error(`dissect: ${n} shards for ${total} images: at most one shard per image`);
  return { start: Math.floor(((k - 1) * total) / n), end: Math.floor((k * total) / n) };
}

function checkQuantile(q: number): void {
  if (typeof q !== 'number' || !(q > 0 && q < 1)) throw new Error(`dissect: quantile must be a number in (0, 1), got ${q}`);
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`dissect: batch must be a positive integer, got ${batch}`);
}

/** Checks the layers and the dataset before any GPU work; returns the mask size. */
export function checkDissection(model: Model, dataset: Dataset, layers: string[]): [number, number] {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error(`dissect: layers must be a non-empty list of layer names (layers: ${model.layers.map((l) => l.name).join(', ')})`);
  if (new Set(layers).size !== layers.length) throw new Error(`dissect: layers lists a layer twice: ${layers.join(', ')}`);
  for (const layer of layers) {
    const shape = model.layerShape(layer); // throws naming the model's layers
    if (shape.length !== 4) throw new Error(`dissect: layer '${layer}' has no spatial map (output [${shape.join(', ')}]); dissection needs a layer with [N, C, H, W] output, e.g. a convolution`);
  }
  const images = dataset.images;
  if (images.length === 0) throw new Error(`dissect: the dataset ${dataset.dir} has no images`);
  if (dataset.categories.length > 32) throw new Error(`dissect: the dataset has ${dataset.categories.length} categories; at most 32 are supported`);
  const largest = Math.max(0, ...dataset.labels.keys());
  if (largest >= MAX_TALLY_LABELS) throw new Error(`dissect: the dataset's label numbers go up to ${largest}; at most ${MAX_TALLY_LABELS - 1} are supported`);
  const [, h, w] = model.inputShape;
  const { sh, sw } = images[0];
  images.forEach((im, i) => {
    if (im.sh !== sh || im.sw !== sw) throw new Error(`dissect: image ${i} (${im.image}) has masks of ${im.sw}x${im.sh} but image 0's are ${sw}x${sh}: the dataset's masks must share one size`);
    if (im.ih * w !== im.iw * h) throw new Error(`dissect: image ${i} (${im.image}) is ${im.iw}x${im.ih}, not the shape of the model's ${w}x${h} input: its masks would not line up with the maps`);
  });
  return [sh, sw];
}

/** Pass 1 over one shard: the units' histograms (write them to a file; dissect-merge adds them). */
export async function dissectQuantiles(model: Model, dataset: Dataset, options: ShardOptions): Promise<QuantileState> {
  checkDissection(model, dataset, options.layers);
  const batch = options.batch ?? 16;
  checkBatch(batch);
  const range = shardRange(options.shard ?? [1, 1], dataset.images.length);
  const onProgress = options.onProgress && ((done: number, total: number) => options.onProgress!({ pass: 'quantile', done, total }));
  return quantilePass(model, dataset, options.layers, { batch, ...range, onProgress });
}

/** Pass 2 over one shard, with thresholds from quantiles that cover the whole dataset. */
export async function dissectTally(model: Model, dataset: Dataset, quantiles: QuantileState, options: Omit<ShardOptions, 'layers'>): Promise<TallyState> {
  if (quantiles?.kind !== QUANTILE_KIND) throw new Error(`dissect: the quantiles are not a ${QUANTILE_KIND} state`);
  const layers = quantiles.layers.map((l) => l.layer);
  const maskSize = checkDissection(model, dataset, layers);
  if (quantiles.model !== model.spec.name) throw new Error(`dissect: the quantiles are of model '${quantiles.model}', not '${model.spec.name}'`);
  if (quantiles.datasetImages !== dataset.images.length || imagesCounted(quantiles.ranges) !== dataset.images.length) {
    throw new Error(`dissect: the quantiles cover ${imagesCounted(quantiles.ranges)} images of a ${quantiles.datasetImages}-image dataset, not all ${dataset.images.length}: merge every quantile shard first`);
  }
  const quantile = options.quantile ?? DEFAULT_QUANTILE;
  checkQuantile(quantile);
  const batch = options.batch ?? 16;
  checkBatch(batch);
  const range = shardRange(options.shard ?? [1, 1], dataset.images.length);
  const onProgress = options.onProgress && ((done: number, total: number) => options.onProgress!({ pass: 'tally', done, total }));
  return tallyPass(model, dataset, quantiles, { batch, ...range, onProgress, quantile, topImages: options.topImages ?? 6, maskSize, checkpoint: options.checkpoint }, options.resume);
}

/** Both passes over the whole dataset, and the labels. */
export async function dissect(model: Model, dataset: Dataset, options: DissectOptions): Promise<DissectionResult> {
  const { layers, quantile = DEFAULT_QUANTILE, iouThreshold = DEFAULT_IOU_THRESHOLD, batch = 16, topImages = 6, onProgress } = options ?? ({} as DissectOptions);
  checkDissection(model, dataset, layers);
  checkQuantile(quantile);
  checkIouThreshold(iouThreshold);
  checkBatch(batch);
  const quantiles = await dissectQuantiles(model, dataset, { layers, batch, onProgress });
  const tally = await dissectTally(model, dataset, quantiles, { quantile, batch, topImages, onProgress });
  return relabel(tally, iouThreshold);
}
