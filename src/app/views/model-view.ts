// The layer browser: every node of the model with its output shape, units and parameters. A click
// on a layer picks it for the methods (and opens its first unit's page).

import type { Model } from '../../models/model.ts';
import type { AppContext, View } from '../context.ts';
import { el, fill } from '../dom.ts';

/** Weights and biases of a node, counted. */
export function parameterCount(model: Model, layer: string): number {
  let n = 0;
  for (const kind of ['weight', 'bias'] as const) {
    const t = model.weight(layer, kind);
    if (t) n += t.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

/** Layers the methods can look at: those with units (channels or neurons). */
export function unitLayers(model: Model): string[] {
  return model.layers.filter((l) => l.outShape.length === 4 || (l.outShape.length === 2 && l.type !== 'flatten' && l.type !== 'reshape')).map((l) => l.name);
}

export const modelView: View = {
  title: 'Layers',
  summary: 'The network, layer by layer: output shape, units, parameters. Pick a layer to look at its units.',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const [c, h, w] = model.inputShape;
    const total = model.layers.reduce((n, l) => n + parameterCount(model, l.name), 0);
    const pre = model.spec.input.preprocessing;
    const rows = model.layers.map((l) => {
      const params = parameterCount(model, l.name);
      const units = l.outShape[1];
      const selectable = unitLayers(model).includes(l.name);
      const row = el(
        'tr',
        { class: l.name === state.layer ? 'selected' : undefined, 'data-layer': l.name },
        el('td', {}, selectable ? el('button', { type: 'button', class: 'link', onclick: () => ctx.navigate({ layer: l.name, unit: 0, view: 'unit' }) }, l.name) : l.name),
        el('td', {}, l.type),
        el('td', { class: 'num' }, l.outShape.slice(1).join(' × ')),
        el('td', { class: 'num' }, String(units)),
        el('td', { class: 'num' }, params ? params.toLocaleString('en') : ''),
      );
      return row;
    });
    fill(
      root,
      el('p', {}, `${ctx.loaded.name}: input ${c} × ${h} × ${w}, ${model.layers.length} layers, ${total.toLocaleString('en')} parameters.`,
        model.spec.description ? ` ${model.spec.description}` : ''),
      el('p', { class: 'small' }, `Preprocessing: ${pre.channelOrder}, pixels × ${pre.range}/255, mean [${pre.mean.join(', ')}], std [${pre.std.join(', ')}].`,
        model.labels ? ` ${model.labels.length} classes: ${model.labels.slice(0, 12).join(', ')}${model.labels.length > 12 ? ', …' : ''}.` : ''),
      el('div', { class: 'scroll' }, el('table', { class: 'layers' },
        el('thead', {}, el('tr', {}, el('th', {}, 'layer'), el('th', {}, 'type'), el('th', { class: 'num' }, 'output'), el('th', { class: 'num' }, 'units'), el('th', { class: 'num' }, 'parameters'))),
        el('tbody', {}, ...rows))),
    );
  },
};
