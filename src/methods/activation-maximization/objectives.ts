// What Activation Maximization maximizes, as small pieces that compose (Lucent-style):
//
//   channel(L, u)          mean over the map of channel u of layer L: (1 / HW) sum_ij a_u(i, j)
//   channelAt(L, u, [r,c]) channel u at one position (default: the centre of the map)
//   neuron(L, u)           one neuron of a layer without a map (a linear layer); on a map, the centre
//   classScore(c)          the class score S_c BEFORE the softmax (Simonyan et al. 2014: maximizing
//                          the softmax output can be done by suppressing the other classes)
//   classModel(c, lambda)  Simonyan's class model  S_c(x) - lambda ||x||_2^2
//   imageL2(lambda)        -lambda ||x||_2^2 alone
//   diversity(L)           minus the mean cosine similarity between the Gram matrices G_b = A_b A_b^T
//                          of layer L's activations A_b [C, HW] of the images of the batch (Olah et
//                          al. 2017, "Feature Visualization": several different images of one unit
//                          in one batch); Lucid's weight is 1e2 against a channel objective
//   sum(a, b, ...), weighted(w, a), negate(a)
//
// Every objective is a value per image of the batch; the optimiser raises the sum. Linear ones
// (channel, neuron, class score) are a fixed weighting W of one layer's output: value_b = <W_b,
// a_b>, and d value / d a = W, which seeds the model's backward pass directly.

import type { Engine } from '../../engine/engine.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { Model } from '../../models/model.ts';

/** An objective evaluated on a batch: values [B] and the gradient seeds it puts on layers. */
export interface ObjectiveValue {
  /** [B]: the objective of each image. */
  values: Tensor;
  /** d(sum of values) / d(layer output), per layer it reads. */
  seeds: Map<string, Tensor>;
  /** d(sum of values) / d image, for terms on the image itself (the L2 penalty). */
  imageGrad?: Tensor;
}

/** An objective tied to a model and a batch size (its weight tensors allocated). */
export interface BoundObjective {
  /** The layers whose outputs it reads. */
  layers: string[];
  /** `outputs` holds at least `layers`; the caller disposes what it returns. */
  evaluate(outputs: Map<string, Tensor>, image: Tensor): ObjectiveValue | Promise<ObjectiveValue>;
  dispose(): void;
}

export interface Objective {
  /** A short description ('conv3:5 mean', 'class goldfish - 0.01 ||x||^2'). */
  readonly name: string;
  /** Throws a one-line Error when the objective does not fit the model (before any GPU work). */
  check(model: Model): void;
  bind(model: Model, batch: number): BoundObjective;
}

/** The deepest of the layers (the forward pass runs until it). */
export function deepest(model: Model, layers: string[]): string {
  if (!layers.length) throw new Error('the objective reads no layer of the model (an image term alone has nothing to maximize)');
  return layers.reduce((a, b) => (model.nodeIndexOf(b) > model.nodeIndexOf(a) ? b : a));
}

/** Per-image objective values of `bound` on `image` (no transforms), read back. */
export async function objectiveValues(model: Model, bound: BoundObjective, image: Tensor): Promise<number[]> {
  const outputs = await model.forward(image, { until: deepest(model, bound.layers) });
  try {
    return await valuesFrom(bound, outputs, image);
  } finally {
    for (const t of outputs.values()) t.dispose();
  }
}

/** Per-image values of `bound` from layer outputs already computed (the caller keeps `outputs`). */
export async function valuesFrom(bound: BoundObjective, outputs: Map<string, Tensor>, image: Tensor): Promise<number[]> {
  const v = await bound.evaluate(outputs, image);
  for (const s of v.seeds.values()) s.dispose();
  v.imageGrad?.dispose();
  const values = Array.from(await v.values.readFloat());
  v.values.dispose();
  return values;
}

/** Sum over each image of a batch: [B, ...] -> [B]. */
export function perImageSum(engine: Engine, x: Tensor): Tensor {
  const batch = x.shape[0];
  const rest = x.size / batch;
  const column = x.reshape([batch, 1, rest, 1]);
  const means = engine.ops.spatialMean(column);
  const sums = engine.ops.scale(means, rest);
  const out = sums.reshape([batch]);
  for (const t of [column, means, sums]) t.dispose();
  return out;
}

function checkUnit(model: Model, layer: string, unit: number): number[] {
  const shape = model.layerShape(layer); // throws listing the layers
  const units = shape[1];
  if (!Number.isInteger(unit) || unit < 0 || unit >= units) throw new Error(`layer '${layer}' has units 0..${units - 1}, got unit ${unit}`);
  return shape;
}

