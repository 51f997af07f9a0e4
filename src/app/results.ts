// Results kept while the page is open, so that views share them: a dissection computed in its view
// labels units on their unit pages, and its quantile pass is kept so that a new quantile re-runs
// only the tally. Everything is dropped when another model is loaded.

import type { Model } from '../models/model.ts';
import { conceptDataset, dissectQuantiles, dissectTally, relabel, type DissectionResult, type QuantileState, type TallyState } from '../methods/dissection/index.ts';
import type { Dataset } from '../data/broden.ts';
import type { TaskControl } from './task.ts';

/** The concept set the page dissects with: drawn in the page, held apart from training's seed. */
export const DISSECTION_SEED = 11;

export interface DissectionRun {
  model: Model;
  count: number;
  layers: string[];
  quantiles: QuantileState;
  tally: TallyState;
  dataset: Dataset;
}

let dissection: DissectionRun | null = null;

export function currentDissection(model: Model): DissectionRun | null {
  return dissection && dissection.model === model ? dissection : null;
}

/** Labels at an IoU threshold from the stored counts: no network pass. */
export function dissectionLabels(run: DissectionRun, iouThreshold: number): DissectionResult {
  return relabel(run.tally, iouThreshold);
}

export function abortError(): DOMException {
  return new DOMException('cancelled', 'AbortError');
}

/**
 * Dissects `layers` over `count` generated concept images at quantile `quantile`. The quantile pass
 * (the units' histograms) is reused when only the quantile changed; then only the tally runs.
 */
export async function runDissection(model: Model, control: TaskControl, count: number, layers: string[], quantile: number): Promise<DissectionRun> {
  const [, h, w] = model.inputShape;
  const same = dissection && dissection.model === model && dissection.count === count && dissection.layers.join() === layers.join();
  const dataset = same ? dissection!.dataset : conceptDataset({ count, seed: DISSECTION_SEED, size: Math.max(16, h, w) });
  // dissect() takes no AbortSignal: Cancel stops it at its next progress report.
  const onProgress = (p: { pass: string; done: number; total: number }) => {
    if (control.signal.aborted) throw abortError();
    const passes = same ? 1 : 2;
    const before = p.pass === 'tally' && !same ? p.total : 0;
    control.progress(before + p.done, passes * p.total, `${p.pass === 'quantile' ? 'quantiles' : 'IoU tally'}: ${p.done} of ${p.total} images`);
  };
  const quantiles = same ? dissection!.quantiles : await dissectQuantiles(model, dataset, { layers, onProgress });
  if (control.signal.aborted) throw abortError();
  const tally = await dissectTally(model, dataset, quantiles, { quantile, onProgress });
  dissection = { model, count, layers, quantiles, tally, dataset };
  return dissection;
}
