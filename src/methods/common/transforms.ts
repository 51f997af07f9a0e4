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

/**
 * A random zoom by a factor drawn uniformly from [lo, hi] (Olah et al. 2017: "random scaling"),
 * about the centre, keeping the image size: resizeBilinear to round(s H) x round(s W), then the
 * centre cropped (s > 1) or zero-padded (s < 1) back to H x W. The adjoint runs the pad/crop's and
 * the resize's own backward in reverse, so it is exact.
 */
export function randomScale(lo: number, hi: number): ImageTransform {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && lo <= hi)) throw new Error(`random scale needs 0 < lo <= hi, got [${lo}, ${hi}]`);
  return (engine, image, random) => {
    const s = random.uniform(lo, hi);
    const [, , h, w] = image.shape;
    const sh = Math.max(1, Math.round(s * h));
    const sw = Math.max(1, Math.round(s * w));
    if (sh === h && sw === w) return { image: image.reshape(image.shape), adjoint: (d) => d.reshape(d.shape) };
    // Per axis, the rows/columns to crop (scaled larger) or to pad (smaller), split about the centre.
    const split = (n: number) => [Math.floor(n / 2), n - Math.floor(n / 2)];
    const [ct, cb] = split(Math.max(0, sh - h));
    const [cl, cr] = split(Math.max(0, sw - w));
    const [pt, pb] = split(Math.max(0, h - sh));
    const [pl, pr] = split(Math.max(0, w - sw));
    const crop: [number, number, number, number] = [ct, cl, cb, cr];
    const pad: [number, number, number, number] = [pt, pl, pb, pr];
    const cropping = crop.some((v) => v > 0);
    const padding = pad.some((v) => v > 0);
    const resized = engine.ops.resizeBilinear(image, [sh, sw]);
    const cropped = cropping ? engine.grad.pad2d(resized, crop) : resized.reshape(resized.shape);
    const out = padding ? engine.ops.pad2d(cropped, pad) : cropped.reshape(cropped.shape);
    resized.dispose();
    cropped.dispose();
    return {
      image: out,
      adjoint(d) {
        const unpadded = padding ? engine.grad.pad2d(d, pad) : d.reshape(d.shape);
        const uncropped = cropping ? engine.ops.pad2d(unpadded, crop) : unpadded.reshape(unpadded.shape);
        const dx = engine.grad.resizeBilinear(uncropped, image.shape);
        unpadded.dispose();
        uncropped.dispose();
        return dx;
      },
    };
  };
}

/**
 * A random turn by an angle drawn uniformly from [lo, hi] degrees (Olah et al. 2017: "random
 * rotation"; Lucid's standard transforms use -10..10) about the centre, keeping the image size,
 * bilinear with zeros entering at the corners (engine.ops.rotate). The adjoint is the op's exact
 * transpose (engine.grad.rotate).
 */
export function randomRotate(lo: number, hi: number): ImageTransform {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new Error(`random rotation needs finite degrees lo <= hi, got [${lo}, ${hi}]`);
  return (engine, image, random) => {
    const degrees = random.uniform(lo, hi);
    if (degrees === 0) return { image: image.reshape(image.shape), adjoint: (d) => d.reshape(d.shape) };
    return {
      image: engine.ops.rotate(image, degrees),
      adjoint: (d) => engine.grad.rotate(d, degrees),
    };
  };
}
