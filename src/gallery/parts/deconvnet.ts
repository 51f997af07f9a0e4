// The demo's DeconvNet parts (Zeiler & Fergus 2014):
// - projections: for each image, the strongest activation of two conv layers projected down to
//   the pixels, with DeconvNet's rule, guided backpropagation's and the plain gradient's;
// - top-9: over the held-out concept set, the nine strongest activations of a few units, each
//   projection beside the image patch under its receptive field (the paper's Fig. 2);
// - occlusion: a grey square slid over each image, the predicted class's probability per position.

import { deconvnet } from '../../methods/deconvnet/projection.ts';
import { top9, top9Grid } from '../../methods/deconvnet/top9.ts';
import { occlusion } from '../../methods/deconvnet/occlusion.ts';
import { datasetImages } from '../../methods/common/image-set.ts';
import { rgbToRgba } from '../../data/image.ts';
import { heatOverlay, projectionImage } from '../../viz/overlay.ts';
import { imageGrid } from '../../viz/pictures.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import type { DemoContext, DemoPart } from '../context.ts';
import { escapeHtml, type Figure } from '../gallery.ts';
import { predictClass } from './predictions.ts';

const MODES = ['deconvnet', 'guided', 'gradient'] as const;

/** A middle and the deepest conv layer: what a low and a high projection look like. */
function projectionLayers(ctx: DemoContext): string[] {
  const convs = ctx.convLayers;
  return convs.length > 1 ? [convs[Math.floor((convs.length - 1) / 2)], convs.at(-1)!] : convs;
}

/**
 * The unit with the highest mean activation on the image: its whole feature map is projected (a
 * single strongest position is often a border response that projects to a few corner pixels).
 */
async function mostActiveUnit(ctx: DemoContext, image: Tensor, layer: string): Promise<number> {
  const outputs = await ctx.model.forward(image, { until: layer });
  const means = ctx.engine.ops.spatialMean(outputs.get(layer)!);
  const values = await means.readFloat();
  for (const t of [...outputs.values(), means]) t.dispose();
  let best = 0;
  for (let u = 1; u < values.length; u++) if (values[u] > values[best]) best = u;
  return best;
}

/**
 * Display contrast of the projections: the 99th percentile of |projection| at full scale, the
 * strongest 1% saturated. At Zeiler & Fergus's max scaling a few strong pixels leave the rest of a
 * small model's projection a faint grey.
 */
const CONTRAST = 0.99;

export const deconvnetPart: DemoPart = {
  id: 'deconvnet',
  name: 'deconvnet projections and top-9',
  async run(ctx: DemoContext) {
    const { model, images, gallery, quick } = ctx;
    const scale = ctx.tileScale;
    const figures: Figure[] = [];
    const notes: string[] = [];

    for (const layer of projectionLayers(ctx)) {
      const tiles: RgbaImage[] = [];
      for (const image of images) {
        const unit = await mostActiveUnit(ctx, image.tensor, layer);
        tiles.push(rgbToRgba(image.picture));
        for (const mode of MODES) {
          const projection = await deconvnet(model, image.tensor, { layer, unit, mode });
          tiles.push(projectionImage(await projection.readFloat(), projection.shape, { quantile: CONTRAST }));
          projection.dispose();
        }
        notes.push(`${image.name}: ${layer} unit ${unit}`);
      }
      figures.push(gallery.picture(`projections-${layer}.png`, imageGrid(tiles, 4, 3, scale), `${layer}: for each image, the feature map of its most active unit projected down: image, DeconvNet, guided backpropagation, gradient (the strongest 1% of each projection saturated)`));
    }

    const set = datasetImages(ctx.concepts);
    const layers = quick ? [ctx.convLayers.at(-1)!] : projectionLayers(ctx);
    for (const layer of layers) {
      const units = quick ? [0] : [0, 1, 2, 3];
      const result = await top9(model, set, { layer, units, quantile: CONTRAST, onProgress: (stage, done, total) => stage === 'projecting' && done === total && ctx.log(`top-9 ${layer}: ${total} projections`) });
      for (const unit of result.units) {
        const grid = top9Grid(unit, Math.max(1, Math.floor(96 / unit.hits[0].patch.width)));
        const shown = grid.width < 400 ? 2 * grid.width : undefined; // small patches shown enlarged
        figures.push(gallery.picture(`top9-${layer}-${unit.unit}.png`, grid, `${layer} unit ${unit.unit}: its 9 strongest activations over ${set.length} concept images; projections (left) beside the patches under their receptive fields (right)`, shown));
      }
    }
    return {
      title: 'DeconvNet: projections and top-9 activations',
      what: 'What pattern in the image made a unit fire: its activations sent back down through unpooling with the recorded switches, rectification and the transposed filters; the three backward rules differ only at the ReLUs.',
      paper: 'Zeiler & Fergus 2014 (DeconvNet); Springenberg et al. 2015 (guided backpropagation); Simonyan et al. 2014 (gradient)',
      figures,
      html: `<p>${notes.map(escapeHtml).join('<br>')}</p>`,
    };
  },
};

export const occlusionPart: DemoPart = {
  id: 'occlusion',
  name: 'occlusion sensitivity',
  async run(ctx: DemoContext) {
    const { model, images, labels, gallery } = ctx;
    const scale = ctx.tileScale;
    const tiles: RgbaImage[] = [];
    const rows: string[] = [];
    for (const image of images) {
      const predicted = await predictClass(ctx, image.tensor);
      const result = await occlusion(model, image.tensor, { target: predicted, stride: ctx.quick ? Math.round(model.inputShape[1] / 4) : undefined });
      // Where hiding the patch costs the prediction most is hottest.
      const drop = result.scores.map((s) => Math.max(0, result.baseline - s));
      const picture = rgbToRgba(image.picture);
      tiles.push(picture, heatOverlay(picture, drop, result.cols, result.rows));
      const changed = result.topClass.filter((c) => c !== predicted).length;
      rows.push(`<tr><td>${escapeHtml(image.name)}</td><td>${escapeHtml(labels[predicted])}</td><td>${result.baseline.toFixed(3)}</td><td>${Math.min(...result.scores).toFixed(3)}</td><td>${changed} of ${result.scores.length}</td></tr>`);
    }
    return {
      title: 'Occlusion sensitivity',
      what: 'A grey square slid over each image: the hotter a place, the more hiding it lowers the probability of the predicted class; the table counts the positions where the prediction changes.',
      paper: 'Zeiler & Fergus 2014, section 4.2',
      figures: [gallery.picture('occlusion.png', imageGrid(tiles, 4, 3, scale), 'image, then the drop in the predicted class probability when each place is hidden')],
      html: `<table><tr><th>image</th><th>predicted</th><th>probability</th><th>lowest when occluded</th><th>prediction changes</th></tr>${rows.join('')}</table>`,
    };
  },
};
