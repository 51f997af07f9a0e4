// Erhan et al. 2009's check of an AM image: the unit's activation on x* should exceed the highest
// activation the unit reaches over a reference set of real images (otherwise the optimiser found
// a worse input than an ordinary picture). The set streams through the model in batches
// (../common/image-set.ts), so memory stays flat whatever its size.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import { imageBatches, type ImageSet } from '../common/image-set.ts';
import { objectiveValues, type Objective } from './objectives.ts';

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
  objective.check(model);
  let value = -Infinity;
  let name = '';
  for await (const b of imageBatches(model, set, { batch })) {
    const bound = objective.bind(model, b.tensor.shape[0]);
    try {
      const values = await objectiveValues(model, bound, b.tensor);
      values.forEach((v, i) => {
        if (v > value) {
          value = v;
          name = set.name(b.start + i);
        }
      });
    } finally {
      bound.dispose();
      b.tensor.dispose();
    }
  }
  return { value, name, images: set.length };
}

/** Erhan's criterion for `image` [1, C, H, W] (an AM result) against the reference set. */
export async function erhanCriterion(model: Model, objective: Objective, image: Tensor, set: ImageSet, batch = 16): Promise<ErhanReport> {
  const bound = objective.bind(model, image.shape[0]);
  let am: number;
  try {
    am = Math.max(...(await objectiveValues(model, bound, image)));
  } finally {
    bound.dispose();
  }
  const { value, name, images } = await highestActivation(model, objective, set, batch);
  return { amActivation: am, setMax: value, setArgMax: name, exceeds: am > value, images };
}
