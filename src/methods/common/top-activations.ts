// The k strongest activations of every unit of a layer over an image set (Zeiler & Fergus's
// top-9; Network Dissection's top images per unit). The set streams through the model in
// batches; per batch the GPU reduces each unit's map to its best candidates (top-k per
// (image, unit) plane, or the plane's maximum when each image may count once), and only those
// come back to be merged into k-long lists per unit. Memory is one batch's forward pass plus
// units x k hits, whatever the set's length.
//
// The global top k of a unit is among the per-image top k's, so the per-plane reduction loses
// nothing. Order: value descending, then image, row, column ascending (the GPU top-k breaks ties
// by the lower index the same way), so the result does not depend on the batch size.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { MAX_TOP_K } from '../../ops/select.ts';
import type { FitOptions } from '../../data/image-resize.ts';
import { imageBatches, type ImageSet } from './image-set.ts';

export interface TopHit {
  value: number;
  /** Index of the image in the set. */
  image: number;
  /** Position in the layer's map ([0, 0] for a layer without one). */
  row: number;
  col: number;
}

export interface TopActivationsOptions {
  layer: string;
  /** Hits kept per unit (default 9, at most 64). */
  k?: number;
  /** Images per forward pass (default 16). */
  batch?: number;
  /**
   * At most one hit per image and unit (its map's maximum; default true): top-9 and "top images"
   * want nine different pictures, not nine neighbouring positions of one.
   */
  distinctImages?: boolean;
  /** How pictures of another size are fitted to the input. */
  fit?: FitOptions;
  /** Called after each batch with the images done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Every `every` batches, the state so far for `save` to keep (a long run resumes from it). */
  checkpoint?: { every: number; save: (state: TopActivationsState) => void | Promise<void> };
  /** A checkpoint of the same run (layer, k, distinctImages, set size) to go on from. */
  resume?: TopActivationsState;
}

/** What a run has found after its first `done` images: enough to continue it. */
export interface TopActivationsState {
  kind: 'convsight-top-activations';
  layer: string;
  k: number;
  distinctImages: boolean;
  images: number;
  done: number;
  units: TopHit[][];
}

export interface TopActivations {
  layer: string;
  k: number;
  /** Per unit, its hits, strongest first (fewer than k when the set is small). */
  units: TopHit[][];
  /** The layer's map size [H, W] ([1, 1] for a layer without one). */
  mapSize: [number, number];
  images: number;
}

/** a before b: stronger first, then the lower image, row, column. */
function before(a: TopHit, b: TopHit): boolean {
  if (a.value !== b.value) return a.value > b.value;
  if (a.image !== b.image) return a.image < b.image;
  return a.row !== b.row ? a.row < b.row : a.col < b.col;
}

/** Inserts into a list kept sorted and at most k long. */
function insert(list: TopHit[], hit: TopHit, k: number): void {
  if (list.length === k && !before(hit, list[k - 1])) return;
  let i = list.length === k ? k - 1 : list.length;
  if (list.length < k) list.push(hit);
  while (i > 0 && before(hit, list[i - 1])) {
    list[i] = list[i - 1];
    i--;
  }
  list[i] = hit;
}

/** Records the per-plane reduction of one batch's layer output; resolves to the candidates. */
function reduceBatch(model: Model, out: Tensor, per: number): Promise<{ values: Float32Array; indices: Int32Array | null }> {
  const [n, c, h = 1, w = 1] = out.shape;
  if (h * w === 1) return out.readFloat().then((values) => ({ values, indices: null }));
  const planes = out.reshape([n * c, h * w]);
  const { values, indices } = model.engine.ops.topK(planes, per);
  planes.dispose();
  // The copies to read back are recorded now: the buffers can go back to the pool at once.
  const read = Promise.all([values.readFloat(), indices.read() as Promise<Int32Array>]);
  values.dispose();
  indices.dispose();
  return read.then(([v, i]) => ({ values: v, indices: i }));
}

export async function topActivations(model: Model, set: ImageSet, options: TopActivationsOptions): Promise<TopActivations> {
  const { layer, k = 9, batch = 16, distinctImages = true } = options ?? ({} as TopActivationsOptions);
  const shape = model.layerShape(layer); // throws listing the layers
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_K) throw new Error(`k must be an integer in [1, ${MAX_TOP_K}], got ${k}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  if (!set || !(set.length > 0)) throw new Error('the image set is empty: no images to take top activations from');
  const [, units, h = 1, w = 1] = shape;
  const plane = h * w;
  const per = distinctImages ? 1 : Math.min(k, plane);
  const resume = options.resume;
  if (resume) {
    const same = resume.kind === 'convsight-top-activations' && resume.layer === layer && resume.k === k && resume.distinctImages === distinctImages && resume.images === set.length && resume.units?.length === units;
    if (!same) throw new Error(`the checkpoint is of another run (layer '${resume.layer}', k ${resume.k}, ${resume.images} images), not of layer '${layer}', k ${k} over ${set.length} images`);
  }
  const lists: TopHit[][] = resume ? resume.units.map((list) => list.map((hit) => ({ ...hit }))) : Array.from({ length: units }, () => []);
  const state = (done: number): TopActivationsState => ({ kind: 'convsight-top-activations', layer, k, distinctImages, images: set.length, done, units: lists.map((l) => l.map((hit) => ({ ...hit }))) });
  let batches = 0;

  const merge = (first: number, count: number, { values, indices }: { values: Float32Array; indices: Int32Array | null }) => {
    for (let n = 0; n < count; n++) {
      for (let u = 0; u < units; u++) {
        const base = (n * units + u) * (indices ? per : 1);
        for (let j = 0; j < (indices ? per : 1); j++) {
          const value = values[base + j];
          if (Number.isNaN(value)) continue;
          const at = indices ? indices[base + j] : 0;
          insert(lists[u], { value, image: first + n, row: Math.floor(at / w), col: at % w }, k);
        }
      }
    }
  };

  // One batch's candidates are read back while the next batch runs.
  let pending: Promise<void> | null = null;
  const first = resume?.done ?? 0;
  if (first === set.length) return { layer, k, units: lists, mapSize: [h, w], images: set.length };
  for await (const { start, tensor } of imageBatches(model, set, { batch, fit: options.fit, start: first })) {
    const count = tensor.shape[0];
    let reduced: Promise<{ values: Float32Array; indices: Int32Array | null }>;
    const outputs = model.engine.scoped(`topActivations '${layer}'`, () => {
      const trace = model.trace(tensor, { until: layer });
      for (const s of trace.switches.values()) s.dispose();
      return trace.outputs;
    });
    try {
      reduced = reduceBatch(model, outputs.get(layer)!, per);
    } finally {
      for (const t of outputs.values()) t.dispose();
      tensor.dispose();
    }
    const previous = pending;
    pending = (async () => {
      await previous;
      merge(start, count, await reduced);
      options.onProgress?.(start + count, set.length);
      if (options.checkpoint && ++batches % options.checkpoint.every === 0 && start + count < set.length) await options.checkpoint.save(state(start + count));
    })();
  }
  await pending;
  return { layer, k, units: lists, mapSize: [h, w], images: set.length };
}