/** A fixed weighting of one layer's output, the same for every image of the batch. */
function linear(name: string, layer: string, unit: number, weightsOf: (shape: number[]) => Float32Array, extraCheck?: (shape: number[]) => void): Objective {
  return {
    name,
    check(model) {
      extraCheck?.(checkUnit(model, layer, unit));
    },
    bind(model, batch) {
      const shape = checkUnit(model, layer, unit);
      const one = weightsOf(shape);
      const all = new Float32Array(one.length * batch);
      for (let b = 0; b < batch; b++) all.set(one, b * one.length);
      const weights = model.engine.tensor(all, [batch, ...shape.slice(1)]);
      return {
        layers: [layer],
        evaluate(outputs) {
          const out = outputs.get(layer)!;
          const product = model.engine.ops.mul(out, weights);
          const values = perImageSum(model.engine, product);
          product.dispose();
          return { values, seeds: new Map([[layer, weights.reshape(weights.shape)]]) };
        },
        dispose: () => weights.dispose(),
      };
    },
  };
}

const planeOf = (shape: number[]) => (shape.length === 4 ? shape[2] * shape[3] : 1);

/** The mean of channel `unit` of `layer` over its map (a linear layer: the neuron itself). */
export function channel(layer: string, unit: number): Objective {
  return linear(`${layer}:${unit} mean`, layer, unit, (shape) => {
    const plane = planeOf(shape);
    const w = new Float32Array(shape[1] * plane);
    w.fill(1 / plane, unit * plane, (unit + 1) * plane);
    return w;
  });
}

/** Channel `unit` of `layer` at one position of its map (default: the centre, floor(H/2), floor(W/2)). */
export function channelAt(layer: string, unit: number, position?: [number, number]): Objective {
  const where = (shape: number[]): [number, number] => position ?? [Math.floor(shape[2] / 2), Math.floor(shape[3] / 2)];
  const name = `${layer}:${unit} at ${position ? `[${position}]` : 'the centre'}`;
  return linear(
    name,
    layer,
    unit,
    (shape) => {
      const [r, c] = where(shape);
      const w = new Float32Array(shape[1] * planeOf(shape));
      w[unit * planeOf(shape) + r * shape[3] + c] = 1;
      return w;
    },
    (shape) => {
      if (shape.length !== 4) throw new Error(`layer '${layer}' has no spatial map (shape [${shape}]); use neuron() or channel()`);
      const [r, c] = where(shape);
      if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0 || r >= shape[2] || c >= shape[3]) {
        throw new Error(`position [${r}, ${c}] is outside layer '${layer}' map of ${shape[2]}x${shape[3]}`);
      }
    },
  );
}

/** One neuron: a linear layer's unit, or on a conv layer the unit at the centre of its map. */
export function neuron(layer: string, unit: number): Objective {
  let atCentre: Objective | undefined;
  const plain = linear(`${layer}:${unit}`, layer, unit, (shape) => {
    const w = new Float32Array(shape[1]);
    w[unit] = 1;
    return w;
  });
  const pick = (model: Model) => {
    if (model.layerShape(layer).length === 4) return (atCentre ??= channelAt(layer, unit));
    return plain;
  };
  return { name: `${layer}:${unit}`, check: (model) => pick(model).check(model), bind: (model, batch) => pick(model).bind(model, batch) };
}

/** The layer holding class scores before the softmax: the output, or the softmax's input. */
export function scoreLayer(model: Model): string {
  const output = model.spec.nodes.find((n) => n.name === model.spec.output);
  return output?.type === 'softmax' ? output.inputs[0] : model.spec.output;
}

/** A class index from a number or a label name (case-insensitive; 'n01443537 goldfish' lines match by name). */
export function classIndex(model: Model, cls: number | string): number {
  const count = model.layerShape(scoreLayer(model))[1];
  if (typeof cls === 'number') {
    if (!Number.isInteger(cls) || cls < 0 || cls >= count) throw new Error(`model '${model.spec.name}' has classes 0..${count - 1}, got ${cls}`);
    return cls;
  }
  const labels = model.labels;
  if (!labels) throw new Error(`model '${model.spec.name}' has no class names; give the class as a number 0..${count - 1}`);
  const want = cls.trim().toLowerCase();
  const index = labels.findIndex((l) => l.toLowerCase() === want || l.toLowerCase().split(/,\s*/).includes(want));
  if (index < 0) {
    const near = labels.filter((l) => l.toLowerCase().includes(want)).slice(0, 5);
    throw new Error(`model '${model.spec.name}' has no class '${cls}'${near.length ? ` (similar: ${near.join('; ')})` : ''}`);
  }
  return index;
}

/** The class score S_c before the softmax (Simonyan et al. 2014). */
export function classScore(cls: number | string): Objective {
  const resolve = (model: Model) => channel(scoreLayer(model), classIndex(model, cls));
  return {
    name: `class ${cls} score`,
    check: (model) => resolve(model).check(model),
    bind: (model, batch) => resolve(model).bind(model, batch),
  };
}

