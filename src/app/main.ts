// The page: finds WebGPU, loads the model, and shows one view at a time (the layer browser, a
// method's panel, a unit's page), with the state in the URL. Every computation goes through the
// library's public functions, the same ones the command line calls.

import { rgbToRgba } from '../data/image.ts';
import { el, fill, messageOf } from './dom.ts';
import { conceptSample, type PageImage } from './images.ts';
import type { NamedBytes } from './model-files.ts';
import { Session, type LoadedModel } from './session.ts';
import { formatHash, parseHash, type PageState, type ViewName } from './state.ts';
import { TaskRunner } from './task.ts';
import type { AppContext } from './context.ts';
import { renderImagePicker } from './views/image-picker.ts';
import { installDropZone, renderModelPicker } from './views/model-picker.ts';
import { unitLayers } from './views/model-view.ts';
import { renderToolbar } from './views/toolbar.ts';
import { VIEW_TABLE } from './views/index.ts';
import { noWebGpuHelp } from './views/errors.ts';

const status = document.getElementById('adapter')!;
const app = document.getElementById('app')!;

const session = new Session();
let state: PageState = parseHash(location.hash);
let image: PageImage | null = null;
/** The state a link asked for when it names a user's model that is not open here yet. */
let pendingLink: PageState | null = null;

// The page's skeleton: a sidebar (model, image) and the workspace (toolbar, tabs, the view).
const notice = el('div', { id: 'notice', role: 'alert', hidden: true });
const modelSection = el('section', { class: 'panel', id: 'model-section' });
const imageSection = el('section', { class: 'panel', id: 'image-section' });
const toolbar = el('div', { class: 'toolbar', id: 'toolbar' });
const tabs = el('nav', { class: 'tabs', id: 'tabs', 'aria-label': 'views' });
const taskBar = el('div', { class: 'task', id: 'task', 'aria-live': 'polite' });
const summary = el('p', { class: 'summary', id: 'summary' });
const viewRoot = el('div', { class: 'view', id: 'view' });
const tasks = new TaskRunner(taskBar, (m) => showError(m));
fill(app, notice, el('div', { class: 'layout' },
  el('aside', { class: 'sidebar' }, modelSection, imageSection),
  el('section', { class: 'workspace' }, toolbar, tabs, summary, taskBar, viewRoot)));

function showError(message: string, action?: HTMLElement): void {
  fill(notice, el('span', { class: 'message' }, message), action ?? null, el('button', { type: 'button', class: 'close', 'aria-label': 'dismiss', onclick: () => (notice.hidden = true) }, '×'));
  notice.hidden = false;
}

function clearError(): void {
  notice.hidden = true;
}

