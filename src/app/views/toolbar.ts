// Above the views: which layer and unit the methods look at, and the random seed they use.

import type { AppContext } from '../context.ts';
import { unitCount } from '../context.ts';
import { el, field, fill, numberInput, select } from '../dom.ts';
import { unitLayers } from './model-view.ts';

export function renderToolbar(root: HTMLElement, ctx: AppContext): void {
  const { model, state } = ctx;
  const layers = unitLayers(model);
  const layer = select('layer', state.layer, layers.map((l) => [l, `${l} (${model.layerShape(l).slice(1).join('×')})`] as [string, string]));
  layer.id = 'layer';
  layer.addEventListener('change', () => ctx.navigate({ layer: layer.value, unit: 0 }));
  const units = state.layer ? unitCount(model, state.layer) : 1;
  const unit = numberInput('unit', String(state.unit), 0, units - 1);
  unit.id = 'unit';
  unit.addEventListener('change', () => {
    const u = Math.round(Number(unit.value));
    if (Number.isInteger(u) && u >= 0 && u < units) ctx.navigate({ unit: u });
    else unit.value = String(state.unit);
  });
  const seed = numberInput('seed', String(state.seed), 0, 2 ** 31 - 1);
  seed.id = 'seed';
  seed.addEventListener('change', () => {
    const s = Math.round(Number(seed.value));
    if (Number.isInteger(s) && s >= 0) ctx.navigate({ seed: s });
    else seed.value = String(state.seed);
  });
  const label = model.labels && model.layers[model.layers.length - 1]?.name === state.layer ? model.labels[state.unit] : undefined;
  fill(root, field('Layer', layer), field(`Unit (0–${units - 1})`, unit), field('Seed', seed),
    label ? el('span', { class: 'unit-label' }, `class “${label}”`) : null);
}
