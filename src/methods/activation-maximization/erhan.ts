// Erhan et al. 2009's check of an AM image: the unit's activation on x* should exceed the highest
// activation the unit reaches over a reference set of real images (otherwise the optimiser found
// a worse input than an ordinary picture). The set streams through the model in batches
// (../common/image-set.ts), so memory stays flat whatever its size.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { imageBatches, type ImageSet } from '../common/image-set.ts';
import { deepest, objectiveValues, valuesFrom, type Objective } from './objectives.ts';

export interface ErhanReport {
  /** The objective on the AM image. */
  amActivation: number;
  /** The highest objective over the reference set, and which image gave it. */
  setMax: number;
  setArgMax: string;
  /** amActivation > setMax. */
  exceeds: boolean;
  images: number;
}

/** The objective's highest value over `set`, streamed in batches of `batch`. */
export async function highestActivation(model: Model, objective: Objective, set: ImageSet, batch = 16): Promise<{ value: number; name: string; images: number }> {
  return (await highestActivations(model, [objective], set, batch))[0];
}

/**
 * Each objective's highest value over `set`, with one forward pass per batch for all of them (the
 * demo checks several units of a layer against the same set: one pass over it, not one per unit).
 */
export async function highestActivations(model: Model, objectives: Objective[], set: ImageSet, batch = 16): Promise<{ value: number; name: string; images: number }[]> {
  for (const o of objectives) o.check(model);
  const best = objectives.map(() => ({ value: -Infinity, name: '', images: set.length }));
  for await (const b of imageBatches(model, set, { batch })) {
    const bound = objectives.map((o) => o.bind(model, b.tensor.shape[0]));
    const outputs = await model.forward(b.tensor, { until: deepest(model, bound.flatMap((o) => o.layers)) });
    try {
      for (const [k, o] of bound.entries()) {
        const values = await valuesFrom(o, outputs, b.tensor);
        values.forEach((value, i) => {
          if (value > best[k].value) best[k] = { value, name: set.name(b.start + i), images: set.length };
        });
      }
    } finally {
      for (const t of outputs.values()) t.dispose();
      for (const o of bound) o.dispose();
      b.tensor.dispose();
    }
  }
  return best;
}

/**
 * Erhan's criterion for `image` [1, C, H, W] (an AM result) against the reference set; `setBest`,
 * when given, is the set's highest value already measured (highestActivations, for several units).
 */
export async function erhanCriterion(
  model: Model,
  objective: Objective,
  image: Tensor,
  set: ImageSet,
  batch = 16,
  setBest?: { value: number; name: string; images: number },
): Promise<ErhanReport> {
  const bound = objective.bind(model, image.shape[0]);
  let am: number;
  try {
    am = Math.max(...(await objectiveValues(model, bound, image)));
  } finally {
    bound.dispose();
  }
  const { value, name, images } = setBest ?? (await highestActivation(model, objective, set, batch));
  return { amActivation: am, setMax: value, setArgMax: name, exceeds: am > value, images };
}
