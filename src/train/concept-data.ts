// Labelled images from the procedural concept dataset, held in memory for training and evaluation.

import { generateImage } from '../data/concepts/scene.ts'; // not index.ts: it re-exports the Node-only dataset writer
import type { LabelledImages } from './trainer.ts';

/** `count` images of the dataset with this seed, from index `first` on; the label is the shape of the largest object. */
export function conceptImages(seed: number, count: number, size: number, onProgress?: (done: number) => void, first = 0): LabelledImages {
  const rgb = new Uint8Array(count * size * size * 3);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const image = generateImage(seed, first + i, size);
    rgb.set(image.rgb, i * size * size * 3);
    labels[i] = image.classIndex;
    if (onProgress && (i % 256 === 255 || i === count - 1)) onProgress(i + 1);
  }
  return { size, count, rgb, labels };
}
