// The page's state, and its home in the URL: everything a person needs to share what they are
// looking at. It lives in the hash (#model=default&layer=conv3&unit=5&view=am&seed=1&...) so that
// any static host serves every view from the one index.html, and a reload restores it.
//
// `model` is 'default' (the bundled conceptnet) or 'sha256:<16 hex>' of the user's file: their
// file never leaves the machine, so opening such a link asks them to open the file again.

export const VIEWS = ['model', 'deconvnet', 'occlusion', 'top9', 'am', 'inversion', 'dissection', 'unit'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface PageState {
  model: string;
  /** '' until a model has been loaded and a layer picked. */
  layer: string;
  unit: number;
  view: ViewName;
  seed: number;
  /** Which image the methods look at: 'concept:<index>' (generated), or 'file' / 'camera' (not restorable). */
  image: string;
  /** Each view's options, as strings, keyed '<view>.<option>' (e.g. 'am.steps'). */
  settings: Record<string, string>;
}

export const DEFAULT_STATE: PageState = { model: 'default', layer: '', unit: 0, view: 'model', seed: 1, image: 'concept:0', settings: {} };

const CORE = ['model', 'layer', 'unit', 'view', 'seed', 'image'] as const;

/** The state in a URL hash ('#...'); unknown or malformed entries fall back to the defaults. */
export function parseHash(hash: string): PageState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: PageState = { ...DEFAULT_STATE, settings: {} };
  const model = params.get('model');
  if (model && (model === 'default' || /^sha256:[0-9a-f]{16}$/.test(model))) state.model = model;
  state.layer = params.get('layer') ?? '';
  const unit = Number(params.get('unit'));
  if (Number.isInteger(unit) && unit >= 0) state.unit = unit;
  const view = params.get('view');
  if (view && (VIEWS as readonly string[]).includes(view)) state.view = view as ViewName;
  const seed = Number(params.get('seed'));
  if (params.has('seed') && Number.isInteger(seed)) state.seed = seed;
  const image = params.get('image');
  if (image && /^(concept:\d+|file|camera)$/.test(image)) state.image = image;
  for (const [key, value] of params) if (key.includes('.')) state.settings[key] = value;
  return state;
}

/** The hash for a state: core entries first, then settings in a stable order. */
export function formatHash(state: PageState): string {
  const params = new URLSearchParams();
  for (const key of CORE) {
    const value = state[key];
    if (key === 'layer' && !value) continue;
    params.set(key, String(value));
  }
  for (const key of Object.keys(state.settings).sort()) params.set(key, state.settings[key]);
  return `#${params.toString()}`;
}

/** A view's option: its value in the state, else the default. */
export function setting(state: PageState, view: ViewName, name: string, fallback: string): string {
  return state.settings[`${view}.${name}`] ?? fallback;
}
