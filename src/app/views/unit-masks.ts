// Dissection's picture of a unit on one image: the image where the unit's map, upsampled
// bilinearly to the mask size, reaches the unit's threshold; the rest dimmed. The same rule the
// tally counted (M_k = S_k >= T_k), computed again for the few top images shown.

import { imageToTensor, rgbToRgba, type RgbaImage } from '../../data/image.ts';
import { fitImage } from '../../data/image-resize.ts';
import type { Model } from '../../models/model.ts';
import type { DissectionRun } from '../results.ts';

export async function unitMaskPictures(model: Model, run: DissectionRun, layer: string, unit: number, images: number[]): Promise<{ picture: RgbaImage; caption: string }[]> {
  const li = run.layers.indexOf(layer);
  const threshold = run.tally.layers[li].thresholds[unit];
  const [sh, sw] = run.tally.maskSize;
  const out: { picture: RgbaImage; caption: string }[] = [];
  for (const i of images) {
    const source = await run.dataset.loadImage(i);
    const x = imageToTensor(model.engine, source.rgb, source.width, source.height, model.spec.input);
    const outputs = await model.forward(x, { until: layer });
    const up = model.engine.ops.resizeBilinear(outputs.get(layer)!, [sh, sw]);
    let values: Float32Array;
    try {
      values = ((await up.read()) as Float32Array).subarray(unit * sh * sw, (unit + 1) * sh * sw);
    } finally {
      up.dispose();
      for (const t of outputs.values()) t.dispose();
      x.dispose();
    }
    const shown = source.width === sw && source.height === sh ? source : fitImage(source, sw, sh);
    const picture = rgbToRgba(shown);
    let inside = 0;
    for (let p = 0; p < sw * sh; p++) {
      if (values[p] >= threshold) {
        inside++;
        continue;
      }
      for (let c = 0; c < 3; c++) picture.data[4 * p + c] = Math.round(picture.data[4 * p + c] * 0.25);
    }
    out.push({ picture, caption: `image ${i}: ${((100 * inside) / (sw * sh)).toFixed(1)}% in the mask` });
  }
  return out;
}
