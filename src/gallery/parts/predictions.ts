// The demo's first part: what the model says about each image, and where it looked: the
// image-specific class saliency (Simonyan et al. 2014) and guided backpropagation (Springenberg
// et al. 2015), both one backward pass through the graph from the predicted class's score.

import { rgbToRgba } from '../../data/image.ts';
import { heatMap, imageGrid, saliency, signedImage } from '../../viz/pictures.ts';
import type { DemoContext, DemoPart } from '../context.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { escapeHtml } from '../gallery.ts';
import { classProbabilities, outputIsSoftmax } from '../../models/scores.ts';

export const predictions: DemoPart = {
  id: 'predictions',
  name: 'predictions and saliency',
  async run(ctx: DemoContext) {
    const { model, images, labels } = ctx;
    const output = model.spec.output;
    const isSoftmax = outputIsSoftmax(model);
    const rows: string[] = [];
    const tiles = { pictures: [] as ReturnType<typeof rgbToRgba>[], saliency: [] as ReturnType<typeof rgbToRgba>[], guided: [] as ReturnType<typeof rgbToRgba>[] };
    for (const image of images) {
      const outputs = await model.forward(image.tensor, { until: output });
      const scores = await outputs.get(output)!.readFloat();
      for (const t of outputs.values()) t.dispose();
      const probs = classProbabilities(scores, isSoftmax);
      const predicted = probs.indexOf(Math.max(...probs));
      rows.push(`<tr><td>${escapeHtml(image.name)}</td><td>${escapeHtml(labels[predicted])}</td><td>${(probs[predicted] * 100).toFixed(1)}%</td></tr>`);
      ctx.log(`${image.name}: ${labels[predicted]} (${(probs[predicted] * 100).toFixed(1)}%)`);

      const [, , h, w] = image.tensor.shape;
      const gradient = await model.inputGradient(image.tensor, { layer: output, unit: predicted, relu: 'gradient' });
      const guided = await model.inputGradient(image.tensor, { layer: output, unit: predicted, relu: 'guided' });
      tiles.pictures.push(rgbToRgba(image.picture));
      tiles.saliency.push(heatMap(saliency(await gradient.readFloat(), gradient.shape), w, h));
      tiles.guided.push(signedImage(await guided.readFloat(), guided.shape));
      gradient.dispose();
      guided.dispose();
    }
    const n = images.length;
    const scale = ctx.tileScale;
    const grid = imageGrid([...tiles.pictures, ...tiles.saliency, ...tiles.guided], n, 4, scale);
    return {
      title: 'What the model sees: predictions, saliency and guided backpropagation',
      what: 'Top row: the images; middle: saliency |dS_c/dx| (max over colours) of the predicted class; bottom: guided backpropagation of the same score.',
      paper: 'Simonyan, Vedaldi & Zisserman 2014 (saliency); Springenberg et al. 2015 (guided backpropagation)',
      figures: [ctx.gallery.picture('predictions.png', grid, 'images, saliency, guided backpropagation')],
      html: `<table><tr><th>image</th><th>predicted</th><th>probability</th></tr>${rows.join('')}</table>`,
    };
  },
};

/** The class the model gives an image [1, C, H, W] (the highest output). */
export async function predictClass(ctx: DemoContext, image: Tensor): Promise<number> {
  const output = ctx.model.spec.output;
  const outputs = await ctx.model.forward(image, { until: output });
  const scores = await outputs.get(output)!.readFloat();
  for (const t of outputs.values()) t.dispose();
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}