function writeUrl(): void {
  const hash = formatHash(state);
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

function navigate(patch: Partial<PageState>): void {
  const layerChanged = patch.layer !== undefined && patch.layer !== state.layer;
  state = { ...state, ...patch, settings: { ...state.settings, ...patch.settings } };
  if (layerChanged && patch.unit === undefined) state.unit = 0;
  tasks.abort();
  writeUrl();
  render();
}

function context(loaded: LoadedModel): AppContext {
  return {
    state,
    loaded,
    model: loaded.model,
    image: image!,
    tasks,
    navigate,
    remember: (view: ViewName, name: string, value: string) => {
      state.settings[`${view}.${name}`] = value;
      writeUrl();
    },
    showError: (m) => showError(m),
  };
}

/** Makes the state fit the loaded model (a layer it has, a unit in range, an image). */
function settle(loaded: LoadedModel): void {
  const { model } = loaded;
  const layers = unitLayers(model);
  if (!layers.includes(state.layer)) state.layer = layers.find((l) => model.layerShape(l).length === 4) ?? layers[0] ?? '';
  if (state.layer && state.unit >= model.layerShape(state.layer)[1]) state.unit = 0;
  if (!image) {
    const index = /^concept:(\d+)$/.exec(state.image);
    image = conceptSample(model, index ? Number(index[1]) : 0);
    state.image = image.id;
  }
}

function render(): void {
  const loaded = session.loaded;
  const note = pendingLink && loaded?.key !== pendingLink.model
    ? `This link was made with your own model file (${pendingLink.model}). Open that file again to see its view; meanwhile the default model is shown.`
    : undefined;
  renderModelPicker(modelSection, loaded?.name ?? null, { loadDefault: () => loadModel(null), loadFiles: (f) => loadModel(f) }, note);
  if (!loaded || !image) {
    fill(imageSection);
    fill(toolbar);
    fill(tabs);
    fill(viewRoot);
    return;
  }
  const ctx = context(loaded);
  renderImagePicker(imageSection, loaded.model, image, {
    choose: (chosen) => {
      image = chosen;
      navigate({ image: chosen.id });
    },
    showError: (m) => showError(m),
  });
  renderToolbar(toolbar, ctx);
  fill(tabs, ...Object.entries(VIEW_TABLE).map(([name, view]) =>
    el('button', { type: 'button', role: 'tab', 'aria-selected': name === state.view ? 'true' : 'false', 'data-view': name, onclick: () => navigate({ view: name as ViewName }) }, view.title)));
  const view = VIEW_TABLE[state.view];
  summary.textContent = view.summary;
  viewRoot.dataset.view = state.view;
  try {
    view.render(ctx, viewRoot);
  } catch (e) {
    fill(viewRoot, el('p', { class: 'error' }, messageOf(e)));
  }
}

/** Loads the default model (files null) or the user's files; on failure says why and keeps the old one. */
async function loadModel(files: NamedBytes[] | null): Promise<void> {
  tasks.abort();
  status.textContent = files ? `Reading ${files.map((f) => f.name).join(', ')}…` : 'Loading the default model…';
  try {
    const loaded = files ? await session.loadFiles(files) : await session.loadDefault();
    clearError();
    image = null;
    if (pendingLink && pendingLink.model === loaded.key) {
      state = pendingLink;
      pendingLink = null;
    } else if (state.model !== loaded.key) state = { ...state, model: loaded.key, layer: '', unit: 0 };
    settle(loaded);
    writeUrl();
    readyStatus();
  } catch (e) {
    readyStatus();
    showError(`The model could not be loaded: ${messageOf(e)}`);
  }
  render();
}

function readyStatus(): void {
  const engine = session.engine;
  if (!engine) return;
  const { vendor, architecture, description } = engine.adapterInfo;
  status.textContent = `WebGPU ready: ${[vendor, architecture, description].filter(Boolean).join(' · ') || 'unnamed adapter'}`;
  status.className = 'status ready';
}

session.onLost = (message) => {
  tasks.abort();
  status.textContent = message;
  status.className = 'status error';
  const restart = el('button', { type: 'button', class: 'primary', id: 'restart', onclick: () => void restartEngine() }, 'Restart (keeps your settings)');
  showError(`${message}. Restart WebGPU to go on; the model, the view and its settings are kept.`, restart);
};

async function restartEngine(): Promise<void> {
  clearError();
  status.textContent = 'Restarting WebGPU…';
  status.className = 'status';
  try {
    const loaded = await session.restart();
    if (loaded) {
      image = image && image.id.startsWith('concept:') ? null : image;
      settle(loaded);
    }
    readyStatus();
  } catch (e) {
    status.textContent = messageOf(e);
    status.className = 'status error';
  }
  render();
}

async function start(): Promise<void> {
  installDropZone(document.body, (f) => void loadModel(f), (file) => {
    const input = document.getElementById('image-file') as HTMLInputElement | null;
    if (!input || !session.loaded) return;
    const list = new DataTransfer();
    list.items.add(file);
    input.files = list.files;
    input.dispatchEvent(new Event('change'));
  });
  render();
  try {
    await session.start();
  } catch (e) {
    status.textContent = messageOf(e);
    status.className = 'status error';
    fill(viewRoot, noWebGpuHelp(messageOf(e)));
    return;
  }
  readyStatus();
  // A user's model cannot come with a link: the default is shown until they open their file again.
  if (state.model !== 'default') pendingLink = state;
  await loadModel(null);
}

// A hash changed by hand, by the back button or by a link within the page: show what it names.
window.addEventListener('hashchange', () => {
  const loaded = session.loaded;
  if (!loaded || location.hash === formatHash(state)) return;
  const next = parseHash(location.hash);
  tasks.abort();
  if (next.model !== loaded.key) {
    // Another model than the one open: the user's file cannot come with a link.
    pendingLink = next.model === 'default' ? null : next;
    if (next.model === 'default') void loadModel(null).then(() => navigate({ ...next, model: 'default' }));
    else render();
    return;
  }
  pendingLink = null;
  state = next;
  if (image?.id !== next.image) image = null; // settle() draws the concept sample the hash names
  settle(loaded);
  writeUrl();
  render();
});

// Exposed for the browser tests and for people poking at the page from the console.
(globalThis as unknown as { convsight: unknown }).convsight = { session, state: () => state };

void start();
