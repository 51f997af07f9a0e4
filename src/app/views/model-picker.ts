// Choosing the model: the bundled default, or the user's files by file picker or drag-and-drop
// anywhere on the page. Files are read in the page; nothing is sent anywhere.

import { el, fill } from '../dom.ts';
import { readDroppedFiles, type NamedBytes } from '../model-files.ts';

export interface ModelPickerActions {
  loadDefault(): void;
  loadFiles(files: NamedBytes[]): void;
}

export function renderModelPicker(root: HTMLElement, current: string | null, actions: ModelPickerActions, note?: string): void {
  const input = el('input', { type: 'file', id: 'model-file', multiple: true, accept: '.onnx,.json,.safetensors,.txt' });
  input.addEventListener('change', async () => {
    if (input.files?.length) actions.loadFiles(await readDroppedFiles(input.files));
    input.value = '';
  });
  fill(
    root,
    el('h2', {}, 'Model'),
    el('p', { class: 'model-name', id: 'model-name' }, current ?? 'no model loaded'),
    note ? el('p', { class: 'note', id: 'model-note' }, note) : null,
    el('div', { class: 'row' },
      el('label', { class: 'button', for: 'model-file' }, 'Open model…'),
      input,
      el('button', { type: 'button', onclick: () => actions.loadDefault() }, 'Default model')),
    el('p', { class: 'small' }, 'An ONNX file, or a spec .json with its .safetensors (select both); a labels.txt may come along. Or drop the files on the page. They are read here and never uploaded.'),
  );
}

/** Drag-and-drop of model files anywhere on the page (images dropped go to `onImage`). */
export function installDropZone(target: HTMLElement, onModel: (files: NamedBytes[]) => void, onImage: (file: File) => void): void {
  const isModelFile = (f: File) => /\.(onnx|json|safetensors|txt)$/i.test(f.name);
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    target.classList.add('dragging');
  });
  target.addEventListener('dragleave', (e) => {
    if (e.target === target) target.classList.remove('dragging');
  });
  target.addEventListener('drop', async (e) => {
    e.preventDefault();
    target.classList.remove('dragging');
    const files = Array.from(e.dataTransfer?.files ?? []);
    if (!files.length) return;
    if (files.some(isModelFile)) onModel(await readDroppedFiles(files));
    else onImage(files[0]);
  });
}
