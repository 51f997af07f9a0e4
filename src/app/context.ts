// What every view gets: the state, the loaded model, the current image, the task runner, and the
// ways to change the state. Views are functions of this context that fill an element.

import type { Model } from '../models/model.ts';
import type { PageImage } from './images.ts';
import type { LoadedModel } from './session.ts';
import { setting, type PageState, type ViewName } from './state.ts';
import type { TaskRunner } from './task.ts';
import { canvasPng, download, el } from './dom.ts';

export interface AppContext {
  readonly state: PageState;
  readonly loaded: LoadedModel;
  readonly model: Model;
  readonly image: PageImage;
  readonly tasks: TaskRunner;
  /** Changes the state (and the URL); the page re-renders. */
  navigate(patch: Partial<PageState>): void;
  /** Records a view's option in the URL without re-rendering. */
  remember(view: ViewName, name: string, value: string): void;
  showError(message: string): void;
}

export interface View {
  /** The tab's name. */
  title: string;
  /** One line under the tab: what the method does, and whose it is. */
  summary: string;
  render(ctx: AppContext, root: HTMLElement): void;
}

/** A view's option as a number, checked: the URL may hold anything. */
export function numberSetting(ctx: AppContext, view: ViewName, name: string, fallback: number, min: number, max: number): number {
  const v = Number(setting(ctx.state, view, name, String(fallback)));
  return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}

/** The layer's units (channels or neurons). */
export function unitCount(model: Model, layer: string): number {
  return model.layerShape(layer)[1];
}

/** Everything needed to reproduce a result, for the JSON download. */
export function settingsRecord(ctx: AppContext, view: ViewName, options: Record<string, unknown>): Record<string, unknown> {
  const { state } = ctx;
  return {
    convsight: 1,
    model: { key: ctx.loaded.key, name: ctx.loaded.name },
    view,
    layer: state.layer,
    unit: state.unit,
    seed: state.seed,
    image: { id: ctx.image.id, name: ctx.image.name },
    options,
    url: location.href,
    at: new Date().toISOString(),
  };
}

/** 'Download PNG' (when there is a picture) and 'Download settings' for a result. */
export function downloadButtons(ctx: AppContext, view: ViewName, canvas: (() => HTMLCanvasElement | null) | null, options: () => Record<string, unknown>): HTMLElement {
  const base = () => `convsight-${view}-${ctx.state.layer || 'model'}-${ctx.state.unit}`;
  const png = el('button', {
    type: 'button',
    class: 'download',
    onclick: async () => {
      const c = canvas?.();
      if (c) download(`${base()}.png`, await canvasPng(c));
    },
  }, 'Download PNG');
  const json = el('button', {
    type: 'button',
    class: 'download',
    onclick: () => download(`${base()}.json`, JSON.stringify(settingsRecord(ctx, view, options()), null, 2)),
  }, canvas ? 'Download settings (JSON)' : 'Download results (JSON)');
  return el('div', { class: 'downloads' }, canvas ? png : null, json);
}
