// Zeiler & Fergus's Fig. 2: for each unit of a layer, its 9 strongest activations over a
// dataset, each shown as the deconvnet projection of that one activation beside the image patch
// under its receptive field (padded with grey where the field leaves the image).
//
// Two passes over the data: topActivations streams the whole set once (GPU top-k, flat memory);
// then only the images holding hits are loaded again, and each is projected once for all its
// hits: one forward pass, and a batch of seeds per backward pass (projectMany).

import type { RgbaImage } from '../../data/image.ts';
import { preprocessImage, rgbToRgba } from '../../data/image.ts';
import { fitImage } from '../../data/image-resize.ts';
import type { Model } from '../../models/model.ts';
import { receptiveField, type ReceptiveField } from '../common/receptive-field.ts';
import { topActivations, type TopActivationsOptions, type TopHit } from '../common/top-activations.ts';
import type { ImageSet } from '../common/image-set.ts';
import { cropPadded, projectionImage, sideBySide, type ProjectionStyle } from '../../viz/overlay.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { projectMany, type ProjectionMode } from './projection.ts';

export interface Top9Options extends Pick<TopActivationsOptions, 'layer' | 'batch' | 'fit' | 'checkpoint' | 'resume'> {
  /** Hits per unit (default 9). */
  k?: number;
  /** The units to show (default: every unit of the layer). */
  units?: number[];
  mode?: ProjectionMode;
  style?: ProjectionStyle;
  /** Display contrast of the projections (projectionImage's quantile; default 1: the max). */
  quantile?: number;
  /** Seeds per backward pass when projecting (default 16). */
  projectBatch?: number;
  onProgress?: (stage: 'mining' | 'projecting', done: number, total: number) => void;
}

export interface Top9Hit extends TopHit {
  /** The receptive field of the hit's position (the whole picture for a layer without a map). */
  field: ReceptiveField;
  /** The picture under the field. */
  patch: RgbaImage;
  /** The projection of the hit's one activation, within the field. */
  projection: RgbaImage;
  /** The image's name in the set. */
  name: string;
}

export interface Top9Unit {
  unit: number;
  hits: Top9Hit[];
}

export interface Top9Result {
  layer: string;
  units: Top9Unit[];
}

function checkUnits(model: Model, layer: string, units: number[] | undefined): number[] {
  const count = model.layerShape(layer)[1];
  if (units === undefined) return [...Array(count).keys()];
  for (const u of units) if (!Number.isInteger(u) || u < 0 || u >= count) throw new Error(`layer '${layer}' has units 0..${count - 1}, got unit ${u}`);
  return units;
}

export async function top9(model: Model, set: ImageSet, options: Top9Options): Promise<Top9Result> {
  const { layer, k = 9, mode = 'deconvnet', style = 'signed', projectBatch = 16 } = options;
  const units = checkUnits(model, layer, options.units);
  const shape = model.layerShape(layer);
  const spatial = shape.length === 4;
  const mined = await topActivations(model, set, {
    layer,
    k,
    batch: options.batch,
    fit: options.fit,
    checkpoint: options.checkpoint,
    resume: options.resume,
    onProgress: (done, total) => options.onProgress?.('mining', done, total),
  });

  // The hits of the chosen units, grouped by image.
  const byImage = new Map<number, { unit: number; hit: TopHit; slot: Top9Hit[]; at: number }[]>();
  const result: Top9Unit[] = units.map((unit) => ({ unit, hits: new Array<Top9Hit>(mined.units[unit].length) }));
  result.forEach(({ unit, hits }) => {
    mined.units[unit].forEach((hit, at) => {
      if (!byImage.has(hit.image)) byImage.set(hit.image, []);
      byImage.get(hit.image)!.push({ unit, hit, slot: hits, at });
    });
  });

  const [channels, height, width] = model.inputShape;
  let done = 0;
  for (const [image, hits] of [...byImage].sort((a, b) => a[0] - b[0])) {
    let picture = await set.load(image);
    if (picture.width !== width || picture.height !== height) picture = fitImage(picture, width, height, options.fit);
    const x = model.engine.tensor(preprocessImage(picture, model.spec.input), [1, channels, height, width]);
    const targets = hits.map(({ unit, hit }) => ({ unit, position: spatial ? ([hit.row, hit.col] as [number, number]) : undefined }));
    let values: Float32Array;
    try {
      const projections = await projectMany(model, x, { layer, targets, mode, batch: projectBatch });
      values = await projections.readFloat();
      projections.dispose();
    } finally {
      x.dispose();
    }
    const rgba = rgbToRgba(picture);
    hits.forEach(({ hit, slot, at }, index) => {
      const field = spatial ? receptiveField(model, layer, [hit.row, hit.col]) : receptiveField(model, layer);
      const rect = spatial ? field : field.clipped;
      slot[at] = {
        ...hit,
        field,
        name: set.name(image),
        patch: cropPadded(rgba, rect),
        projection: projectionImage(values, [targets.length, channels, height, width], { index, style, rect, quantile: options.quantile }),
      };
    });
    done += hits.length;
    options.onProgress?.('projecting', done, units.reduce((sum, u) => sum + mined.units[u].length, 0));
  }
  return { layer, units: result };
}

/**
 * One unit's figure: its projections in a grid (3 columns for 9) beside the patches in the same
 * order, strongest first (Zeiler & Fergus Fig. 2). Tiles are magnified `scale` times.
 */
export function top9Grid(unit: Top9Unit, scale = 1): RgbaImage {
  if (!unit.hits.length) throw new Error(`unit ${unit.unit} has no hits to show`);
  const columns = Math.ceil(Math.sqrt(unit.hits.length));
  const projections = imageGrid(unit.hits.map((h) => h.projection), columns, 2, scale, 255);
  const patches = imageGrid(unit.hits.map((h) => h.patch), columns, 2, scale, 255);
  return sideBySide([projections, patches], 6, 255);
}
