// DeconvNet projections (Zeiler & Fergus 2014, "Visualizing and understanding convolutional
// networks", section 2.1). To see what excites unit u of layer L in image x:
//   1. run x forward, recording every max-pool's switches (where each window's maximum was);
//   2. keep the chosen activation a_u(r, c) (or unit u's whole feature map; a linear layer's one
//      neuron) and set every other activation of L to zero;
//   3. go down to the pixels, layer by layer in reverse: max-UNPOOL through the switches,
//      RECTIFY the reconstructed signal (ReLU applied to it, not the forward mask), and FILTER
//      with the layer's own filters transposed (a transposed convolution with its weights).
//      Concat/split, LRN, average and global pools, linear layers and padding go down through
//      their ordinary backward.
// That is exactly the graph's backward pass with ReLU's backward rule replaced, so one machinery
// (Model.backward) gives all three variants, which differ only at ReLU:
//   'deconvnet'  R = max(R_above, 0)                      (Zeiler & Fergus; the default)
//   'guided'     R = max(R_above, 0) * [forward x > 0]   (guided backpropagation, Springenberg et al. 2015)
//   'gradient'   R = R_above * [forward x > 0]            (the gradient: a saliency map, Simonyan et al. 2014)
//
// Seed (what the kept activations are set to): by default their own values, as Zeiler & Fergus
// do ("set all other activations in the layer to zero and pass the feature maps as input to the
// attached deconvnet layer"): the projection's scale then says how strongly the unit fired, and
// for a whole feature map each position weighs by its activation, so positions where the unit
// is silent add nothing. Seeding ones instead (`seed: 'one'`) would, in 'deconvnet' mode, project
// silent positions as strongly as active ones, since rectifying the backward signal ignores the
// forward pass; it is the choice for 'gradient' mode when the gradient itself is wanted
// (model.inputGradient's seed).
//
// Batched: `projectMany` projects many units or positions of one layer of one image with a
// single forward pass and one backward pass per `batch` of seeds (see shared-forward.ts).

import type { Tensor } from '../../engine/tensor.ts';
import type { ReluMode } from '../../ops/elementwise.ts';
import { RELU_MODES } from '../../ops/elementwise.ts';
import type { Model } from '../../models/model.ts';
import { broadcastTrace } from './shared-forward.ts';

export type ProjectionMode = ReluMode;
export type SeedKind = 'activation' | 'one';

/** One activation (with `position`) or one unit's whole map to project. */
export interface ProjectionTarget {
  unit: number;
  /** [row, col] in the layer's map; without it, the unit's whole map (a linear layer's neuron). */
  position?: [number, number];
}

export interface DeconvnetOptions extends ProjectionTarget {
  layer: string;
  /** How ReLUs pass the signal down (default 'deconvnet'). */
  mode?: ProjectionMode;
  /** The kept activations' values (default 'activation', Zeiler & Fergus) or ones. */
  seed?: SeedKind;
}

export interface ProjectManyOptions {
  layer: string;
  targets: ProjectionTarget[];
  mode?: ProjectionMode;
  seed?: SeedKind;
  /** Seeds per backward pass (default 16): memory grows with it, time per projection falls. */
  batch?: number;
}

/** Checks a target against the layer's shape; one-line errors naming what is wrong. */
export function checkTarget(model: Model, layer: string, target: ProjectionTarget): void {
  const shape = model.layerShape(layer); // throws listing the layers
  const units = shape[1];
  const { unit, position } = target;
  if (!Number.isInteger(unit) || unit < 0 || unit >= units) throw new Error(`layer '${layer}' has units 0..${units - 1}, got unit ${unit}`);
  if (position === undefined) return;
  if (shape.length !== 4) throw new Error(`layer '${layer}' has no spatial map (shape [${shape.join(', ')}]); omit position`);
  const [r, c] = Array.isArray(position) ? position : [NaN, NaN];
  if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0 || r >= shape[2] || c >= shape[3]) {
    throw new Error(`position [${r}, ${c}] is outside layer '${layer}' map of ${shape[2]}x${shape[3]}`);
  }
}

