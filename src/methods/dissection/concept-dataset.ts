// The concept dataset in memory, as a Dataset (the interface loadBroden returns), so that the page
// can dissect without files: images are drawn by the generator on demand (image i is a pure
// function of seed, i and size), with the same label numbers as a set written by make-dataset.

import type { BrodenImage, BrodenLabel, Dataset } from '../../data/broden.ts';
import { generateImage, type ConceptImage } from '../../data/concepts/scene.ts';
import { CATEGORIES, SHAPES } from '../../data/concepts/vocabulary.ts';

export interface ConceptDatasetOptions {
  count: number;
  /** Default 1; a held-out set is another seed. */
  seed?: number;
  /** Pixels per side (default 64). */
  size?: number;
}

export function conceptDataset({ count, seed = 1, size = 64 }: ConceptDatasetOptions): Dataset {
  if (!Number.isInteger(count) || count < 1) throw new Error(`conceptDataset: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`conceptDataset: size must be an integer in [16, 1024], got ${size}`);
  const labels = new Map<number, BrodenLabel>();
  for (const c of CATEGORIES) {
    // Frequencies and coverages are not counted here (that would draw every image up front).
    c.labels.forEach((name, k) => labels.set(c.first + k, { number: c.first + k, name, category: c.name, categories: { [c.name]: 0 }, frequency: 0, coverage: 0, syns: [] }));
  }
  const digits = Math.max(5, String(count - 1).length);
  const images: BrodenImage[] = Array.from({ length: count }, (_, i) => {
    const name = `concepts/${String(i).padStart(digits, '0')}.png`;
    return { image: name, path: '', split: 'memory', ih: size, iw: size, sh: size, sw: size, masks: {}, wholeImage: {} };
  });
  // The last image drawn: a tally asks for one image's categories one after the other.
  let cached: { i: number; image: ConceptImage } | null = null;
  const draw = (fn: string, i: number): ConceptImage => {
    if (!(Number.isInteger(i) && i >= 0 && i < count)) throw new Error(`${fn}: image index ${i} is out of range [0, ${count})`);
    if (cached?.i !== i) cached = { i, image: generateImage(seed, i, size) };
    return cached.image;
  };
  const classLabels: number[] = [];
  return {
    dir: `(concept set: ${count} images, seed ${seed}, ${size}x${size})`,
    categories: CATEGORIES.map((c) => ({ name: c.name, first: c.first, last: c.first + c.labels.length - 1, count: c.labels.length, frequency: 0 })),
    labels,
    codes: Object.fromEntries(CATEGORIES.map((c) => [c.name, c.labels.map((name, k) => ({ code: k + 1, number: c.first + k, name, frequency: 0, coverage: 0 }))])),
    images,
    classLabels: null,
    classNames: [...SHAPES],
    loadImage(i) {
      const im = draw('loadImage', i);
      classLabels[i] = im.classIndex;
      return { width: size, height: size, rgb: im.rgb };
    },
    loadLabelMasks(i, category) {
      const im = draw('loadLabelMasks', i);
      switch (category) {
        case 'color':
        case 'object':
        case 'part':
          return [Int32Array.from(im[category])];
        case 'scene':
          return [new Int32Array(size * size).fill(im.scene)];
        case 'texture':
          return [new Int32Array(size * size).fill(im.texture)];
        default:
          throw new Error(`loadLabelMasks: unknown category ${category} (categories: ${CATEGORIES.map((c) => c.name).join(', ')})`);
      }
    },
  };
}
