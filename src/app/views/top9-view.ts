// Zeiler & Fergus's top-9: the unit's nine strongest activations over an image set (the generated
// samples, or a folder of the user's pictures), each projected back by DeconvNet beside the patch
// under its receptive field.

import { decodeImageInBrowser } from '../../data/image-browser.ts';
import type { RgbImage } from '../../data/image.ts';
import { memoryImages, type ImageSet } from '../../methods/common/image-set.ts';
import { top9, top9Grid, type Top9Unit } from '../../methods/deconvnet/index.ts';
import { downloadButtons, type AppContext, type View } from '../context.ts';
import { el, fill, messageOf, pictureCanvas } from '../dom.ts';
import { sampleSet } from '../images.ts';
import { abortError } from '../results.ts';
import type { TaskControl } from '../task.ts';
import { optionsForm, runButton } from './panel.ts';
import type { UnitSection } from './unit-sections.ts';

/** Pictures from a folder the user picked, kept while the page is open. */
let folder: { pictures: RgbImage[]; names: string[] } | null = null;

/** Runs top-9 for one unit. top9 takes no AbortSignal: Cancel stops it at its next progress report. */
async function unitTop9(ctx: AppContext, control: TaskControl, set: ImageSet, mode: string): Promise<Top9Unit> {
  const result = await top9(ctx.model, set, {
    layer: ctx.state.layer,
    units: [ctx.state.unit],
    mode: mode as 'deconvnet',
    onProgress: (stage, done, total) => {
      if (control.signal.aborted) throw abortError();
      control.progress(done, total, `${stage === 'mining' ? 'finding the strongest activations' : 'projecting them'}: ${done} of ${total}`);
    },
  });
  return result.units[0];
}

function hitsCaption(unit: Top9Unit): string {
  return unit.hits.map((h, i) => `${i + 1}. ${h.name} (${h.value.toFixed(2)})`).join(' · ');
}

export const top9View: View = {
  title: 'Top 9',
  summary: 'Zeiler & Fergus 2014, Fig. 2: the unit’s nine strongest activations over an image set; left, each one projected back to pixels; right, the image patch under its receptive field.',
  render(ctx: AppContext, root: HTMLElement) {
    const form = optionsForm(ctx, 'top9', [
      { name: 'images', label: 'Sample images', kind: 'number', value: 64, min: 9, max: 5000 },
      { name: 'mode', label: 'Projection', kind: 'select', value: 'deconvnet', choices: ['deconvnet', 'guided', 'gradient'] },
      { name: 'set', label: 'Image set', kind: 'select', value: 'samples', choices: [['samples', 'generated samples'], ['folder', 'my folder']] },
    ]);
    const picker = el('input', { type: 'file', id: 'top9-folder', multiple: true, accept: 'image/*', webkitdirectory: true });
    const folderText = el('span', { class: 'small', id: 'top9-folder-text' }, folder ? `${folder.pictures.length} pictures` : 'no folder picked');
    picker.addEventListener('change', async () => {
      const files = Array.from(picker.files ?? []).filter((f) => f.type.startsWith('image/'));
      const pictures: RgbImage[] = [];
      const names: string[] = [];
      for (const f of files) {
        try {
          pictures.push(await decodeImageInBrowser(f, f.name));
          names.push(f.webkitRelativePath || f.name);
        } catch (e) {
          ctx.showError(messageOf(e));
        }
      }
      folder = pictures.length ? { pictures, names } : null;
      folderText.textContent = folder ? `${pictures.length} pictures` : 'no pictures in that folder';
    });
    const results = el('div', { class: 'figures', id: 'top9-results' });
    let grid: HTMLCanvasElement | null = null;
    const run = async (control: TaskControl) => {
      let set: ImageSet;
      if (form.text('set') === 'folder') {
        if (!folder) throw new Error('pick a folder of pictures first (or choose the generated samples)');
        set = memoryImages(folder.pictures, folder.names);
      } else set = sampleSet(ctx.model, form.number('images'));
      const unit = await unitTop9(ctx, control, set, form.text('mode'));
      grid = pictureCanvas(top9Grid(unit, 3), 'top 9', 'picture top9');
      grid.id = 'top9-grid';
      fill(results, el('figure', {}, grid, el('figcaption', {}, hitsCaption(unit))));
    };
    fill(root,
      el('div', { class: 'row' }, form.root, runButton(ctx, 'Find top 9', 'top 9', run)),
      el('div', { class: 'row' }, el('label', { class: 'button', for: 'top9-folder' }, 'Pick a folder…'), picker, folderText),
      results,
      downloadButtons(ctx, 'top9', () => grid, () => form.all()));
  },
};

/** On the unit page: top-9 over the generated samples. */
export const top9UnitSection: UnitSection = {
  id: 'top9',
  render(ctx, root) {
    const count = Math.max(9, Math.min(5000, Math.round(Number(ctx.state.settings['top9.images'] ?? 64)) || 64));
    const out = el('div', { class: 'figures', id: 'unit-top9' });
    const run = async (control: TaskControl) => {
      const unit = await unitTop9(ctx, control, sampleSet(ctx.model, count), 'deconvnet');
      fill(out, el('figure', {}, pictureCanvas(top9Grid(unit, 3), 'top 9', 'picture top9'), el('figcaption', {}, hitsCaption(unit))));
    };
    fill(root, el('h3', {}, 'Its strongest activations'),
      el('p', { class: 'small' }, `Top 9 over ${count} generated samples: DeconvNet projections (left) and the patches under the receptive field (right).`),
      el('button', { type: 'button', id: 'unit-top9-run', onclick: () => void ctx.tasks.run('top 9', run) }, 'Find top 9'),
      out);
  },
};
