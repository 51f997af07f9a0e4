// invert-all-layers: Mahendran & Vedaldi's experiment, one image reconstructed from every layer
// (or --layers), written as a row of reconstructions with each layer's error (PNG + HTML), an
// error-against-depth plot, and, where a trained decoder (Dosovitskiy & Brox) exists for a layer of
// the model, its one-pass reconstruction beside the optimization's, with errors and times.

import { createEngine } from '../../engine/engine.ts';
import { writePng, type RgbaImage } from '../../data/image.ts';
import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { ProgressBar } from '../../train/progress.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { linePlotSvg } from '../../viz/line-plot.ts';
import { invertEveryLayer, invertibleLayers, type LayerReconstruction } from '../../methods/inversion/every-layer.ts';
import { invertWithDecoder, loadDefaultDecoder, DEFAULT_DECODER_LAYER, type DecoderInversion } from '../../methods/inversion/decoder.ts';
import { DEFAULT_MODEL_NAME } from '../../models/default-model.ts';
import { parseOptions, required } from '../args.ts';
import { inversionFlags, modelAndImage, SHARED_OPTIONS, SHARED_USAGE } from './invert.ts';

export const summary = 'reconstruct an image from every layer (Mahendran & Vedaldi), with errors, a plot and the trained decoder';

export const usage = `
usage: invert-all-layers [--model M] --image IMG --out DIR [--layers a,b,c] [--steps 200] [--seed 0] [--jitter 0] [--tv 0.001]
                         [--alpha-weight 0.001] [--step-size 0.1] [--preprocessing P] [--no-decoder]

  --out       folder for index.html, reconstructions.png (the original, then each layer's
              reconstruction), error-vs-depth.svg, layer-<name>.png and results.json
  --layers    comma-separated layer names (default: every conv, relu, pool, concat, linear... layer)
  --no-decoder  skip the trained decoder's comparison (default model only: weights/inverter-${DEFAULT_DECODER_LAYER})
${SHARED_USAGE}
`;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const safeName = (layer: string) => layer.replace(/[^A-Za-z0-9_.-]/g, '_');

interface DecoderRow {
  layer: string;
  decoder: DecoderInversion;
  optimization: LayerReconstruction;
}

