// What every part of the demo works on: the engine, the model, a few images to explain, a larger
// image set for the dataset-wide methods (top-9 mining, dissection), the gallery to fill, the
// size of the run, and a progress line.

import type { Engine } from '../engine/engine.ts';
import type { Tensor } from '../engine/tensor.ts';
import type { RgbImage } from '../data/image-format.ts';
import type { Model } from '../models/model.ts';
import type { Dataset } from '../data/broden.ts';
import type { Gallery, Section } from './gallery.ts';

export interface DemoImage {
  name: string;
  /** The picture fitted to the model's input size. */
  picture: RgbImage;
  /** [1, C, H, W], preprocessed. */
  tensor: Tensor;
}

export interface DemoContext {
  engine: Engine;
  model: Model;
  /** Class names (the model's labels, or 'class i'). */
  labels: string[];
  /** The images the per-image methods explain. */
  images: DemoImage[];
  /**
   * A held-out set of generated concept images with their masks, at the model's input size: the
   * dataset-wide methods' data (top-9 mining, Erhan's reference set, dissection).
   */
  concepts: Dataset;
  /** True for the shipped default model (the concept dataset's own vocabulary applies). */
  isDefaultModel: boolean;
  /** The conv layers (their units have maps), in graph order. */
  convLayers: string[];
  gallery: Gallery;
  /** How many times grids magnify input-sized tiles: 2 for small inputs (a 64x64 tile is a speck), else 1. */
  tileScale: number;
  /** A quick run: fewer steps and images (the test of the gallery; a smoke run). */
  quick: boolean;
  seed: number;
  /** Prints a progress line for the current part. */
  log(line: string): void;
}

/** A part of the demo: one method (or a group of related pictures), producing a gallery section. */
export interface DemoPart {
  /** A short name for --parts. */
  id: string;
  name: string;
  run(ctx: DemoContext): Promise<Omit<Section, 'seconds'>>;
}

/**
 * `count` items spread evenly over `items`, the last included, and the first too with `fromFirst`
 * (all of them when there are no more than `count`): how the demo keeps a deep model's parts to a
 * few layers (SqueezeNet has 26 conv layers; every one would take the better part of an hour on a CPU).
 */
export function evenlySpaced<T>(items: T[], count: number, fromFirst = false): T[] {
  if (items.length <= count) return items;
  const last = items.length - 1;
  return Array.from({ length: count }, (_, i) => items[Math.round(fromFirst ? (i * last) / (count - 1) : ((i + 1) * last) / count)]);
}
