// Random image transforms applied before the network at each optimisation step, so that the image
// found does not depend on exact pixel positions (transformation robustness: jitter in Mordvintsev
// et al. 2015 and Mahendran & Vedaldi 2016; random scale and rotation in Olah et al. 2017). Each
// transform gives the transformed image and the adjoint that carries the gradient back.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Random } from '../../data/concepts/random.ts';

export interface Transformed {
  image: Tensor;
  /** d loss / d (untransformed image) from d loss / d (transformed image); the caller disposes it. */
  adjoint(dImage: Tensor): Tensor;
}

export type ImageTransform = (engine: Engine, image: Tensor, random: Random) => Transformed;

/** A random whole-pixel shift of up to `maxShift` pixels each way; the border wraps (a roll). */
export function jitter(maxShift: number): ImageTransform {
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new Error(`jitter must be a whole number of pixels >= 0, got ${maxShift}`);
  return (engine, image, random) => {
    const dy = random.int(-maxShift, maxShift);
    const dx = random.int(-maxShift, maxShift);
    if (dy === 0 && dx === 0) return { image: image.reshape(image.shape), adjoint: (d) => d.reshape(d.shape) };
    return {
      image: engine.ops.translate(image, dy, dx),
      adjoint: (d) => engine.grad.translate(d, dy, dx),
    };
  };
}

/** Applies transforms in order; the adjoint runs them backwards. */
export function applyTransforms(engine: Engine, image: Tensor, transforms: ImageTransform[], random: Random): Transformed {
  let current = image.reshape(image.shape);
  const adjoints: ((d: Tensor) => Tensor)[] = [];
  for (const t of transforms) {
    const next = t(engine, current, random);
    current.dispose();
    current = next.image;
    adjoints.push(next.adjoint);
  }
  return {
    image: current,
    adjoint(dImage) {
      let d = dImage.reshape(dImage.shape);
      for (const adjoint of [...adjoints].reverse()) {
        const prev = d;
        d = adjoint(prev);
        prev.dispose();
      }
      return d;
    },
  };
}
