// Occlusion sensitivity (Zeiler & Fergus 2014, section 4.2): a grey square slid over the current
// image; the map shows the target's score (a class's probability, or the unit's activation) with
// the square at each position, and which class the network sees there. Low where the network
// relied on what the square hid.

import { rgbToRgba, type RgbaImage } from '../../data/image.ts';
import { occlusion, type OcclusionResult } from '../../methods/deconvnet/index.ts';
import { heatOverlay } from '../../viz/overlay.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, figure, fill, pictureCanvas } from '../dom.ts';
import { inputTensor } from '../images.ts';
import { abortError } from '../results.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';

/** Distinct colours for the class map (cycled for models with many classes). */
const PALETTE: [number, number, number][] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [170, 110, 40],
];

function classMap(result: OcclusionResult): RgbaImage {
  const data = new Uint8ClampedArray(result.rows * result.cols * 4);
  result.topClass.forEach((c, i) => data.set([...PALETTE[c % PALETTE.length], 255], 4 * i));
  return { width: result.cols, height: result.rows, data };
}

/** A class name after a square of its colour in the class map (styled through the CSSOM: the CSP forbids style attributes). */
function swatch(c: number, text: string): HTMLElement {
  const node = el('span', { class: 'swatch' }, text);
  node.style.borderLeftColor = `rgb(${PALETTE[c % PALETTE.length].join(', ')})`;
  return node;
}

export const occlusionView: View = {
  title: 'Occlusion',
  summary: 'Zeiler & Fergus 2014, §4.2: slide a grey square over the image; where the score drops, the network relied on what the square hid.',
  render(ctx: AppContext, root: HTMLElement) {
    const { model, state } = ctx;
    const [, h] = model.inputShape;
    const labels = model.labels ?? [];
    const classes = model.layerShape(model.spec.output)[1];
    const form = optionsForm(ctx, 'occlusion', [
      { name: 'target', label: 'Score', kind: 'select', value: 'predicted', choices: [['predicted', 'probability of the predicted class'], ['unit', 'the chosen unit’s activation'],
        ...Array.from({ length: classes }, (_, i) => [String(i), `probability of “${labels[i] ?? `class ${i}`}”`] as [string, string])] },
      { name: 'size', label: 'Square (px)', kind: 'number', value: Math.max(1, Math.round(h / 4)), min: 1, max: h },
      { name: 'stride', label: 'Stride (px)', kind: 'number', value: Math.max(1, Math.round(h / 8)), min: 1, max: h },
    ]);
    const results = el('div', { class: 'figures', id: 'occlusion-results' });
    const facts = el('p', { class: 'small', id: 'occlusion-facts' });
    let overlay: HTMLCanvasElement | null = null;

    const run = async (control: TaskControl) => {
      const x = inputTensor(model, ctx.image);
      try {
        let target: number | { layer: string; unit: number };
        const choice = form.text('target');
        if (choice === 'unit') target = { layer: state.layer, unit: state.unit };
        else if (choice === 'predicted') {
          const outputs = await model.forward(x);
          const logits = (await outputs.get(model.spec.output)!.read()) as Float32Array;
          for (const t of outputs.values()) t.dispose();
          target = logits.indexOf(Math.max(...logits));
        } else target = Number(choice);
        // occlusion() takes no AbortSignal: Cancel stops it at its next progress report.
        const result = await occlusion(model, x, {
          target,
          size: form.number('size'),
          stride: form.number('stride'),
          onProgress: (done, total) => {
            if (control.signal.aborted) throw abortError();
            control.progress(done, total, `${done} of ${total} positions`);
          },
        });
        const picture = rgbToRgba(ctx.image.picture);
        overlay = pictureCanvas(heatOverlay(picture, result.scores, result.cols, result.rows, 0.6), 'occlusion map', 'picture large');
        overlay.id = 'occlusion-map';
        const name = (c: number) => labels[c] ?? `class ${c}`;
        const present = [...new Set(result.topClass)].sort((a, b) => a - b);
        fill(results,
          figure(picture, ctx.image.name, 'picture large'),
          el('figure', {}, overlay, el('figcaption', {}, `score with the square at each position (${result.rows}×${result.cols}; dark: hiding that place lowers it most)`)),
          el('figure', {}, pictureCanvas(classMap(result), 'most probable class', 'picture large'),
            el('figcaption', {}, 'most probable class: ', ...present.map((c) => swatch(c, name(c))))));
        let lo = Infinity;
        result.scores.forEach((s) => (lo = Math.min(lo, s)));
        const what = typeof target === 'number' ? `P(${name(target)})` : `${state.layer} unit ${state.unit}`;
        facts.textContent = `${what}: ${result.baseline.toFixed(3)} on the whole image, down to ${lo.toFixed(3)} with the square at the most important place. Unoccluded, the network sees “${name(result.baselineClass)}”.`;
      } finally {
        x.dispose();
      }
    };

    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Occlude', 'occlusion', run)),
      results,
      facts,
      downloadButtons(ctx, 'occlusion', () => overlay, () => form.all()));
  },
};
