// The dissection report: NetDissect's tally CSV per layer, the result as JSON, per-unit strips of
// top images with the unit's mask drawn over them, and an HTML page (per layer a bar chart of
// detectors by category, per unit its label, IoU, threshold and strip). The text parts are pure
// functions (the page can use them); writeReport is Node's.

import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import type { Dataset } from '../../data/broden.ts';
import type { RgbaImage, RgbImage } from '../../data/image-format.ts';
import { resizeRgb } from '../../data/image-resize.ts';
import type { Model } from '../../models/model.ts';
import { imageGrid } from '../../viz/pictures.ts';
import { datasetImages, imageBatches } from '../common/image-set.ts';
import { unitScores, type DissectionResult, type DissectedUnit } from './labels.ts';

const csvField = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/**
 * One layer's units in NetDissect's tally.csv layout: unit (1-based), category, label, score, then
 * per category its best label, the label's area (truth), the unit's mask area over the images
 * labelled in the category (activation), their intersection and IoU; rows by score, highest first.
 */
export function tallyCsv(result: DissectionResult, layer: string): string {
  const { tally } = result;
  const li = tally.layers.findIndex((l) => l.layer === layer);
  if (li < 0) throw new Error(`tallyCsv: no layer '${layer}' in the result (layers: ${tally.layers.map((l) => l.layer).join(', ')})`);
  const l = tally.layers[li];
  const cats = tally.categories;
  const header = ['unit', 'category', 'label', 'score', ...cats.flatMap((c) => ['label', 'truth', 'activation', 'intersect', 'iou'].map((f) => `${c}-${f}`))];
  const rows = result.units
    .filter((u) => u.layer === layer)
    .map((u) => {
      const scores = u.dead ? [] : unitScores(tally, li, u.unit);
      const perCategory = cats.flatMap((c, k) => {
        const best = scores.find((s) => s.category === c);
        const concept = best && tally.concepts.find((x) => x && x.name === best.label && x.category === c);
        if (!best || !concept) return ['', 0, l.area[u.unit * cats.length + k], 0, 0];
        return [best.label, tally.labelArea[concept.number], l.area[u.unit * cats.length + k], l.inter[u.unit * tally.concepts.length + concept.number], best.iou];
      });
      return { score: u.best?.iou ?? 0, fields: [u.unit + 1, u.best?.category ?? '', u.best?.label ?? '', u.best?.iou ?? 0, ...perCategory] };
    })
    .sort((a, b) => b.score - a.score);
  return [header, ...rows.map((r) => r.fields)].map((f) => f.map(csvField).join(',')).join('\n') + '\n';
}

