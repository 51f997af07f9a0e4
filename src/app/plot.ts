// Small charts drawn on canvases: an objective curve that grows as an optimisation runs, and
// horizontal bars (dissection's detectors per category, a unit's responses).

import { el } from './dom.ts';

const INK = '#1d232a';
const GRID = '#d5dbe1';
const LINE = '#2f6fde';

/** A line chart of the values so far; call again with more values to extend it. */
export function drawCurve(canvas: HTMLCanvasElement, values: readonly number[], label: string): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const pad = { left: 46, right: 8, top: 16, bottom: 18 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = INK;
  ctx.fillText(label, pad.left, 11);
  if (!values.length) return;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  ctx.strokeStyle = GRID;
  ctx.strokeRect(pad.left, pad.top, w, h);
  ctx.fillText(format(hi), 2, pad.top + 8);
  ctx.fillText(format(lo), 2, pad.top + h);
  ctx.fillText(`step ${values.length}`, pad.left + w - 50, height - 4);
  ctx.strokeStyle = LINE;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = pad.left + (values.length === 1 ? w : (i / (values.length - 1)) * w);
    const y = pad.top + (1 - (v - lo) / (hi - lo)) * h;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

export function curveCanvas(): HTMLCanvasElement {
  return el('canvas', { width: 320, height: 120, class: 'curve' });
}

function format(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(1) : v.toFixed(a >= 100 ? 0 : 2);
}

/** Labelled horizontal bars, as HTML (readable by screen readers and selectable). */
export function barChart(rows: { label: string; value: number; text?: string }[], max = Math.max(1e-9, ...rows.map((r) => r.value))): HTMLElement {
  const table = el('div', { class: 'bars' });
  for (const r of rows) {
    const bar = el('span', { class: 'bar' });
    bar.style.width = `${Math.max(0, Math.min(100, (100 * r.value) / max))}%`;
    table.append(el('span', { class: 'bar-label' }, r.label), el('span', { class: 'bar-track' }, bar), el('span', { class: 'bar-value' }, r.text ?? String(r.value)));
  }
  return table;
}
