// Two pictures that belong with Activation Maximization.
//
// Image-specific class saliency (Simonyan et al. 2014, section 3): the class score S_c (before the
// softmax) is, near an image x0, approximately w^T x + b with w = dS_c/dx at x0; the saliency of
// pixel (i, j) is M_ij = max over colour channels c of |w_c,ij|: which pixels must change least to
// change the score most.
//
// First-layer filters shown as images: the degenerate case of AM for the first layer (the input
// pattern of fixed norm that excites a first-layer unit most is its filter), read straight off the
// weights.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import type { RgbaImage } from '../../data/image-format.ts';
import { filterImages, saliency } from '../../viz/pictures.ts';
import { classIndex, scoreLayer } from './objectives.ts';

export interface ClassSaliency {
  /** [N, 1, H, W]: max over colour of |dS_c/dx|, per image of the batch. */
  map: Tensor;
  /** The class index. */
  cls: number;
}

/** Simonyan's image-specific class saliency of `image` [N, C, H, W] for class `cls` (index or name). */
export async function classSaliency(model: Model, image: Tensor, cls: number | string): Promise<ClassSaliency> {
  const index = classIndex(model, cls);
  const gradient = await model.inputGradient(image, { layer: scoreLayer(model), unit: index });
  const data = await gradient.readFloat();
  gradient.dispose();
  const [n, , h, w] = image.shape;
  const out = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) out.set(saliency(data, image.shape, b), b * h * w);
  return { map: model.engine.tensor(out, [n, 1, h, w]), cls: index };
}

/** The first convolution's filters as small RGB images (channel order of the model undone), and its name. */
export async function firstLayerFilters(model: Model): Promise<{ layer: string; filters: RgbaImage[] }> {
  const conv = model.spec.nodes.find((n) => n.type === 'conv');
  if (!conv) throw new Error(`model '${model.spec.name}' has no convolution layer`);
  const weight = model.weight(conv.name, 'weight')!;
  const [m, c, kh, kw] = weight.shape;
  const data = await weight.readFloat();
  if (c === 3 && model.spec.input.preprocessing.channelOrder === 'BGR') {
    // Show colours as RGB: swap the first and third input planes of each filter.
    const plane = kh * kw;
    for (let f = 0; f < m; f++) {
      const base = f * 3 * plane;
      for (let i = 0; i < plane; i++) [data[base + i], data[base + 2 * plane + i]] = [data[base + 2 * plane + i], data[base + i]];
    }
  }
  return { layer: conv.name, filters: filterImages(data, weight.shape) };
}
