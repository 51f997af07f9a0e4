// The demo's Activation Maximization part: for each class, the image that maximizes its score
// before the softmax (Simonyan et al. 2014), checked by classifying it; for a few units of the
// deepest conv layer, the image that maximizes the unit's mean activation, with Erhan et al.'s
// criterion (does it beat every real image of the concept set?); and the first-layer filters,
// AM's degenerate case.

import { activationMaximization, erhanCriterion, firstLayerFilters, highestActivations } from '../../methods/activation-maximization/index.ts';
import { channel } from '../../methods/activation-maximization/objectives.ts';
import { datasetImages } from '../../methods/common/image-set.ts';
import { imageGrid } from '../../viz/pictures.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import type { DemoContext, DemoPart } from '../context.ts';
import { escapeHtml, type Figure } from '../gallery.ts';
import { predictClass } from './predictions.ts';

/** The settings the demo uses: a Fourier-parameterized image with jitter (Olah et al. 2017). */
const SETTINGS = { parameterization: 'fourier', jitter: 2 } as const;

export const activationMaximizationPart: DemoPart = {
  id: 'am',
  name: 'activation maximization',
  async run(ctx: DemoContext) {
    const { model, labels, gallery, quick } = ctx;
    const steps = quick ? 12 : 128;
    const scale = ctx.tileScale;
    const figures: Figure[] = [];
    const rows: string[] = [];

    // Classes: all of a small model's; for an ImageNet model, those the demo images are predicted as.
    const classes = ctx.isDefaultModel ? labels.map((_, i) => i) : await predictedClasses(ctx);
    const classTiles: RgbaImage[] = [];
    for (const c of quick ? classes.slice(0, 2) : classes) {
      const result = await activationMaximization(model, { class: c, steps, seed: ctx.seed, ...SETTINGS });
      const predicted = await predictClass(ctx, result.image);
      classTiles.push(result.rgba[0]);
      rows.push(`<tr><td>class ${escapeHtml(labels[c])}</td><td>${result.activation.toFixed(2)}</td><td>${escapeHtml(labels[predicted])}</td></tr>`);
      ctx.log(`class ${labels[c]}: score ${result.activation.toFixed(2)}, classified as ${labels[predicted]}`);
      result.image.dispose();
    }
    figures.push(gallery.picture('am-classes.png', imageGrid(classTiles, Math.min(8, classTiles.length), 4, scale), `one image per class: ${classes.slice(0, classTiles.length).map((c) => labels[c]).join(', ')}`));

    // Units of the deepest conv layer, with Erhan's criterion against the concept set.
    const layer = ctx.convLayers.at(-1)!;
    const units = quick ? [0] : [0, 1, 2, 3];
    const reference = datasetImages(ctx.concepts);
    // The set's best for every unit in one pass over it (a pass per unit took minutes at 224x224 on a CPU).
    const setBest = await highestActivations(model, units.map((unit) => channel(layer, unit)), reference);
    const unitTiles: RgbaImage[] = [];
    const unitRows: string[] = [];
    for (const [k, unit] of units.entries()) {
      const result = await activationMaximization(model, { layer, unit, steps, seed: ctx.seed, ...SETTINGS });
      const erhan = await erhanCriterion(model, channel(layer, unit), result.image, reference, undefined, setBest[k]);
      unitTiles.push(result.rgba[0]);
      unitRows.push(`<tr><td>${escapeHtml(layer)} unit ${unit}</td><td>${erhan.amActivation.toFixed(2)}</td><td>${erhan.setMax.toFixed(2)}</td><td>${erhan.exceeds ? 'yes' : 'no'}</td></tr>`);
      ctx.log(`${layer} unit ${unit}: ${erhan.amActivation.toFixed(2)} vs ${erhan.setMax.toFixed(2)} at best over ${erhan.images} images`);
      result.image.dispose();
    }
    figures.push(gallery.picture('am-units.png', imageGrid(unitTiles, unitTiles.length, 4, scale), `units ${units.join(', ')} of ${layer} (mean activation of the channel)`));

    const { layer: first, filters } = await firstLayerFilters(model);
    const filterScale = Math.max(1, Math.floor(48 / filters[0].width));
    figures.push(gallery.picture('filters.png', imageGrid(filters, Math.min(16, filters.length), 2, filterScale), `the filters of ${first}: AM's degenerate case for the first layer`));

    return {
      title: 'Activation Maximization',
      what: `Images synthesized by gradient ascent (${steps} steps, Fourier-parameterized, with jitter) to excite one class score or one unit; the classifier's verdict on each class image, and whether each unit's image beats the best of ${ctx.concepts.images.length} real concept images.`,
      paper: 'Erhan et al. 2009; Simonyan, Vedaldi & Zisserman 2014; Yosinski et al. 2015; Olah, Mordvintsev & Schubert 2017',
      figures,
      html:
        `<table><tr><th>objective</th><th>score reached</th><th>classified as</th></tr>${rows.join('')}</table>` +
        `<table><tr><th>unit</th><th>AM activation</th><th>best real image</th><th>exceeds (Erhan)</th></tr>${unitRows.join('')}</table>`,
    };
  },
};

async function predictedClasses(ctx: DemoContext): Promise<number[]> {
  const classes = new Set<number>();
  for (const image of ctx.images) classes.add(await predictClass(ctx, image.tensor));
  return [...classes];
}
