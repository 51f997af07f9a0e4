// Small DOM helpers: building elements, showing RGBA pictures on canvases, saving files. No UI
// library: the page is a handful of panels that are rebuilt when their input changes, which plain
// DOM calls express directly (and the Content-Security-Policy forbids inline styles and eval).

import type { RgbaImage } from '../data/image.ts';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** `el('button', { class: 'primary', onclick: go }, 'Run')`. `on*` attributes become listeners. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/**
 * A canvas showing the picture at its own resolution; CSS scales it up with square pixels
 * (`.picture`), so a 64x64 input stays sharp at any size.
 */
export function pictureCanvas(image: RgbaImage, label?: string, className = 'picture'): HTMLCanvasElement {
  const canvas = el('canvas', { width: image.width, height: image.height, class: className, role: 'img', 'aria-label': label });
  const data = new Uint8ClampedArray(image.data.length);
  data.set(image.data);
  canvas.getContext('2d')!.putImageData(new ImageData(data, image.width, image.height), 0, 0);
  return canvas;
}

/** A picture with a caption under it. */
export function figure(image: RgbaImage, caption: string, className = 'picture'): HTMLElement {
  return el('figure', {}, pictureCanvas(image, caption, className), el('figcaption', {}, caption));
}

/** Saves bytes or a Blob as a file through a temporary link (no request leaves the page). */
export function download(name: string, content: Blob | string): void {
  const blob = typeof content === 'string' ? new Blob([content], { type: 'application/json' }) : content;
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A canvas's picture as a PNG Blob. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the picture could not be encoded as PNG'))), 'image/png'));
}

/** A labelled form control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return el('label', { class: 'field', title: hint }, el('span', {}, label), control);
}

export function numberInput(name: string, value: string, min: number, max: number, step: number | 'any' = 1): HTMLInputElement {
  return el('input', { type: 'number', name, value, min, max, step, inputmode: 'decimal' });
}

export function select(name: string, value: string, options: readonly (string | [string, string])[]): HTMLSelectElement {
  const node = el('select', { name });
  for (const o of options) {
    const [v, text] = typeof o === 'string' ? [o, o] : o;
    node.append(el('option', { value: v, selected: v === value }, text));
  }
  return node;
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
