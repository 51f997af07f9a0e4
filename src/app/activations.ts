// A layer's response to the current image, read back for display: one unit's activation map,
// and every unit's mean (to rank the unit among its layer).

import type { Tensor } from '../engine/tensor.ts';
import type { Model } from '../models/model.ts';

export interface LayerResponse {
  /** The unit's map, rows x cols (1 x 1 for a linear layer). */
  map: Float32Array;
  rows: number;
  cols: number;
  /** Mean over the map of every unit of the layer. */
  means: Float32Array;
}

export async function layerResponse(model: Model, image: Tensor, layer: string, unit: number): Promise<LayerResponse> {
  const outputs = await model.forward(image, { until: layer });
  try {
    const out = outputs.get(layer)!;
    const data = (await out.read()) as Float32Array;
    const [, channels, rows = 1, cols = 1] = out.shape;
    const plane = rows * cols;
    const means = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += data[c * plane + i];
      means[c] = sum / plane;
    }
    return { map: data.slice(unit * plane, (unit + 1) * plane), rows, cols, means };
  } finally {
    for (const t of outputs.values()) t.dispose();
  }
}

/** Where the unit stands in its layer on this image: 1 = the most active. */
export function rankOf(means: Float32Array, unit: number): number {
  let rank = 1;
  for (let c = 0; c < means.length; c++) if (means[c] > means[unit]) rank++;
  return rank;
}
