// Top-9 assembly: each hit's tiles are the picture under its receptive field and the projection
// of that one activation there (the same pixels deconvnet() gives alone), grids are tiled as
// documented, and a linear layer's hits show whole pictures.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { loadDefaultModel, preprocessImage, rgbToRgba, type RgbImage } from '../src/index.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { memoryImages } from '../src/methods/common/image-set.ts';
import { receptiveField } from '../src/methods/common/receptive-field.ts';
import { deconvnet } from '../src/methods/deconvnet/projection.ts';
import { top9, top9Grid } from '../src/methods/deconvnet/top9.ts';
import { cropPadded, projectionImage } from '../src/viz/overlay.ts';

const engine = await getEngine();
const model = await loadDefaultModel(engine);
const size = model.inputShape[1];
const pictures: RgbImage[] = Array.from({ length: 6 }, (_, i) => ({ width: size, height: size, rgb: generateImage(21, i, size).rgb }));

describe('top9', () => {
  it('pairs each hit with its receptive-field patch and its own projection', async () => {
    const result = await top9(model, memoryImages(pictures, pictures.map((_, i) => `p${i}.png`)), { layer: 'relu3', units: [4, 9], k: 3, batch: 4 });
    expect(result.units.map((u) => u.unit)).toEqual([4, 9]);
    const field = receptiveField(model, 'relu3', [0, 0]);
    for (const unit of result.units) {
      expect(unit.hits.length).toBe(3);
      for (const hit of unit.hits) {
        expect([hit.patch.width, hit.patch.height]).toEqual([field.width, field.height]);
        expect([hit.projection.width, hit.projection.height]).toEqual([field.width, field.height]);
        expect(hit.name).toBe(`p${hit.image}.png`);
        expect(hit.patch.data).toEqual(cropPadded(rgbToRgba(pictures[hit.image]), receptiveField(model, 'relu3', [hit.row, hit.col])).data);
      }
      // The strongest hit's projection tile is deconvnet() of that activation alone, cropped.
      const best = unit.hits[0];
      const x = engine.tensor(preprocessImage(pictures[best.image], model.spec.input), [1, ...model.inputShape]);
      const alone = await deconvnet(model, x, { layer: 'relu3', unit: unit.unit, position: [best.row, best.col] });
      const tile = projectionImage(await alone.readFloat(), alone.shape, { rect: best.field });
      alone.dispose();
      x.dispose();
      let worst = 0;
      for (let i = 0; i < tile.data.length; i++) worst = Math.max(worst, Math.abs(tile.data[i] - best.projection.data[i]));
      expect(worst).toBeLessThanOrEqual(1); // one grey level of rounding
    }
    // Projections (3 columns for 9; 2 for 3) beside patches, 2-pixel gaps, 6 between the halves.
    const grid = top9Grid(result.units[0]);
    const half = 2 * field.width + 3 * 2;
    expect([grid.width, grid.height]).toEqual([2 * half + 3 * 6, 2 * field.height + 3 * 2 + 2 * 6]);
  });

  it("a linear layer's hits are whole pictures", async () => {
    const result = await top9(model, memoryImages(pictures), { layer: 'fc5', units: [3], k: 2, batch: 6 });
    const [hit] = result.units[0].hits;
    expect([hit.patch.width, hit.patch.height]).toEqual([size, size]);
    expect(hit.patch.data).toEqual(rgbToRgba(pictures[hit.image]).data);
    await expect(top9(model, memoryImages(pictures), { layer: 'fc5', units: [128] })).rejects.toThrow("layer 'fc5' has units 0..127, got unit 128");
  });
});
