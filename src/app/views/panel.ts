// What the method panels share: a form of options (each remembered in the URL), a Run button that
// runs the method as a task (progress, Cancel), and a place for results with their downloads.

import type { AppContext } from '../context.ts';
import { el, field, numberInput, select } from '../dom.ts';
import { setting, type ViewName } from '../state.ts';
import type { TaskControl } from '../task.ts';

export type OptionSpec =
  | { name: string; label: string; kind: 'number'; value: number; min: number; max: number; step?: number | 'any'; hint?: string }
  | { name: string; label: string; kind: 'select'; value: string; choices: readonly (string | [string, string])[]; hint?: string }
  | { name: string; label: string; kind: 'checkbox'; value: boolean; hint?: string };

export interface OptionsForm {
  root: HTMLElement;
  /** The current values, numbers checked against their range (the URL may hold anything). */
  number(name: string): number;
  text(name: string): string;
  flag(name: string): boolean;
  all(): Record<string, string | number | boolean>;
}

export function optionsForm(ctx: AppContext, view: ViewName, specs: OptionSpec[]): OptionsForm {
  const controls = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const root = el('div', { class: 'options' });
  for (const spec of specs) {
    const stored = setting(ctx.state, view, spec.name, String(spec.value));
    let control: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'number') control = numberInput(spec.name, stored, spec.min, spec.max, spec.step ?? 1);
    else if (spec.kind === 'select') {
      const known = spec.choices.map((c) => (typeof c === 'string' ? c : c[0]));
      control = select(spec.name, known.includes(stored) ? stored : spec.value, spec.choices);
    } else {
      control = el('input', { type: 'checkbox', name: spec.name, checked: stored === 'true' });
    }
    control.id = `${view}-${spec.name}`;
    control.addEventListener('change', () => {
      const value = control instanceof HTMLInputElement && control.type === 'checkbox' ? String(control.checked) : control.value;
      ctx.remember(view, spec.name, value);
    });
    controls.set(spec.name, control);
    root.append(field(spec.label, control, spec.hint));
  }
  const byName = (name: string) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new Error(`no option '${name}'`);
    return { spec, control: controls.get(name)! };
  };
  const form: OptionsForm = {
    root,
    number(name) {
      const { spec, control } = byName(name);
      if (spec.kind !== 'number') throw new Error(`option '${name}' is not a number`);
      const v = Number(control.value);
      const clamped = Number.isFinite(v) ? Math.min(spec.max, Math.max(spec.min, v)) : spec.value;
      return spec.step === 'any' ? clamped : Math.round(clamped);
    },
    text: (name) => byName(name).control.value,
    flag: (name) => (byName(name).control as HTMLInputElement).checked,
    all() {
      const out: Record<string, string | number | boolean> = {};
      for (const s of specs) out[s.name] = s.kind === 'number' ? form.number(s.name) : s.kind === 'checkbox' ? form.flag(s.name) : form.text(s.name);
      return out;
    },
  };
  return form;
}

/** A Run button that runs `work` as the page's task; it is disabled while it runs. */
export function runButton(ctx: AppContext, label: string, taskName: string, work: (control: TaskControl) => Promise<void>): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'primary run' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await ctx.tasks.run(taskName, work);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
