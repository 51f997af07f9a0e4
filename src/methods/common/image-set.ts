// Image sets that the dataset-wide methods stream through the model: top-k mining (DeconvNet's
// top-9), Network Dissection, and AM's reference set. A set is a length and a loader, so a Broden
// folder, a folder of the user's pictures, generated concept images and files picked in the page
// all look the same; imageBatches() fits each picture to the model's input, preprocesses it and
// yields batches as tensors, so memory stays flat whatever the set's size.

import type { Tensor } from '../../engine/tensor.ts';
import type { Dataset } from '../../data/broden.ts';
import type { RgbImage } from '../../data/image-format.ts';
import { fitImage, type FitOptions } from '../../data/image-resize.ts';
import { preprocessImage } from '../../data/image.ts';
import type { Model } from '../../models/model.ts';

export interface ImageSet {
  readonly length: number;
  /** A short name for image i (its file name), for reports. */
  name(i: number): string;
  /** Image i's picture, any size (fitted to the model's input by imageBatches). */
  load(i: number): RgbImage | Promise<RgbImage>;
}

/** The pictures of a Broden-format dataset (loadBroden), in index.csv's order. */
export function datasetImages(dataset: Dataset): ImageSet {
  return { length: dataset.images.length, name: (i) => dataset.images[i].image, load: (i) => dataset.loadImage(i) };
}

/** Pictures already in memory (generated concept images, files read by the page). */
export function memoryImages(images: RgbImage[], names?: string[]): ImageSet {
  return { length: images.length, name: (i) => names?.[i] ?? `image ${i}`, load: (i) => images[i] };
}

export interface BatchOptions {
  /** Images per batch (default 16). */
  batch?: number;
  /** The range of the set to read, [start, end) (default: all of it). */
  start?: number;
  end?: number;
  /** How pictures of another size are fitted to the input (default: fitImage's centre crop). */
  fit?: FitOptions;
}

export interface ImageBatch {
  /** Index in the set of the batch's first image. */
  start: number;
  /** The preprocessed batch [count, C, H, W]; the consumer disposes it. */
  tensor: Tensor;
  /** The fitted pictures (input size), for patches and overlays. */
  pictures: RgbImage[];
}

/** Streams the set through the model's preprocessing in batches. */
export async function* imageBatches(model: Model, set: ImageSet, options: BatchOptions = {}): AsyncGenerator<ImageBatch> {
  const batch = options.batch ?? 16;
  const start = options.start ?? 0;
  const end = options.end ?? set.length;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= set.length)) {
    throw new Error(`image range [${start}, ${end}) is outside the set of ${set.length} images`);
  }
  if (end === start) throw new Error('the image set is empty');
  const [channels, height, width] = model.inputShape;
  const per = channels * height * width;
  for (let first = start; first < end; first += batch) {
    const count = Math.min(batch, end - first);
    const data = new Float32Array(count * per);
    const pictures: RgbImage[] = [];
    for (let k = 0; k < count; k++) {
      let picture = await set.load(first + k);
      if (picture.width !== width || picture.height !== height) picture = fitImage(picture, width, height, options.fit);
      pictures.push(picture);
      data.set(preprocessImage(picture, model.spec.input), k * per);
    }
    yield { start: first, tensor: model.engine.tensor(data, [count, channels, height, width]), pictures };
  }
}
