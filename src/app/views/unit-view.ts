// A unit's page: the four methods brought together for one unit. Its response to the current
// image (the map, where it stands in its layer) and the DeconvNet projection of it; the images
// that maximize it (AM, several seeds); its top-9 patches over the sample set with their
// projections; and its dissection label, IoU and top images with the unit's mask over them.

import { rgbToRgba, type RgbaImage } from '../../data/image.ts';
import { deconvnet } from '../../methods/deconvnet/index.ts';
import { heatMap, signedImage } from '../../viz/pictures.ts';
import { layerResponse, rankOf } from '../activations.ts';
import { type AppContext, type View } from '../context.ts';
import { el, figure, fill } from '../dom.ts';
import { inputTensor } from '../images.ts';
import { currentDissection, dissectionLabels, runDissection } from '../results.ts';
import { setting } from '../state.ts';
import type { TaskControl } from '../task.ts';
import { dissectableLayers } from './dissection-view.ts';
import { unitMaskPictures } from './unit-masks.ts';
import { UNIT_SECTIONS } from './unit-sections.ts';

async function responseSection(ctx: AppContext, root: HTMLElement): Promise<void> {
  const { model, state } = ctx;
  const x = inputTensor(model, ctx.image);
  try {
    const response = await layerResponse(model, x, state.layer, state.unit);
    const projection = await deconvnet(model, x, { layer: state.layer, unit: state.unit });
    const values = (await projection.read()) as Float32Array;
    projection.dispose();
    const rank = rankOf(response.means, state.unit);
    fill(root,
      el('h3', {}, 'Response to the current image'),
      el('p', { class: 'small', id: 'unit-response' }, `Mean activation ${response.means[state.unit].toFixed(3)}: rank ${rank} of ${response.means.length} units of ${state.layer} on “${ctx.image.name}”.`),
      el('div', { class: 'figures' },
        figure(rgbToRgba(ctx.image.picture), ctx.image.name),
        figure(heatMap(response.map, response.cols, response.rows), `activation map ${response.rows}×${response.cols}`),
        figure(signedImage(values, [1, ...model.inputShape]), 'DeconvNet projection')));
  } finally {
    x.dispose();
  }
}

function dissectionSection(ctx: AppContext, root: HTMLElement): void {
  const { model, state } = ctx;
  const run = currentDissection(model);
  const li = run ? run.layers.indexOf(state.layer) : -1;
  const count = Math.max(8, Math.min(5000, Math.round(Number(setting(state, 'dissection', 'images', '100'))) || 100));
  const dissect = async (control: TaskControl) => {
    await runDissection(model, control, count, [state.layer], Number(setting(state, 'dissection', 'quantile', '0.005')));
    dissectionSection(ctx, root);
  };
  if (!run || li < 0) {
    const canDissect = dissectableLayers(ctx).includes(state.layer);
    fill(root, el('h3', {}, 'Dissection'),
      el('p', { class: 'small' }, canDissect ? `No dissection of ${state.layer} yet.` : `${state.layer} is not a convolution: dissection labels convolution units.`),
      canDissect ? el('button', { type: 'button', id: 'unit-dissect', onclick: () => void ctx.tasks.run('dissecting', dissect) }, `Dissect ${state.layer} (${count} concept images)`) : null);
    return;
  }
  const result = dissectionLabels(run, Number(setting(state, 'dissection', 'iou', '0.04')));
  const unit = result.units.find((u) => u.layer === state.layer && u.unit === state.unit)!;
  const top = run.tally.layers[li].top[state.unit] ?? [];
  const masks = el('div', { class: 'figures', id: 'unit-masks' });
  fill(root, el('h3', {}, 'Dissection'),
    el('p', { id: 'unit-label' }, unit.dead ? 'Dead: the unit is the same everywhere in the concept set.'
      : unit.label ? `Detector of “${unit.label}” (${unit.category}), IoU ${unit.iou.toFixed(3)}.`
        : `Not a detector at IoU threshold ${result.iouThreshold}: best concept “${unit.best?.label}”, IoU ${unit.iou.toFixed(3)}.`),
    el('p', { class: 'small' }, `Over ${result.images} concept images; top quantile ${result.quantile}; the unit's threshold ${unit.threshold.toPrecision(3)}. Its top images with its mask (activation ≥ threshold, upsampled bilinearly):`),
    masks);
  void unitMaskPictures(model, run, state.layer, state.unit, top.map((t) => t.image)).then((pictures: { picture: RgbaImage; caption: string }[]) =>
    fill(masks, ...pictures.map((p) => figure(p.picture, p.caption, 'tile'))));
}

export const unitView: View = {
  title: 'Unit page',
  summary: 'One unit, four methods: its response and projection on the image, the images that maximize it, its strongest activations over the samples, and its dissection label.',
  render(ctx: AppContext, root: HTMLElement) {
    const { state, model } = ctx;
    const label = model.labels && state.layer === model.spec.output ? ` — class “${model.labels[state.unit]}”` : '';
    const response = el('section', { class: 'section', id: 'unit-response-section' });
    const extra = UNIT_SECTIONS.map((s) => {
      const node = el('section', { class: 'section', id: `unit-${s.id}` });
      s.render(ctx, node);
      return node;
    });
    const dissection = el('section', { class: 'section', id: 'unit-dissection' });
    fill(root, el('h2', { id: 'unit-title' }, `${state.layer} unit ${state.unit}${label}`), response, ...extra, dissection);
    dissectionSection(ctx, dissection);
    void ctx.tasks.run('the unit’s response', () => responseSection(ctx, response));
  },
};