function page(title: string, original: string, results: LayerReconstruction[], plot: string, decoder: DecoderRow | null, settings: string): string {
  const cells = results
    .map((r) => {
      const picture = r.rgba ? `<img src="layer-${escape(safeName(r.layer))}.png" alt="${escape(r.layer)}">` : '<div class="missing">—</div>';
      const caption = r.error ? `<span class="err">${escape(r.error)}</span>` : `error ${r.relativeError!.toFixed(3)}<br>${r.seconds!.toFixed(1)} s`;
      return `<figure>${picture}<figcaption><b>${escape(r.layer)}</b><br>${caption}</figcaption></figure>`;
    })
    .join('\n');
  const comparison = decoder
    ? `<h2>Trained decoder vs optimization at ${escape(decoder.layer)}</h2>
<p>Dosovitskiy &amp; Brox's up-convolutional decoder (weights/inverter-${escape(decoder.layer)}, trained by <code>npm run train-inverter</code>) reconstructs in one forward pass; the optimization takes its steps. Error is ||Phi(x) - Phi_0|| / ||Phi_0|| at the layer for both.</p>
<div class="row">
<figure><img src="original.png" alt="original"><figcaption>original</figcaption></figure>
<figure><img src="decoder-${escape(safeName(decoder.layer))}.png" alt="decoder"><figcaption><b>decoder</b><br>error ${decoder.decoder.relativeError.toFixed(3)}<br>${(decoder.decoder.seconds * 1000).toFixed(0)} ms</figcaption></figure>
<figure><img src="layer-${escape(safeName(decoder.layer))}.png" alt="optimization"><figcaption><b>optimization</b><br>error ${decoder.optimization.relativeError!.toFixed(3)}<br>${decoder.optimization.seconds!.toFixed(1)} s</figcaption></figure>
</div>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
figure { margin: 0; text-align: center; font-size: 12px; width: 140px; }
figure img { width: 128px; height: 128px; image-rendering: pixelated; border: 1px solid #ccc; }
.missing { width: 128px; height: 128px; border: 1px dashed #ccc; line-height: 128px; }
.err { color: #a33; }
</style></head><body>
<h1>${escape(title)}</h1>
<p>Mahendran &amp; Vedaldi (2015): the image whose representation at each layer best matches the original's, from random noise, with the alpha-norm and TV priors. ${escape(settings)}</p>
<div class="row">
<figure><img src="${original}" alt="original"><figcaption><b>original</b></figcaption></figure>
${cells}
</div>
<h2>Error against depth</h2>
${plot}
${comparison}
</body></html>
`;
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('invert-all-layers', usage, args, { ...SHARED_OPTIONS, out: { type: 'string' }, layers: { type: 'string' }, 'no-decoder': { type: 'boolean' } });
  if (!opts) return;
  const outDir = required('invert-all-layers', 'out', opts.out);
  const flags = inversionFlags('invert-all-layers', opts);
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const engine = await createEngine();
  try {
    const { model, x, original, imageName } = await modelAndImage(engine, 'invert-all-layers', opts);
    const layers = opts.layers ? opts.layers.split(',').map((s) => s.trim()).filter(Boolean) : invertibleLayers(model);
    for (const layer of layers) model.layerShape(layer); // a wrong name fails here, listing the layers
    fs.mkdirSync(outDir, { recursive: true });
    await writePng(path.join(outDir, 'original.png'), original);
    const steps = flags.steps!;
    const bar = new ProgressBar(layers.length * steps);
    const results = await invertEveryLayer(model, x, {
      ...flags,
      layers,
      onProgress: ({ layer, index, count, step }) => bar.update(index * steps + step, `layer ${index + 1}/${count} ${layer}`),
      onLayer: async (r) => {
        if (r.rgba) await writePng(path.join(outDir, `layer-${safeName(r.layer)}.png`), r.rgba);
      },
    });
    bar.done();

    let decoderRow: DecoderRow | null = null;
    const decoderLayer = DEFAULT_DECODER_LAYER;
    const optimized = results.find((r) => r.layer === decoderLayer && r.rgba);
    if (!opts['no-decoder'] && model.spec.name === DEFAULT_MODEL_NAME && optimized) {
      try {
        const decoder = await loadDefaultDecoder(engine, decoderLayer);
        const d = await invertWithDecoder(model, decoder, x);
        await writePng(path.join(outDir, `decoder-${safeName(decoderLayer)}.png`), d.rgba);
        d.image.dispose();
        decoder.dispose();
        decoderRow = { layer: decoderLayer, decoder: d, optimization: optimized };
        console.log(`${decoderLayer}: decoder error ${d.relativeError.toFixed(3)} in ${(d.seconds * 1000).toFixed(0)} ms; optimization ${optimized.relativeError!.toFixed(3)} in ${optimized.seconds!.toFixed(1)} s`);
      } catch (e) {
        console.error(`(no decoder comparison: ${(e as Error).message})`);
      }
    }

    // The row: the original, then each layer's reconstruction (blank where a layer failed).
    const blank: RgbaImage = { width: original.width, height: original.height, data: new Uint8ClampedArray(original.width * original.height * 4).fill(255) };
    const scale = Math.max(1, Math.floor(128 / original.width));
    await writePng(path.join(outDir, 'reconstructions.png'), imageGrid([original, ...results.map((r) => r.rgba ?? blank)], results.length + 1, 4, scale));
    const inverted = results.filter((r) => r.relativeError !== undefined);
    const plot = linePlotSvg([{ label: 'relative error ||Phi(x*) - Phi_0|| / ||Phi_0||', values: results.map((r) => r.relativeError ?? NaN) }], {
      title: `${model.spec.name}: reconstruction error by layer (${inverted.map((r) => r.layer).join(', ').slice(0, 80)}${inverted.length > 6 ? '…' : ''})`,
      xLabel: 'layer (position among the inverted layers)',
      yLabel: 'relative error',
    });
    writeFileAtomicSync(path.join(outDir, 'error-vs-depth.svg'), plot);
    const settings = `Image ${imageName}; ${steps} steps, seed ${flags.seed}, jitter ${flags.jitter}; B = ${'B' in flags ? flags.B : "the image's mean pixel norm"}.`;
    writeFileAtomicSync(path.join(outDir, 'index.html'), page(`${model.spec.name}: inversion from every layer`, 'original.png', results, plot, decoderRow, settings));
    const json = {
      model: model.spec.name,
      image: imageName,
      options: flags,
      layers: results.map((r) => ({ layer: r.layer, depth: r.depth, relativeError: r.relativeError, seconds: r.seconds, error: r.error })),
      decoder: decoderRow && { layer: decoderRow.layer, relativeError: decoderRow.decoder.relativeError, seconds: decoderRow.decoder.seconds, optimization: { relativeError: decoderRow.optimization.relativeError, seconds: decoderRow.optimization.seconds } },
    };
    writeFileAtomicSync(path.join(outDir, 'results.json'), JSON.stringify(json, null, 2) + '\n');
    for (const r of results) console.log(`${r.layer.padEnd(14)} ${r.error ? `skipped: ${r.error}` : `error ${r.relativeError!.toFixed(4)}  ${r.seconds!.toFixed(1)} s`}`);
    console.log(`wrote ${path.join(outDir, 'index.html')}, reconstructions.png, error-vs-depth.svg`);
    for (const r of results) r.image?.dispose();
    x.dispose();
    model.dispose();
  } finally {
    engine.destroy();
  }
}

