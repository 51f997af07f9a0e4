// The training curves (loss and accuracy per epoch) as a small standalone SVG.

import type { EpochSummary } from './trainer.ts';

export function trainingPlotSvg(history: EpochSummary[], heldOutAccuracy: number[] = []): string {
  const width = 640;
  const height = 300;
  const m = { left: 50, right: 50, top: 30, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const epochs = history.length;
  const x = (i: number) => m.left + (epochs <= 1 ? w / 2 : (i / (epochs - 1)) * w);
  const maxLoss = Math.max(...history.map((e) => e.trainLoss), 1e-6);
  const yLoss = (v: number) => m.top + h - (v / maxLoss) * h;
  const yAcc = (v: number) => m.top + h - v * h;
  const line = (values: number[], y: (v: number) => number) => values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = history.map((e, i) => `<text x="${x(i).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${e.epoch}</text>`).join('');
  const accTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((v) => `<text x="${width - m.right + 6}" y="${yAcc(v) + 4}">${Math.round(v * 100)}%</text><line x1="${m.left}" x2="${width - m.right}" y1="${yAcc(v)}" y2="${yAcc(v)}" stroke="#e3e6ea"/>`)
    .join('');
  const lossTicks = [0, 0.5, 1].map((f) => `<text x="${m.left - 6}" y="${yLoss(f * maxLoss) + 4}" text-anchor="end">${(f * maxLoss).toFixed(2)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${accTicks}${lossTicks}${ticks}
<text x="${m.left + w / 2}" y="${height - 6}" text-anchor="middle">epoch</text>
<text x="${m.left}" y="18" fill="#c0392b">training loss</text>
<text x="${m.left + 110}" y="18" fill="#2471a3">training accuracy</text>
${heldOutAccuracy.length ? `<text x="${m.left + 240}" y="18" fill="#1e8449">held-out accuracy</text>` : ''}
<polyline fill="none" stroke="#c0392b" stroke-width="2" points="${line(history.map((e) => e.trainLoss), yLoss)}"/>
<polyline fill="none" stroke="#2471a3" stroke-width="2" points="${line(history.map((e) => e.trainAccuracy), yAcc)}"/>
${heldOutAccuracy.length ? `<polyline fill="none" stroke="#1e8449" stroke-width="2" stroke-dasharray="5,3" points="${line(heldOutAccuracy, yAcc)}"/>` : ''}
</svg>
`;
}