/** The result without its counts (those go to tally.json), for reading by people and scripts. */
export function resultJson(result: DissectionResult): string {
  const { tally, ...rest } = result;
  return JSON.stringify({ ...rest, maskSize: tally.maskSize, ranges: tally.ranges, categories: tally.categories }, null, 1);
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** An SVG bar chart: per category, detectors (solid) and unique concepts (light). */
function barChart(result: DissectionResult, layer: string): string {
  const summary = result.layers.find((l) => l.layer === layer)!;
  const cats = Object.keys(summary.byCategory);
  const max = Math.max(1, ...cats.map((c) => summary.byCategory[c].detectors));
  const [barW, h, top] = [44, 140, 16];
  const bars = cats.map((c, k) => {
    const { detectors, unique } = summary.byCategory[c];
    const x = 40 + k * (barW + 18);
    const dh = (detectors / max) * h;
    const uh = (unique / max) * h;
    const colour = COLORS[k % COLORS.length];
    return `<rect x="${x}" y="${top + h - dh}" width="${barW / 2}" height="${dh}" fill="${colour}"/><rect x="${x + barW / 2}" y="${top + h - uh}" width="${barW / 2}" height="${uh}" fill="${colour}" opacity="0.4"/>
<text x="${x + barW / 4}" y="${top + h - dh - 3}" font-size="11" text-anchor="middle">${detectors}</text><text x="${x + (3 * barW) / 4}" y="${top + h - uh - 3}" font-size="11" text-anchor="middle">${unique}</text>
<text x="${x + barW / 2}" y="${top + h + 14}" font-size="12" text-anchor="middle">${escapeHtml(c)}</text>`;
  });
  const width = 60 + cats.length * (barW + 18);
  return `<svg width="${width}" height="${top + h + 22}" role="img" aria-label="detectors by category"><line x1="34" y1="${top + h}" x2="${width}" y2="${top + h}" stroke="#888"/>${bars.join('')}</svg>`;
}

/** The unit's strip file name, relative to the report's folder. */
export const stripName = (u: { layer: string; unit: number }) => `units/${u.layer.replace(/[^\w.-]/g, '_')}-${u.unit}.png`;

export function reportHtml(result: DissectionResult, options: { title: string; strips: boolean }): string {
  const { tally } = result;
  const fmt = (v: number) => v.toFixed(3);
  const sections = result.layers.map((s) => {
    const units = result.units.filter((u) => u.layer === s.layer).sort((a, b) => Number(!!b.label) - Number(!!a.label) || b.iou - a.iou || a.unit - b.unit);
    const rows = Object.entries(s.byCategory)
      .map(([c, v]) => `<td>${escapeHtml(c)}: ${v.detectors} (${v.unique} unique)</td>`)
      .join('');
    const cards = units.map((u) => unitCard(u, options.strips, fmt)).join('\n');
    return `<section id="layer-${escapeHtml(s.layer)}"><h2>${escapeHtml(s.layer)}</h2>
<p>${s.units} units, <b>${s.detectors}</b> detectors (IoU &gt; ${result.iouThreshold}), ${s.uniqueConcepts} unique concepts.</p>
<div class="chart">${barChart(result, s.layer)}<p class="legend">solid: detectors; light: unique concepts</p></div>
<table><tr>${rows}</tr></table>
<p><a href="tally-${escapeHtml(s.layer)}.csv">tally-${escapeHtml(s.layer)}.csv</a> (NetDissect's columns)</p>
<div class="units">${cards}</div></section>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title><style>
body{font:14px system-ui,sans-serif;margin:20px;color:#222}h2{border-bottom:1px solid #ccc}table{border-collapse:collapse}td{padding:2px 10px;border:1px solid #ddd}
.units{display:flex;flex-wrap:wrap;gap:10px}.unit{border:1px solid #ddd;padding:6px;max-width:560px}.unit.none{opacity:.55}.unit img{display:block;max-width:100%;height:auto;image-rendering:pixelated;margin-top:4px}
.legend{font-size:12px;color:#666;margin:0}.small{font-size:12px;color:#555}</style></head><body>
<h1>${escapeHtml(options.title)}</h1>
<p>Model <b>${escapeHtml(tally.model)}</b>, ${result.images} images, masks ${tally.maskSize[1]}x${tally.maskSize[0]}; unit masks are the top
${result.quantile} quantile of each unit's activations (bilinear upsampling to the mask size); a unit detects its best concept when IoU &gt; ${result.iouThreshold}.
Categories: ${tally.categories.map(escapeHtml).join(', ')}.</p>
${sections.join('\n')}</body></html>
`;
}

function unitCard(u: DissectedUnit, strips: boolean, fmt: (v: number) => string): string {
  const title = u.dead ? 'dead (constant)' : u.label ? `${escapeHtml(u.label)} <span class="small">(${escapeHtml(u.category!)})</span>` : `no label <span class="small">(best ${escapeHtml(u.best?.label ?? '-')})</span>`;
  const others = u.runnersUp.map((r) => `${escapeHtml(r.label)} ${fmt(r.iou)}`).join(', ');
  const strip = strips && !u.dead ? `<img src="${stripName(u)}" alt="top images of unit ${u.unit}">` : '';
  return `<div class="unit${u.label ? '' : ' none'}"><b>unit ${u.unit}</b>: ${title}<br><span class="small">IoU ${fmt(u.iou)}, threshold ${u.threshold.toPrecision(4)}${others ? `; next: ${others}` : ''}</span>${strip}</div>`;
}

/** Picture with the unit's mask drawn over: outside the mask dimmed, its border in yellow. */
export function maskOverlay(picture: RgbImage, mask: Uint8Array): RgbaImage {
  const { width, height, rgb } = picture;
  const data = new Uint8ClampedArray(width * height * 4);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const on = inside(x, y);
      const border = on && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1));
      for (let c = 0; c < 3; c++) data[4 * i + c] = border ? [255, 230, 0][c] : on ? rgb[3 * i + c] : rgb[3 * i + c] * 0.3;
      data[4 * i + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * Each unit's strip: its top images (kept by the tally) at the mask size with its mask drawn over.
 * Runs the model again on those images only.
 */
export async function unitStrips(model: Model, dataset: Dataset, result: DissectionResult, onlyDetectors = false): Promise<Map<string, RgbaImage>> {
  const { tally } = result;
  const [sh, sw] = tally.maskSize;
  const strips = new Map<string, RgbaImage>();
  const set = datasetImages(dataset);
  for (const l of tally.layers) {
    const wanted = new Map<number, number[]>(); // image -> units
    l.top.forEach((list, u) => {
      if (l.dead[u] || (onlyDetectors && !result.units.find((x) => x.layer === l.layer && x.unit === u)?.label)) return;
      for (const { image } of list) wanted.set(image, [...(wanted.get(image) ?? []), u]);
    });
    const tiles = new Map<string, RgbaImage>(); // `${unit}/${image}`
    const images = [...wanted.keys()];
    const subset = { length: images.length, name: (k: number) => set.name(images[k]), load: (k: number) => set.load(images[k]) };
    if (images.length === 0) continue;
    for await (const { start, tensor } of imageBatches(model, subset, { batch: 4 })) {
      const outputs = await model.forward(tensor, { until: l.layer });
      const map = outputs.get(l.layer)!;
      const up = model.engine.ops.resizeBilinear(map, [sh, sw]);
      const values = (await up.read()) as Float32Array;
      for (const t of [...outputs.values(), up, tensor]) t.dispose();
      for (let n = 0; n < tensor.shape[0]; n++) {
        const image = images[start + n];
        const picture = await dataset.loadImage(image);
        const small = picture.width === sw && picture.height === sh ? picture : resizeRgb(picture, sw, sh);
        for (const u of wanted.get(image)!) {
          const mask = new Uint8Array(sh * sw);
          const base = (n * l.units + u) * sh * sw;
          for (let x = 0; x < sh * sw; x++) mask[x] = values[base + x] >= l.thresholds[u] ? 1 : 0;
          tiles.set(`${u}/${image}`, maskOverlay(small, mask));
        }
      }
    }
    l.top.forEach((list, u) => {
      const t = list.map(({ image }) => tiles.get(`${u}/${image}`)).filter((x): x is RgbaImage => !!x);
      if (t.length) strips.set(stripName({ layer: l.layer, unit: u }), imageGrid(t, t.length, 2, sw < 96 ? 2 : 1));
    });
  }
  return strips;
}

export interface WriteReportOptions {
  /** For the strips: the model and dataset that were dissected (without them the page has no pictures). */
  model?: Model;
  dataset?: Dataset;
  title?: string;
  /** Strips for detectors only (faster on wide layers). */
  onlyDetectors?: boolean;
}

/** Writes index.html, tally-<layer>.csv, result.json, tally.json and units/*.png into dir. */
export async function writeReport(dir: string, result: DissectionResult, options: WriteReportOptions = {}): Promise<string[]> {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const { join } = process.getBuiltinModule('node:path') as typeof import('node:path');
  const { writePng } = await import('../../data/image-node.ts');
  fs.mkdirSync(join(dir, 'units'), { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string) => {
    writeFileAtomicSync(join(dir, name), text);
    written.push(name);
  };
  // The counts and tables first: a long strip run that is stopped still leaves them.
  for (const l of result.layers) write(`tally-${l.layer}.csv`, tallyCsv(result, l.layer));
  write('result.json', resultJson(result));
  write('tally.json', JSON.stringify(result.tally));
  const title = options.title ?? `Network Dissection of ${result.tally.model}`;
  write('index.html', reportHtml(result, { title, strips: false }));
  const strips = options.model && options.dataset ? await unitStrips(options.model, options.dataset, result, options.onlyDetectors) : new Map();
  for (const [name, image] of strips) {
    await writePng(join(dir, name), image);
    written.push(name);
  }
  if (strips.size > 0) writeFileAtomicSync(join(dir, 'index.html'), reportHtml(result, { title, strips: true }));
  return written;
}
