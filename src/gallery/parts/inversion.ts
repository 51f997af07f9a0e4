// The demo's Network Inversion part (Mahendran & Vedaldi 2015): one image reconstructed from its
// representation at every layer, each reconstruction with its normalized error, and the error
// against depth; for the default model also the trained up-convolutional decoder (Dosovitskiy &
// Brox 2016), which inverts in one forward pass, beside the optimization for the same layer.

import { invertEveryLayer, invertibleLayers, type LayerReconstruction, invertRepresentation, invertWithDecoder, loadDefaultDecoder, DEFAULT_DECODER_LAYER } from '../../methods/inversion/index.ts';
import { rgbToRgba } from '../../data/image.ts';
import { linePlotSvg } from '../../viz/line-plot.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { evenlySpaced, type DemoContext, type DemoPart } from '../context.ts';
import { escapeHtml, type Figure } from '../gallery.ts';

export const inversionPart: DemoPart = {
  id: 'inversion',
  name: 'network inversion',
  async run(ctx: DemoContext) {
    const { model, gallery, quick } = ctx;
    const image = ctx.images[0];
    const steps = quick ? 10 : 200;
    const scale = ctx.tileScale;
    // Every layer of a small model; of a large one, eight of its conv, pool and concat layers
    // (its ReLUs repeat them) spread from the first to the last (`invert-all-layers` does them all).
    const all = invertibleLayers(model);
    const deep = () => evenlySpaced(model.layers.filter((l) => all.includes(l.name) && l.type !== 'relu').map((l) => l.name), 8, true);
    const layers = quick ? all.slice(0, 2) : all.length <= 16 ? all : deep();
    // As in the paper, the TV weight grows with depth (Mahendran & Vedaldi set lambda_TV per layer):
    // deeper representations constrain the image less, and a weak prior there leaves noise.
    const results: LayerReconstruction[] = [];
    for (const layer of layers) {
      const [r] = await invertEveryLayer(model, image.tensor, { layers: [layer], steps, seed: ctx.seed, tvWeight: tvWeightFor(ctx, layer) });
      results.push(r);
      ctx.log(`${r.layer} (TV weight ${tvWeightFor(ctx, layer)}): ${r.error ?? `relative error ${r.relativeError!.toFixed(3)}`}`);
    }
    const done = results.filter((r) => r.rgba);
    const figures: Figure[] = [
      gallery.picture('inversion-layers.png', imageGrid([rgbToRgba(image.picture), ...done.map((r) => r.rgba!)], Math.min(8, done.length + 1), 3, scale), `${image.name}, then its reconstructions from ${done.map((r) => r.layer).join(', ')}`),
    ];
    for (const r of results) r.image?.dispose();
    const rows = results.map((r) => `<tr><td>${escapeHtml(r.layer)}</td><td>${tvWeightFor(ctx, r.layer)}</td><td>${r.relativeError !== undefined ? r.relativeError.toFixed(3) : escapeHtml(r.error ?? '')}</td></tr>`);
    const plot = linePlotSvg([{ label: 'relative error', values: done.map((r) => r.relativeError!) }], {
      title: 'reconstruction error by layer',
      xLabel: `layer (${done[0].layer} … ${done.at(-1)!.layer})`,
      yLabel: '||Φ(x*) − Φ₀|| / ||Φ₀||',
      width: 520,
      height: 260,
    });

    let decoderHtml = '';
    if (ctx.isDefaultModel) {
      const decoder = await loadDefaultDecoder(ctx.engine);
      try {
        const tiles = [];
        const cells: string[] = [];
        for (const shown of ctx.images.slice(0, 2)) {
          const learned = await invertWithDecoder(model, decoder, shown.tensor);
          const optimized = await invertRepresentation(model, shown.tensor, { layer: DEFAULT_DECODER_LAYER, steps, seed: ctx.seed, tvWeight: tvWeightFor(ctx, DEFAULT_DECODER_LAYER) });
          tiles.push(rgbToRgba(shown.picture), learned.rgba, optimized.rgba);
          cells.push(
            `<tr><td>${escapeHtml(shown.name)}</td><td>${learned.relativeError.toFixed(3)} in ${(learned.seconds * 1000).toFixed(0)} ms</td><td>${optimized.relativeError.toFixed(3)} in ${optimized.seconds.toFixed(1)} s</td></tr>`,
          );
          learned.image.dispose();
          optimized.image.dispose();
        }
        figures.push(gallery.picture('inversion-decoder.png', imageGrid(tiles, 3, 3, scale), `from ${DEFAULT_DECODER_LAYER}: image, the trained decoder's reconstruction (one forward pass), the optimization's (${steps} steps)`));
        decoderHtml = `<table><tr><th>image (from ${DEFAULT_DECODER_LAYER})</th><th>decoder: error, time</th><th>optimization: error, time</th></tr>${cells.join('')}</table>`;
      } finally {
        decoder.dispose();
      }
    }
    return {
      title: 'Network Inversion',
      what: `What a layer's representation keeps of the image: the image found by ${steps} steps of gradient descent (momentum 0.9, decaying rate, from noise) whose representation matches it, regularized by the alpha-norm (a = 6) and total variation (beta = 2, weighted more at deeper layers). Lower layers reconstruct photographically; deeper ones keep less.`,
      paper: 'Mahendran & Vedaldi 2015 (regularized inversion); Dosovitskiy & Brox 2016 (trained decoder)',
      figures,
      html: `<div class="figures"><table><tr><th>layer</th><th>TV weight</th><th>relative error</th></tr>${rows.join('')}</table>${plot.replace(/^<\?xml[^>]*>\s*/, '')}</div>${decoderHtml}`,
    };
  },
};

/** TV weights by pooling stage: before the first max-pool, after it, after the second and deeper. */
const TV_BY_STAGE = [0.001, 0.01, 0.03];

function tvWeightFor(ctx: DemoContext, layer: string): number {
  const index = ctx.model.nodeIndexOf(layer);
  const pools = ctx.model.layers.slice(0, index).filter((l) => l.type === 'maxpool' || l.type === 'avgpool').length;
  return TV_BY_STAGE[Math.min(pools, TV_BY_STAGE.length - 1)];
}
