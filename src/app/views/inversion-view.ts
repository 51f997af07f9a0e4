// Network inversion (Mahendran & Vedaldi 2015): reconstruct the current image from its
// representation at the chosen layer, from noise, by gradient descent on the normalized distance
// plus the alpha-norm and total-variation priors. The loss curve is drawn as it runs; the
// normalized reconstruction error says how much of the image the layer keeps.

import { rgbToRgba } from '../../data/image.ts';
import { invertRepresentation } from '../../methods/inversion/regularized.ts';
import { buildModel, type Model } from '../../models/model.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, figure, fill, messageOf, pictureCanvas } from '../dom.ts';
import { inputTensor } from '../images.ts';
import { modelFromFiles, readDroppedFiles } from '../model-files.ts';
import { curveCanvas, drawCurve } from '../plot.ts';
import { liveImage } from '../live.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';

/** A trained decoder the user opened (npm run train-inverter writes one), for the model it was opened with. */
let decoder: { model: Model; decoder: Model; name: string } | null = null;

/** Dosovitskiy & Brox 2016: one pass through a trained up-convolutional decoder, beside the optimization. */
function decoderRow(ctx: AppContext, results: HTMLElement, facts: HTMLElement): HTMLElement {
  const { model } = ctx;
  const current = decoder?.model === model ? decoder : null;
  const input = el('input', { type: 'file', id: 'decoder-file', multiple: true, accept: '.json,.safetensors' });
  const status = el('span', { class: 'small', id: 'decoder-name' }, current ? `decoder: ${current.name}` : ctx.state.model === 'default' ? 'the shipped decoder (pool2) is used' : 'no decoder open');
  input.addEventListener('change', async () => {
    try {
      const read = await modelFromFiles(await readDroppedFiles(input.files ?? []));
      const built = await buildModel(model.engine, read.spec, read.weights);
      decoder?.decoder.dispose();
      decoder = { model, decoder: built, name: read.name };
      status.textContent = `decoder: ${read.name}`;
      decode.disabled = false;
    } catch (e) {
      ctx.showError(`The decoder could not be loaded: ${messageOf(e)}`);
    }
    input.value = '';
  });
  // The default model comes with a decoder (weights/inverter-pool2.*, bundled like the model).
  const shipped = ctx.state.model === 'default';
  const decode = el('button', { type: 'button', disabled: !current && !shipped }, 'Decode');
  decode.addEventListener('click', () => void ctx.tasks.run('decoding', async () => {
    // Loaded on first use: the decoder's module also holds its trainer, which the page never runs.
    const { invertWithDecoder, loadDefaultDecoder } = await import('../../methods/inversion/decoder.ts');
    if ((!decoder || decoder.model !== model) && shipped) {
      decoder?.decoder.dispose();
      decoder = { model, decoder: await loadDefaultDecoder(model.engine), name: 'the shipped decoder (pool2)' };
      status.textContent = `decoder: ${decoder.name}`;
    }
    if (!decoder || decoder.model !== model) throw new Error('open a decoder first (its .json and .safetensors)');
    const x = inputTensor(model, ctx.image);
    try {
      const result = await invertWithDecoder(model, decoder.decoder, x);
      result.image.dispose();
      const canvas = pictureCanvas(result.rgba, 'decoder reconstruction', 'picture large');
      canvas.id = 'decoder-image';
      results.append(el('figure', {}, canvas, el('figcaption', {}, `trained decoder from ${result.layer}`)));
      facts.textContent = `${facts.textContent ?? ''} Trained decoder from ${result.layer}: normalized error ${result.relativeError.toFixed(3)} in one pass (${(result.seconds * 1000).toFixed(0)} ms).`.trim();
    } finally {
      x.dispose();
    }
  }));
  return el('div', { class: 'row' }, el('span', { class: 'small' }, 'Trained decoder (Dosovitskiy & Brox 2016):'),
    el('label', { class: 'button', for: 'decoder-file' }, 'Open decoder…'), input, decode, status);
}

export const inversionView: View = {
  title: 'Inversion',
  summary: 'Mahendran & Vedaldi 2015: the image whose representation at this layer matches the current image’s, found from noise with alpha-norm and total-variation priors. Deeper layers keep less of the picture.',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const form = optionsForm(ctx, 'inversion', [
      { name: 'steps', label: 'Steps', kind: 'number', value: 200, min: 1, max: 5000 },
      { name: 'tv', label: 'TV weight λ_TV', kind: 'number', value: 0.001, min: 0, max: 10, step: 'any' },
      { name: 'alphaWeight', label: 'α-norm weight λ_α', kind: 'number', value: 0.001, min: 0, max: 10, step: 'any' },
      { name: 'jitter', label: 'Jitter (px)', kind: 'number', value: 0, min: 0, max: 32 },
    ]);
    const curve = curveCanvas();
    curve.id = 'inversion-curve';
    const results = el('div', { class: 'figures', id: 'inversion-results' });
    const facts = el('p', { class: 'small', id: 'inversion-facts' });
    let output: HTMLCanvasElement | null = null;
    let used: Record<string, unknown> = {};

    const run = async (control: TaskControl) => {
      const steps = form.number('steps');
      const losses: number[] = [];
      drawCurve(curve, losses, `${state.layer}: loss per step`);
      const x = inputTensor(model, ctx.image);
      const live = liveImage(model, results, 'the reconstruction so far');
      try {
        const result = await invertRepresentation(model, x, {
          layer: state.layer,
          steps,
          seed: state.seed,
          tvWeight: form.number('tv'),
          alphaWeight: form.number('alphaWeight'),
          jitter: form.number('jitter'),
          signal: control.signal,
          onStep: async (info) => {
            const { step, values } = info;
            losses.push(values[0]);
            drawCurve(curve, losses, `${state.layer}: loss per step`);
            control.progress(step + 1, steps, `step ${step + 1} of ${steps}, loss ${values[0].toPrecision(3)}`);
            await live(info);
          },
        });
        result.image.dispose();
        used = { B: result.B, learningRate: result.learningRate, relativeError: result.relativeError };
        output = pictureCanvas(result.rgba, 'reconstruction', 'picture large');
        output.id = 'inversion-image';
        fill(results, figure(rgbToRgba(ctx.image.picture), ctx.image.name, 'picture large'), el('figure', {}, output, el('figcaption', {}, `from ${state.layer}`)));
        facts.textContent = `Normalized reconstruction error ‖Φ(x*) − Φ₀‖ / ‖Φ₀‖ = ${result.relativeError.toFixed(3)} after ${steps} steps (${result.seconds.toFixed(1)} s).`;
      } finally {
        x.dispose();
      }
    };

    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Invert', 'inversion', run)),
      decoderRow(ctx, results, facts),
      el('div', { class: 'figures' }, curve, results),
      facts,
      downloadButtons(ctx, 'inversion', () => output, () => ({ ...form.all(), ...used })));
  },
};
