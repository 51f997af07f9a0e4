// Labels from the tally's counts: IoU_{k,c} = |M_k AND L_c| / |M_k OR L_c|, summed over the images;
// unit k's label is the concept of highest IoU, and k is a detector when that IoU > iouThreshold.
// Only counts are read, so labels for another IoU threshold cost no network pass (the page's slider).

import type { TallyState } from './state.ts';

export interface ConceptScore {
  label: string;
  category: string;
  iou: number;
}

export interface DissectedUnit {
  layer: string;
  unit: number;
  /** The best concept when it is a detector (IoU > iouThreshold), else null. */
  label: string | null;
  category: string | null;
  /** The best concept's IoU (also when it is not a detector). */
  iou: number;
  threshold: number;
  /** The best concept whatever its IoU, then the next ones. */
  best: ConceptScore | null;
  runnersUp: ConceptScore[];
  dead: boolean;
}

export interface CategoryCount {
  detectors: number;
  /** Distinct concepts among the layer's detectors. */
  unique: number;
}

export interface LayerSummary {
  layer: string;
  units: number;
  detectors: number;
  uniqueConcepts: number;
  byCategory: Record<string, CategoryCount>;
}

export interface DissectionResult {
  units: DissectedUnit[];
  layers: LayerSummary[];
  quantile: number;
  iouThreshold: number;
  images: number;
  /** The counts behind every number above: relabel(result.tally, t) gives labels at another threshold. */
  tally: TallyState;
}

const RUNNERS_UP = 3;

/** Every concept's IoU with unit `unit` of layer `li`, highest first (ties: lower label number). */
export function unitScores(tally: TallyState, li: number, unit: number): ConceptScore[] {
  const l = tally.layers[li];
  const labelCount = tally.concepts.length;
  const k = tally.categories.length;
  const scores: (ConceptScore & { number: number })[] = [];
  for (const concept of tally.concepts) {
    if (!concept) continue;
    const cat = tally.categories.indexOf(concept.category);
    const inter = l.inter[unit * labelCount + concept.number];
    const union = (cat >= 0 ? l.area[unit * k + cat] : 0) + tally.labelArea[concept.number] - inter;
    scores.push({ label: concept.name, category: concept.category, iou: union > 0 ? inter / union : 0, number: concept.number });
  }
  scores.sort((a, b) => b.iou - a.iou || a.number - b.number);
  return scores.map(({ label, category, iou }) => ({ label, category, iou }));
}

export function checkIouThreshold(t: number): void {
  if (typeof t !== 'number' || !(t >= 0 && t < 1)) throw new Error(`dissect: iouThreshold must be a number in [0, 1), got ${t}`);
}

/** Labels and per-layer counts from a tally's counts at an IoU threshold. */
export function relabel(tally: TallyState, iouThreshold: number): DissectionResult {
  checkIouThreshold(iouThreshold);
  const units: DissectedUnit[] = [];
  const layers = tally.layers.map((l, li): LayerSummary => {
    const byCategory: Record<string, CategoryCount> = Object.fromEntries(tally.categories.map((c) => [c, { detectors: 0, unique: 0 }]));
    const concepts = new Map<string, string>();
    let detectors = 0;
    for (let u = 0; u < l.units; u++) {
      const dead = l.dead[u];
      const scores = dead ? [] : unitScores(tally, li, u);
      const best = scores[0] ?? null;
      const detector = !!best && best.iou > iouThreshold;
      units.push({
        layer: l.layer,
        unit: u,
        label: detector ? best.label : null,
        category: detector ? best.category : null,
        iou: best?.iou ?? 0,
        threshold: l.thresholds[u],
        best,
        runnersUp: scores.slice(1, 1 + RUNNERS_UP),
        dead,
      });
      if (!detector) continue;
      detectors++;
      (byCategory[best.category] ??= { detectors: 0, unique: 0 }).detectors++;
      concepts.set(`${best.category}/${best.label}`, best.category);
    }
    for (const c of concepts.values()) byCategory[c].unique++;
    return { layer: l.layer, units: l.units, detectors, uniqueConcepts: concepts.size, byCategory };
  });
  const images = tally.ranges.reduce((s, r) => s + r.done, 0);
  return { units, layers, quantile: tally.quantile, iouThreshold, images, tally };
}
