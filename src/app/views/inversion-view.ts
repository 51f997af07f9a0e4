// Network inversion (Mahendran & Vedaldi 2015): reconstruct the current image from its
// representation at the chosen layer, from noise, by gradient descent on the normalized distance
// plus the alpha-norm and total-variation priors. The loss curve is drawn as it runs; the
// normalized reconstruction error says how much of the image the layer keeps.

import { rgbToRgba } from '../../data/image.ts';
import { invertRepresentation } from '../../methods/inversion/regularized.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, figure, fill, pictureCanvas } from '../dom.ts';
import { inputTensor } from '../images.ts';
import { curveCanvas, drawCurve } from '../plot.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';

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
      try {
        const result = await invertRepresentation(model, x, {
          layer: state.layer,
          steps,
          seed: state.seed,
          tvWeight: form.number('tv'),
          alphaWeight: form.number('alphaWeight'),
          jitter: form.number('jitter'),
          signal: control.signal,
          onStep: ({ step, values }) => {
            losses.push(values[0]);
            drawCurve(curve, losses, `${state.layer}: loss per step`);
            control.progress(step + 1, steps, `step ${step + 1} of ${steps}, loss ${values[0].toPrecision(3)}`);
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
      el('div', { class: 'figures' }, curve, results),
      facts,
      downloadButtons(ctx, 'inversion', () => output, () => ({ ...form.all(), ...used })));
  },
};
