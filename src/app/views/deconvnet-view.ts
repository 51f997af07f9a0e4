// DeconvNet (Zeiler & Fergus 2014) and its two siblings, guided backpropagation and the plain
// gradient: the chosen unit's activation map on the current image (click a position to project
// that one activation; otherwise the whole map is projected), and the projection in pixel space.

import { rgbToRgba, type RgbaImage } from '../../data/image.ts';
import { deconvnet } from '../../methods/deconvnet/index.ts';
import { heatMap, signedImage } from '../../viz/pictures.ts';
import { layerResponse, rankOf } from '../activations.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, figure, fill, pictureCanvas } from '../dom.ts';
import { inputTensor } from '../images.ts';
import { setting } from '../state.ts';
import { optionsForm, runButton } from './panel.ts';

const MODES: [string, string][] = [
  ['deconvnet', 'DeconvNet (rectify the signal)'],
  ['guided', 'guided backpropagation'],
  ['gradient', 'gradient (saliency)'],
];

/** 'r,c' in the URL -> [r, c], or undefined for the whole map. */
function parsePosition(text: string): [number, number] | undefined {
  const m = /^(\d+),(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The activation map as a heat picture, the chosen position marked in blue. */
function mapPicture(map: Float32Array, rows: number, cols: number, position?: [number, number]): RgbaImage {
  const picture = heatMap(map, cols, rows);
  if (position) {
    const i = 4 * (position[0] * cols + position[1]);
    picture.data.set([40, 120, 255, 255], i);
  }
  return picture;
}

export const deconvnetView: View = {
  title: 'DeconvNet',
  summary: 'Zeiler & Fergus 2014: project the unit’s activations back to the pixels that caused them (unpool by the switches, rectify, transposed filters). Click the activation map to project one position.',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const form = optionsForm(ctx, 'deconvnet', [{ name: 'mode', label: 'Backward rule at ReLU', kind: 'select', value: 'deconvnet', choices: MODES }]);
    const results = el('div', { class: 'figures', id: 'deconvnet-results' });
    const facts = el('p', { class: 'small', id: 'deconvnet-facts' });
    let projectionCanvas: HTMLCanvasElement | null = null;
    const position = () => parsePosition(setting(ctx.state, 'deconvnet', 'position', ''));

    const project = async () => {
      const x = inputTensor(model, ctx.image);
      try {
        const response = await layerResponse(model, x, state.layer, state.unit);
        const pos = response.rows * response.cols > 1 ? position() : undefined;
        const inRange = pos && pos[0] < response.rows && pos[1] < response.cols ? pos : undefined;
        const projection = await deconvnet(model, x, { layer: state.layer, unit: state.unit, position: inRange, mode: form.text('mode') as 'deconvnet' });
        let values: Float32Array;
        try {
          values = (await projection.read()) as Float32Array;
        } finally {
          projection.dispose();
        }
        const map = pictureCanvas(mapPicture(response.map, response.rows, response.cols, inRange), 'activation map', 'picture clickable');
        map.id = 'activation-map';
        map.addEventListener('click', (e) => {
          const box = map.getBoundingClientRect();
          const r = Math.min(response.rows - 1, Math.floor(((e.clientY - box.top) / box.height) * response.rows));
          const c = Math.min(response.cols - 1, Math.floor(((e.clientX - box.left) / box.width) * response.cols));
          ctx.remember('deconvnet', 'position', `${r},${c}`);
          void ctx.tasks.run('projecting', project);
        });
        projectionCanvas = pictureCanvas(signedImage(values, [1, ...model.inputShape]), 'projection', 'picture');
        projectionCanvas.id = 'projection';
        let max = -Infinity;
        let at = 0;
        response.map.forEach((v, i) => v > max && ((max = v), (at = i)));
        fill(results,
          figure(rgbToRgba(ctx.image.picture), ctx.image.name),
          el('figure', {}, map, el('figcaption', {}, `${state.layer} unit ${state.unit}: ${response.rows}×${response.cols} map${inRange ? `, position ${inRange.join(', ')}` : ''}`)),
          el('figure', {}, projectionCanvas, el('figcaption', {}, `projection (${form.text('mode')}) of ${inRange ? `position ${inRange.join(', ')}` : 'the whole map'}`)));
        facts.textContent = `Mean activation ${response.means[state.unit].toFixed(3)} (rank ${rankOf(response.means, state.unit)} of ${response.means.length} units on this image); maximum ${max.toFixed(3)} at ${Math.floor(at / response.cols)}, ${at % response.cols}.`;
      } finally {
        x.dispose();
      }
    };

    const whole = el('button', { type: 'button', onclick: () => (ctx.remember('deconvnet', 'position', ''), void ctx.tasks.run('projecting', project)) }, 'Whole map');
    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Project', 'projecting', project), whole),
      results,
      facts,
      downloadButtons(ctx, 'deconvnet', () => projectionCanvas, () => ({ ...form.all(), position: position() ?? 'whole map' })));
    void ctx.tasks.run('projecting', project);
  },
};