/** -lambda ||x||_2^2 per image, on the image itself. */
export function imageL2(lambda: number): Objective {
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new Error(`the L2 penalty lambda must be a finite number >= 0, got ${lambda}`);
  return {
    name: `-${lambda} ||x||^2`,
    check() {},
    bind(model) {
      const { ops } = model.engine;
      return {
        layers: [],
        evaluate(_outputs, image) {
          const squares = ops.square(image);
          const sums = perImageSum(model.engine, squares);
          const values = ops.scale(sums, -lambda);
          squares.dispose();
          sums.dispose();
          return { values, seeds: new Map(), imageGrad: ops.scale(image, -2 * lambda) };
        },
        dispose() {},
      };
    },
  };
}

/** Simonyan et al. 2014's class model: S_c(x) - lambda ||x||_2^2. */
export function classModel(cls: number | string, lambda: number): Objective {
  return sum(classScore(cls), imageL2(lambda));
}

/** Lucid's diversity, maximized: -(1/B) sum_{i != j} <G_i / |G_i|, G_j / |G_j|> shared out per image. */
export function diversity(layer: string): Objective {
  return {
    name: `diversity(${layer})`,
    check(model) {
      const shape = model.layerShape(layer);
      if (shape.length !== 4) throw new Error(`diversity needs a layer with feature maps, '${layer}' has shape [${shape}]`);
    },
    bind(model) {
      return {
        layers: [layer],
        evaluate: (outputs) => diversityTerm(model.engine, outputs.get(layer)!, layer),
        dispose() {},
      };
    },
  };
}

/**
 * The Gram matrices go to a [B, C*C] matrix M, S = M M^T [B, B] is read back (tiny), and the
 * coefficients Q [B, B] of d D / d M = Q M are formed on the CPU, D = -(1/B) sum_{i!=j} K_ij with
 * K_ij = S_ij / (n_i n_j), n_i = sqrt(S_ii):
 *   Q_ij = -(2/B) / (n_i n_j) (j != i),   Q_ii = (2/B) sum_{j != i} K_ij / n_i^2.
 * Image i's value is -(1/B) sum_{j != i} K_ij, so the values add up to D. Each G_i is symmetric,
 * so d D / d A_i = 2 (dD/dG_i) A_i.
 */
async function diversityTerm(engine: Engine, a: Tensor, layer: string): Promise<ObjectiveValue> {
  const { ops } = engine;
  const [batch, c, h, w] = a.shape;
  const hw = h * w;
  const planes = a.reshape([batch * c, hw]);
  const grams: Tensor[] = [];
  const rows: Tensor[] = [];
  for (let b = 0; b < batch; b++) rows.push(sliceRows(engine, planes, b * c, c));
  for (const r of rows) grams.push(ops.gemm(r, r, null, { transB: true }));
  const m = ops.concat(grams.map((g) => g.reshape([1, c * c])), 0);
  const s = ops.gemm(m, m, null, { transB: true });
  const sData = await s.readFloat();
  s.dispose();
  const n = Array.from({ length: batch }, (_, i) => Math.sqrt(Math.max(sData[i * batch + i], 1e-20)));
  const q = new Float32Array(batch * batch);
  const values = new Float32Array(batch);
  for (let i = 0; i < batch; i++) {
    let k = 0;
    for (let j = 0; j < batch; j++) {
      if (j === i) continue;
      const kij = sData[i * batch + j] / (n[i] * n[j]);
      k += kij;
      q[i * batch + j] = -2 / batch / (n[i] * n[j]);
    }
    q[i * batch + i] = ((2 / batch) * k) / (n[i] * n[i]);
    values[i] = -k / batch;
  }
  const qt = engine.tensor(q, [batch, batch]);
  const dM = ops.gemm(qt, m, null, {}); // [B, C*C]
  const dA: Tensor[] = [];
  for (let b = 0; b < batch; b++) {
    const dG = sliceRows(engine, dM, b, 1).reshape([c, c]);
    dA.push(ops.gemm(dG, rows[b], null, { alpha: 2 }));
    dG.dispose();
  }
  const seed = ops.concat(dA, 0).reshape([batch, c, h, w]);
  for (const t of [planes, ...rows, ...grams, m, qt, dM, ...dA]) t.dispose();
  return { values: engine.tensor(values, [batch]), seeds: new Map([[layer, seed]]) };
}

/** Rows [start, start + count) of a 2-D tensor, as a new tensor (concat's split does the copy). */
function sliceRows(engine: Engine, x: Tensor, start: number, count: number): Tensor {
  const total = x.shape[0];
  const sizes = [start, count, total - start - count].filter((s) => s > 0);
  const parts = engine.ops.split(x, sizes, 0);
  const index = start > 0 ? 1 : 0;
  parts.forEach((p, i) => i !== index && p.dispose());
  return parts[index];
}

