// Network Dissection (Bau et al. 2017) over a concept set generated in the page: per layer the
// detectors by category, per unit its label and IoU. The IoU threshold slider relabels from the
// stored counts without running the network; a new quantile re-runs only the tally.

import type { DissectionResult } from '../../methods/dissection/index.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, field, fill } from '../dom.ts';
import { barChart } from '../plot.ts';
import { currentDissection, dissectionLabels, runDissection } from '../results.ts';
import { setting } from '../state.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';

export const QUANTILES = ['0.005', '0.01', '0.02', '0.05'];

/** Layers with a spatial map that dissection can label: the convolutions. */
export function dissectableLayers(ctx: AppContext): string[] {
  return ctx.model.layers.filter((l) => l.type === 'conv' && l.outShape.length === 4).map((l) => l.name);
}

function report(ctx: AppContext, result: DissectionResult): HTMLElement {
  const root = el('div', { id: 'dissection-report' });
  root.append(el('p', { class: 'small' }, `${result.images} concept images, top quantile ${result.quantile}, IoU threshold ${result.iouThreshold.toFixed(3)}.`));
  for (const layer of result.layers) {
    const categories = Object.entries(layer.byCategory);
    root.append(
      el('h3', {}, `${layer.layer}: ${layer.detectors} of ${layer.units} units are detectors, ${layer.uniqueConcepts} distinct concepts`),
      barChart(categories.map(([name, c]) => ({ label: name, value: c.detectors, text: `${c.detectors} (${c.unique} distinct)` })), Math.max(1, layer.units)),
    );
    const units = result.units.filter((u) => u.layer === layer.layer).sort((a, b) => b.iou - a.iou);
    const rows = units.map((u) =>
      el('tr', { 'data-unit': `${u.layer}/${u.unit}`, class: u.label ? 'detector' : undefined },
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => ctx.navigate({ layer: u.layer, unit: u.unit, view: 'unit' }) }, `${u.layer} ${u.unit}`)),
        el('td', { class: 'label' }, u.dead ? '(dead)' : u.label ?? '—'),
        el('td', {}, u.category ?? ''),
        el('td', { class: 'num' }, u.iou.toFixed(3)),
        el('td', { class: 'small' }, u.best && !u.label ? `best: ${u.best.label}` : u.runnersUp.map((r) => `${r.label} ${r.iou.toFixed(2)}`).join(', '))));
    root.append(el('details', { open: result.layers.length === 1 },
      el('summary', {}, `${layer.layer}: units by IoU`),
      el('div', { class: 'scroll' }, el('table', { class: 'units' },
        el('thead', {}, el('tr', {}, el('th', {}, 'unit'), el('th', {}, 'label'), el('th', {}, 'category'), el('th', { class: 'num' }, 'IoU'), el('th', {}, 'next concepts'))),
        el('tbody', {}, ...rows)))));
  }
  return root;
}

export const dissectionView: View = {
  title: 'Dissection',
  summary: 'Bau et al. 2017: threshold each unit at its top quantile, compare its upsampled mask with concept masks (IoU), and label it with the best concept.',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const layers = dissectableLayers(ctx);
    if (!layers.length) {
      fill(root, el('p', { class: 'note' }, 'This model has no convolution with a spatial map to dissect.'));
      return;
    }
    const form = optionsForm(ctx, 'dissection', [
      { name: 'images', label: 'Concept images', kind: 'number', value: 200, min: 8, max: 5000, hint: 'generated in the page, with pixel masks for colours, shapes and parts' },
      { name: 'layers', label: 'Layers', kind: 'select', value: 'current', choices: [['current', 'the chosen layer'], ['all', `all convolutions (${layers.length})`]] },
      { name: 'quantile', label: 'Top quantile', kind: 'select', value: '0.005', choices: QUANTILES },
    ]);
    const threshold = el('input', { type: 'range', id: 'iou-threshold', min: 0, max: 0.2, step: 0.005, value: setting(state, 'dissection', 'iou', '0.04') });
    const thresholdText = el('output', { id: 'iou-value' }, Number(threshold.value).toFixed(3));
    const out = el('div', { id: 'dissection-out' });
    let result: DissectionResult | null = null;

    const show = () => {
      const run = currentDissection(model);
      if (!run) {
        fill(out, el('p', { class: 'small' }, 'No dissection yet: press Dissect (a few seconds per hundred images on a GPU; slower on a CPU).'));
        return;
      }
      result = dissectionLabels(run, Number(threshold.value));
      fill(out, report(ctx, result));
    };
    threshold.addEventListener('input', () => {
      thresholdText.textContent = Number(threshold.value).toFixed(3);
      show();
    });
    threshold.addEventListener('change', () => ctx.remember('dissection', 'iou', threshold.value));

    const chosenLayers = () => (form.text('layers') === 'all' ? layers : layers.includes(state.layer) ? [state.layer] : [layers[0]]);
    const dissect = async (control: TaskControl) => {
      await runDissection(model, control, form.number('images'), chosenLayers(), Number(form.text('quantile')));
      show();
    };
    // A new quantile re-runs the tally only (the histograms are kept), when there is a dissection.
    form.root.querySelector('select[name=quantile]')!.addEventListener('change', () => {
      if (currentDissection(model)) void ctx.tasks.run('dissecting', dissect);
    });

    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Dissect', 'dissecting', dissect)),
      el('div', { class: 'row' }, field('IoU threshold', threshold), thresholdText),
      out,
      downloadButtons(ctx, 'dissection', null, () => ({ ...form.all(), iouThreshold: Number(threshold.value), units: result?.units.map(({ layer, unit, label, category, iou }) => ({ layer, unit, label, category, iou })) })));
    show();
  },
};
