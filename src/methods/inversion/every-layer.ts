// The paper's experiment (Mahendran & Vedaldi 2015, figure of reconstructions from every layer):
// one image's representation inverted from each layer in turn with the same settings, each
// reconstruction with its normalized error ||Phi(x*) - Phi_0|| / ||Phi_0||. The finding to look for:
// photographic reconstructions at the first layers, less and less of the image (its layout, then
// only parts and textures) deeper, and the error growing with depth.

import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';
import type { NodeSpec } from '../../models/spec.ts';
import type { RgbaImage } from '../../data/image.ts';
import { invertRepresentation, type InversionOptions } from './regularized.ts';

/** Node types whose output is a representation worth inverting (views and softmax repeat others). */
const INVERTIBLE: NodeSpec['type'][] = ['conv', 'convtranspose', 'relu', 'leakyrelu', 'maxpool', 'avgpool', 'globalavgpool', 'globalmaxpool', 'lrn', 'concat', 'add', 'linear', 'batchnorm'];

/** The layers `invertEveryLayer` takes by default: every node of an invertible type, in order. */
export function invertibleLayers(model: Model): string[] {
  return model.layers.filter((l) => INVERTIBLE.includes(l.type)).map((l) => l.name);
}

export interface LayerReconstruction {
  layer: string;
  /** Position of the layer in the model's node order (its depth). */
  depth: number;
  /** Undefined when the layer could not be inverted (see `error`). */
  relativeError?: number;
  image?: Tensor;
  rgba?: RgbaImage;
  losses?: number[];
  seconds?: number;
  /** Why the layer was skipped (an empty representation, a run that diverged). */
  error?: string;
}

export interface EveryLayerOptions extends Omit<InversionOptions, 'layer' | 'onStep'> {
  /** The layers, in any order (default: invertibleLayers). */
  layers?: string[];
  /** Called when a layer starts, and with each of its steps. */
  onProgress?: (info: { layer: string; index: number; count: number; step: number; steps: number }) => void;
  /** Called with each layer's result as it is done. */
  onLayer?: (result: LayerReconstruction, index: number, count: number) => void | Promise<void>;
}

/**
 * Inverts `image`'s representation at each layer. A layer whose inversion fails (an empty
 * representation, a diverging run) is reported with its `error` instead of stopping the others;
 * a cancel (options.signal) stops them all.
 */
export async function invertEveryLayer(model: Model, image: Tensor, options: EveryLayerOptions = {}): Promise<LayerReconstruction[]> {
  const layers = options.layers ?? invertibleLayers(model);
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('invertEveryLayer: layers must be a non-empty list of layer names');
  for (const layer of layers) model.layerShape(layer); // all names checked before any work
  const depthOf = new Map(model.layers.map((l, i) => [l.name, i]));
  const { layers: _unused, onProgress, onLayer, ...inversion } = options;
  const results: LayerReconstruction[] = [];
  for (const [index, layer] of layers.entries()) {
    onProgress?.({ layer, index, count: layers.length, step: 0, steps: inversion.steps ?? 0 });
    const depth = depthOf.get(layer)!;
    let result: LayerReconstruction;
    try {
      const r = await invertRepresentation(model, image, {
        ...inversion,
        layer,
        onStep: ({ step, steps }) => onProgress?.({ layer, index, count: layers.length, step: step + 1, steps }),
      });
      result = { layer, depth, relativeError: r.relativeError, image: r.image, rgba: r.rgba, losses: r.losses, seconds: r.seconds };
    } catch (e) {
      if ((e as Error).name === 'AbortError') {
        for (const done of results) done.image?.dispose();
        throw e;
      }
      result = { layer, depth, error: (e as Error).message };
    }
    results.push(result);
    await onLayer?.(result, index, layers.length);
  }
  return results;
}