/** The sum of objectives; seeds on the same layer add. */
export function sum(...terms: Objective[]): Objective {
  if (terms.length === 0) throw new Error('sum of objectives: give at least one');
  return {
    name: terms.map((t) => t.name).join(' + '),
    check: (model) => terms.forEach((t) => t.check(model)),
    bind(model, batch) {
      const bound = terms.map((t) => t.bind(model, batch));
      return {
        layers: [...new Set(bound.flatMap((b) => b.layers))],
        async evaluate(outputs, image) {
          const parts = [];
          for (const b of bound) parts.push(await b.evaluate(outputs, image));
          return combine(model.engine, parts);
        },
        dispose: () => bound.forEach((b) => b.dispose()),
      };
    },
  };
}

/** w times an objective (w < 0 turns a reward into a penalty). */
export function weighted(weight: number, term: Objective): Objective {
  if (!Number.isFinite(weight)) throw new Error(`an objective's weight must be a finite number, got ${weight}`);
  return {
    name: `${weight} * (${term.name})`,
    check: (model) => term.check(model),
    bind(model, batch) {
      const bound = term.bind(model, batch);
      const { ops } = model.engine;
      return {
        layers: bound.layers,
        async evaluate(outputs, image) {
          const v = await bound.evaluate(outputs, image);
          const scaled = (t: Tensor) => {
            const out = ops.scale(t, weight);
            t.dispose();
            return out;
          };
          return {
            values: scaled(v.values),
            seeds: new Map([...v.seeds].map(([k, t]) => [k, scaled(t)])),
            imageGrad: v.imageGrad && scaled(v.imageGrad),
          };
        },
        dispose: () => bound.dispose(),
      };
    },
  };
}

export const negate = (term: Objective): Objective => weighted(-1, term);

/**
 * A different objective for each image of the batch: image b gets terms[b] (the batch must have
 * terms.length images). Several classes or units then optimise as one batch of restarts.
 */
export function perImage(terms: Objective[]): Objective {
  if (terms.length === 0) throw new Error('perImage: give one objective per image');
  return {
    name: `per image: ${terms.map((t) => t.name).join(' | ')}`,
    check: (model) => terms.forEach((t) => t.check(model)),
    bind(model, batch) {
      if (batch !== terms.length) throw new Error(`perImage has ${terms.length} objectives for a batch of ${batch} images`);
      const { engine } = model;
      const { ops } = engine;
      const bound = terms.map((t) => t.bind(model, batch));
      const masks = terms.map((_, b) => engine.tensor(Array.from({ length: batch }, (_, i) => (i === b ? 1 : 0)), [batch]));
      // Keeps image b of a [B, ...] tensor, zeroes the rest (the per-channel broadcast over a [1, B, rest, 1] view).
      const only = (t: Tensor, b: number) => {
        if (t.size === batch) {
          const flat = t.reshape([batch]);
          const kept = ops.mul(flat, masks[b]);
          const out = kept.reshape(t.shape);
          for (const x of [flat, kept, t]) x.dispose();
          return out;
        }
        const view = t.reshape([1, batch, t.size / batch, 1]);
        const kept = ops.mul(view, masks[b]);
        const out = kept.reshape(t.shape);
        for (const x of [view, kept, t]) x.dispose();
        return out;
      };
      return {
        layers: [...new Set(bound.flatMap((b) => b.layers))],
        async evaluate(outputs, image) {
          const parts: ObjectiveValue[] = [];
          for (const [b, term] of bound.entries()) {
            const v = await term.evaluate(outputs, image);
            parts.push({
              values: only(v.values, b),
              seeds: new Map([...v.seeds].map(([k, t]) => [k, only(t, b)])),
              imageGrad: v.imageGrad && only(v.imageGrad, b),
            });
          }
          return combine(engine, parts);
        },
        dispose() {
          bound.forEach((b) => b.dispose());
          masks.forEach((m) => m.dispose());
        },
      };
    },
  };
}

function combine(engine: Engine, parts: ObjectiveValue[]): ObjectiveValue {
  const { ops } = engine;
  const add = (a: Tensor | undefined, b: Tensor | undefined): Tensor | undefined => {
    if (!a) return b;
    if (!b) return a;
    const out = ops.add(a, b);
    a.dispose();
    b.dispose();
    return out;
  };
  let values: Tensor | undefined;
  let imageGrad: Tensor | undefined;
  const seeds = new Map<string, Tensor>();
  for (const p of parts) {
    values = add(values, p.values);
    imageGrad = add(imageGrad, p.imageGrad);
    for (const [layer, s] of p.seeds) seeds.set(layer, add(seeds.get(layer), s)!);
  }
  return { values: values!, seeds, imageGrad };
}