/** Checks that `image` is one preprocessed image of the model's input size. */
export function checkImage(model: Model, image: Tensor): void {
  const [c, h, w] = model.inputShape;
  const s = image?.shape;
  if (!s || s.length !== 4 || s[0] !== 1 || s[1] !== c || s[2] !== h || s[3] !== w) {
    throw new Error(`model '${model.spec.name}' expects one image [1, ${c}, ${h}, ${w}], got ${s ? `[${s.join(', ')}]` : String(image)}`);
  }
}

function checkMode(mode: string, seed: string): void {
  if (!RELU_MODES.includes(mode as ReluMode)) throw new Error(`mode must be one of ${RELU_MODES.join(', ')}, got '${mode}'`);
  if (seed !== 'activation' && seed !== 'one') throw new Error(`seed must be 'activation' or 'one', got '${seed}'`);
}

/** Ones at the targets' kept activations, zeros elsewhere: [targets.length, ...the layer's shape]. */
function seedMask(shape: number[], targets: ProjectionTarget[]): Float32Array {
  const [, units, h = 1, w = 1] = shape;
  const plane = h * w;
  const data = new Float32Array(targets.length * units * plane);
  targets.forEach(({ unit, position }, n) => {
    const base = (n * units + unit) * plane;
    if (position) data[base + position[0] * w + position[1]] = 1;
    else data.fill(1, base, base + plane);
  });
  return data;
}

/**
 * Projections of many targets of one layer of one image, as [targets.length, C, H, W] in the
 * input space: one forward pass, ceil(targets / batch) backward passes.
 */
export async function projectMany(model: Model, image: Tensor, options: ProjectManyOptions): Promise<Tensor> {
  const { layer, targets, mode = 'deconvnet', seed = 'activation', batch = 16 } = options;
  checkImage(model, image);
  checkMode(mode, seed);
  if (!Array.isArray(targets) || targets.length === 0) throw new Error('projectMany: no targets to project');
  for (const t of targets) checkTarget(model, layer, t);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);

  const { engine } = model;
  const shape = model.layerShape(layer);
  const trace = model.trace(image, { until: layer });
  const parts: Tensor[] = [];
  try {
    for (let first = 0; first < targets.length; first += batch) {
      const chunk = targets.slice(first, first + batch);
      const count = chunk.length;
      // One target alone uses the trace itself; otherwise the trace seen as `count` copies.
      const alone = targets.length === 1;
      const shared = alone ? trace : broadcastTrace(model, trace, count, mode);
      let seeds = engine.tensor(seedMask(shape, chunk), [count, ...shape.slice(1)]);
      try {
        if (seed === 'activation') {
          // The mask times the activations, on the GPU (no read back between forward and backward).
          const activation = trace.outputs.get(layer)!;
          const repeated = count === 1 ? activation.reshape(activation.shape) : engine.ops.concat(Array.from({ length: count }, () => activation), 0);
          const kept = engine.ops.mul(seeds, repeated);
          repeated.dispose();
          seeds.dispose();
          seeds = kept;
        }
        const { input } = model.backward(shared, new Map([[layer, seeds]]), { relu: mode, input: true, consumeTrace: true });
        parts.push(input!);
      } finally {
        if (!alone) {
          shared.dispose();
          shared.input.dispose();
        }
        seeds.dispose();
      }
    }
  } catch (e) {
    for (const p of parts) p.dispose();
    throw e;
  } finally {
    trace.dispose();
  }
  if (parts.length === 1) return parts[0];
  const all = engine.ops.concat(parts, 0);
  for (const p of parts) p.dispose();
  return all;
}

/**
 * The projection of one activation (`position`) or one unit's feature map of `layer` down to the
 * input: a Tensor shaped like `image` (CONTRACT.md).
 */
export async function deconvnet(model: Model, image: Tensor, options: DeconvnetOptions): Promise<Tensor> {
  const { layer, unit, position, mode, seed } = options ?? ({} as DeconvnetOptions);
  return projectMany(model, image, { layer, targets: [{ unit, position }], mode, seed, batch: 1 });
}
