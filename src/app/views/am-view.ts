// Activation Maximization (Erhan et al. 2009; Simonyan et al. 2014; Yosinski et al. 2015; Olah et
// al. 2017): gradient ascent on the image from noise, with Yosinski's regularization presets, the
// pixel or Fourier parameterization, jitter, random rotation and restarts. The objective curve is drawn as it runs;
// the result is compared with the unit's highest activation over the sample images (Erhan's check).

import { activationMaximization, highestActivation, mainObjective, PRESET_NAMES, YOSINSKI_PRESETS } from '../../methods/activation-maximization/index.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, figure, fill, pictureCanvas } from '../dom.ts';
import { SAMPLE_COUNT, sampleSet } from '../images.ts';
import { curveCanvas, drawCurve } from '../plot.ts';
import { liveImage } from '../live.ts';
import { setting } from '../state.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';
import type { UnitSection } from './unit-sections.ts';

const PRESETS: [string, string][] = PRESET_NAMES.filter((p) => p === 'none' || p in YOSINSKI_PRESETS).map((p) => {
  if (p === 'none') return [p, 'none'];
  const r = YOSINSKI_PRESETS[p as keyof typeof YOSINSKI_PRESETS];
  return [p, `${p}: decay ${r.decay}, blur ${r.blurWidth}/${r.blurEvery}, norm ${r.normPercentile}%, contrib. ${r.contributionPercentile}%`];
});

export const amView: View = {
  title: 'Activation maximization',
  summary: 'The image that excites the unit most: gradient ascent from noise (Erhan 2009), with Yosinski et al. 2015’s regularizers, jitter, rotation and restarts, in pixels or a decorrelated Fourier basis (Olah et al. 2017).',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const spatial = model.layerShape(state.layer).length === 4;
    const form = optionsForm(ctx, 'am', [
      { name: 'steps', label: 'Steps', kind: 'number', value: 128, min: 1, max: 5000 },
      { name: 'preset', label: 'Regularization (Yosinski et al. Table 1)', kind: 'select', value: 'none', choices: PRESETS },
      { name: 'param', label: 'Parameterization', kind: 'select', value: 'pixels', choices: [['pixels', 'pixels'], ['fourier', 'Fourier (decorrelated)']] },
      { name: 'restarts', label: 'Restarts', kind: 'number', value: 1, min: 1, max: 16 },
      { name: 'keep', label: 'Show', kind: 'select', value: 'best', choices: [['best', 'the best restart'], ['all', 'every restart']] },
      { name: 'jitter', label: 'Jitter (px)', kind: 'number', value: 2, min: 0, max: 32 },
      { name: 'rotate', label: 'Random rotation (± degrees)', kind: 'number', value: 0, min: 0, max: 180 },
      ...(spatial ? [{ name: 'position', label: 'Objective', kind: 'select' as const, value: 'mean', choices: [['mean', 'mean of the map'], ['centre', 'centre position']] as [string, string][] }] : []),
    ]);
    const curve = curveCanvas();
    curve.id = 'am-curve';
    const results = el('div', { class: 'figures', id: 'am-results' });
    const facts = el('p', { class: 'small', id: 'am-facts' });
    let first: HTMLCanvasElement | null = null;
    let settings: Record<string, unknown> = {};

    const run = async (control: TaskControl) => {
      const steps = form.number('steps');
      const trace: number[] = [];
      const position = spatial && form.text('position') === 'centre' ? ('centre' as const) : undefined;
      drawCurve(curve, trace, `${state.layer} unit ${state.unit}: objective per step`);
      const live = liveImage(model, results, 'the image so far');
      const result = await activationMaximization(model, {
        layer: state.layer,
        unit: state.unit,
        position,
        steps,
        seed: state.seed,
        preset: form.text('preset'),
        parameterization: form.text('param') as 'pixels' | 'fourier',
        restarts: form.number('restarts'),
        keep: form.text('keep') as 'best' | 'all',
        jitter: form.number('jitter') || undefined,
        rotate: form.number('rotate') || undefined,
        signal: control.signal,
        onStep: async (info) => {
          const { step, values } = info;
          trace.push(Math.max(...values));
          drawCurve(curve, trace, `${state.layer} unit ${state.unit}: objective per step (best of ${values.length})`);
          control.progress(step + 1, steps, `step ${step + 1} of ${steps}, objective ${trace[trace.length - 1].toFixed(3)}`);
          await live(info);
        },
      });
      result.image.dispose();
      settings = result.settings;
      const canvases = result.rgba.map((picture, i) => {
        const c = pictureCanvas(picture, `AM image ${i}`, 'picture large');
        return el('figure', {}, c, el('figcaption', {}, `activation ${result.activations[i].toFixed(3)}`));
      });
      first = canvases[0].querySelector('canvas');
      if (first) first.id = 'am-image';
      fill(results, ...canvases);
      control.progress(steps, steps, 'comparing with the sample images');
      const objective = mainObjective(model, { layer: state.layer, unit: state.unit, position });
      const best = await highestActivation(model, objective, sampleSet(model, SAMPLE_COUNT));
      const am = result.activation;
      facts.textContent = `Objective ${am.toFixed(3)} on the AM image; the highest over the ${best.images} sample images is ${best.value.toFixed(3)} (${best.name}): ` +
        (am > best.value ? 'the AM image excites the unit more (Erhan et al.’s check passes).' : 'the AM image does not beat them; try more steps or another preset.');
    };

    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Maximize', 'activation maximization', run)),
      el('div', { class: 'figures' }, curve, results),
      facts,
      downloadButtons(ctx, 'am', () => first, () => ({ ...form.all(), library: settings })));
  },
};

/** On the unit page: AM images from several seeds (restarts kept), small and quick. */
export const amUnitSection: UnitSection = {
  id: 'am',
  render(ctx, root) {
    const { model, state } = ctx;
    const images = el('div', { class: 'figures', id: 'unit-am-images' });
    const steps = Math.max(1, Math.min(5000, Math.round(Number(setting(state, 'am', 'steps', '128'))) || 128));
    const seeds = 3;
    const run = async (control: TaskControl) => {
      const result = await activationMaximization(model, {
        layer: state.layer,
        unit: state.unit,
        steps,
        seed: state.seed,
        restarts: seeds,
        keep: 'all',
        preset: setting(state, 'am', 'preset', 'none'),
        parameterization: setting(state, 'am', 'param', 'pixels') === 'fourier' ? 'fourier' : 'pixels',
        jitter: Number(setting(state, 'am', 'jitter', '2')) || undefined,
        rotate: Number(setting(state, 'am', 'rotate', '0')) || undefined,
        signal: control.signal,
        onStep: ({ step }) => control.progress(step + 1, steps, `step ${step + 1} of ${steps}`),
      });
      result.image.dispose();
      fill(images, ...result.rgba.map((p, i) => figure(p, `start ${i + 1}: ${result.activations[i].toFixed(2)}`, 'tile')));
    };
    fill(root, el('h3', {}, 'Images that maximize it'),
      el('p', { class: 'small' }, `Activation maximization from ${seeds} random starts, ${steps} steps, with the AM view’s settings.`),
      el('button', { type: 'button', id: 'unit-am-run', onclick: () => void ctx.tasks.run('activation maximization', run) }, `Maximize (${seeds} starts)`),
      images);
  },
};
