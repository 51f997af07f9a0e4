// Activation Maximization on the default model: the trace rises, every class's AM image is
// classified as that class, Erhan's criterion against real (concept) images, restarts and
// diversity, fixed seed, NaN stop, bad input, class saliency and first-layer filters.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { loadDefaultModel, type Model } from '../src/index.ts';
import {
  activationMaximization,
  channel,
  classSaliency,
  classScore,
  erhanCriterion,
  firstLayerFilters,
  highestActivation,
  highestActivations,
  perImage,
} from '../src/methods/activation-maximization/index.ts';
import { memoryImages } from '../src/methods/common/image-set.ts';
import { generateImage } from '../src/data/concepts/index.ts';

let cached: Promise<Model> | undefined;
const model = async () => (cached ??= getEngine().then((e) => loadDefaultModel(e)));

async function scores(m: Model, image: import('../src/index.ts').Tensor): Promise<Float32Array[]> {
  const out = await m.forward(image);
  const s = await out.get(m.spec.output)!.readFloat();
  for (const t of out.values()) t.dispose();
  const classes = s.length / image.shape[0];
  return Array.from({ length: image.shape[0] }, (_, b) => s.slice(b * classes, (b + 1) * classes));
}
const argmax = (v: ArrayLike<number>) => Array.prototype.indexOf.call(v, Math.max(...Array.from(v)));

/** Mean pairwise cosine similarity of the images' Gram matrices at `layer` (CPU). */
async function gramSimilarity(m: Model, image: import('../src/index.ts').Tensor, layer: string): Promise<number> {
  const out = await m.forward(image, { until: layer });
  const a = await out.get(layer)!.readFloat();
  const [b, c, h, w] = out.get(layer)!.shape;
  for (const t of out.values()) t.dispose();
  const hw = h * w;
  const grams = Array.from({ length: b }, (_, n) => {
    const g = new Float64Array(c * c);
    for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += a[(n * c + i) * hw + p] * a[(n * c + j) * hw + p];
      g[i * c + j] = s;
    }
    const norm = Math.hypot(...g);
    return g.map((v) => v / norm);
  });
  let total = 0;
  let pairs = 0;
  for (let i = 0; i < b; i++) for (let j = i + 1; j < b; j++) {
    total += grams[i].reduce((s, v, k) => s + v * grams[j][k], 0);
    pairs++;
  }
  return total / pairs;
}

describe('activationMaximization on the default model', () => {
  it('raises a unit: the trace rises and the final activation beats the start', async () => {
    const m = await model();
    const r = await activationMaximization(m, { layer: 'conv3', unit: 5, steps: 24, seed: 3 });
    expect(r.trace.length).toBe(24);
    const head = (r.trace[0] + r.trace[1] + r.trace[2]) / 3;
    const tail = (r.trace[21] + r.trace[22] + r.trace[23]) / 3;
    expect(tail).toBeGreaterThan(head + 0.5);
    expect(r.activation).toBeGreaterThan(r.trace[0]);
    expect(r.image.shape).toEqual([1, 3, 64, 64]);
    expect(r.rgba[0].width).toBe(64);
    r.image.dispose();
  });

  it('for every class, the AM image (class score before the softmax, all classes as one batch) is classified as that class', async () => {
    const m = await model();
    const classes = m.labels!.map((_, i) => i);
    const r = await activationMaximization(m, { objective: perImage(classes.map((c) => classScore(c))), restarts: classes.length, keep: 'all', steps: 30, seed: 1, jitter: 2 });
    const s = await scores(m, r.image);
    const predicted = s.map(argmax);
    expect(predicted).toEqual(classes);
    // The returned activations are the class scores themselves.
    classes.forEach((c) => expect(r.activations[c]).toBeCloseTo(s[c][c], 3));
    r.image.dispose();
  });

  it("meets Erhan's criterion: the unit's AM activation is above its highest over a reference set of real images", async () => {
    const m = await model();
    const pictures = Array.from({ length: 24 }, (_, i) => {
      const g = generateImage(777, i, 64);
      return { width: 64, height: 64, rgb: g.rgb };
    });
    const set = memoryImages(pictures);
    const objective = channel('relu4', 63); // a unit that fires on these pictures
    const r = await activationMaximization(m, { objective, steps: 40, seed: 2, jitter: 1, reference: set });
    const report = await erhanCriterion(m, objective, r.image, set, 8);
    expect(report.images).toBe(24);
    expect(report.amActivation).toBeCloseTo(r.activation, 3);
    expect(report.setMax).toBeGreaterThan(0);
    expect(report.amActivation).toBeGreaterThan(report.setMax);
    expect(report.exceeds).toBe(true);
    // The same report straight from activationMaximization's `reference` option.
    expect(r.erhan!.setMax).toBeCloseTo(report.setMax, 5);
    expect(r.erhan!.setArgMax).toBe(report.setArgMax);
    expect(r.erhan!.exceeds).toBe(true);
    // Several objectives over the set in one pass each give what one pass per objective gives.
    const objectives = [objective, channel('relu3', 5), classScore(2)];
    const together = await highestActivations(m, objectives, set, 5);
    for (const [k, o] of objectives.entries()) {
      const alone = await highestActivation(m, o, set, 8);
      expect(together[k].value).toBeCloseTo(alone.value, 4);
      expect(together[k].name).toBe(alone.name);
    }
    expect(together[0].value).toBeCloseTo(report.setMax, 4);
    r.image.dispose();
  });

  it('keeps the best of several restarts, returns all on request, and the diversity term makes them less alike', async () => {
    const m = await model();
    const base = { layer: 'conv2', unit: 3, steps: 16, seed: 5, restarts: 3, keep: 'all' as const };
    const plain = await activationMaximization(m, base);
    expect(plain.image.shape[0]).toBe(3);
    expect(plain.traces[0].length).toBe(3);
    const best = await activationMaximization(m, { ...base, keep: 'best' });
    expect(best.image.shape[0]).toBe(1);
    expect(best.activation).toBeCloseTo(Math.max(...plain.activations), 4);
    expect(best.best).toBe(argmax(plain.activations));
    const diverse = await activationMaximization(m, { ...base, diversity: 20 });
    const simPlain = await gramSimilarity(m, plain.image, 'conv2');
    const simDiverse = await gramSimilarity(m, diverse.image, 'conv2');
    expect(simDiverse).toBeLessThan(simPlain - 0.02);
    for (const r of [plain, best, diverse]) r.image.dispose();
  });

  it('gives the same image for the same seed, another for another seed', async () => {
    const m = await model();
    const run = (seed: number) => activationMaximization(m, { layer: 'fc5', unit: 10, steps: 6, seed, jitter: 3, scale: [0.9, 1.1], preset: 'yosinski1', restarts: 2 });
    const [a, b, c] = [await run(9), await run(9), await run(10)];
    const [da, db, dc] = [await a.image.readFloat(), await b.image.readFloat(), await c.image.readFloat()];
    expect(Array.from(da)).toEqual(Array.from(db));
    expect(a.trace).toEqual(b.trace);
    expect(Array.from(da)).not.toEqual(Array.from(dc));
    for (const r of [a, b, c]) r.image.dispose();
  });

  it('stops with an Error naming the step when the image blows up', async () => {
    const m = await model();
    const run = activationMaximization(m, { layer: 'fc6', unit: 0, steps: 20, seed: 1, optimizer: 'sgd', momentum: 0.9, learningRate: 1e38 });
    await expect(run).rejects.toThrow(/activationMaximization: the objective became (NaN|-?Infinity) at step \d+ of 20 .*learning rate/);
  });

  it('rejects bad input with one line, before any GPU work', async () => {
    const m = await model();
    await expect(activationMaximization(m, { layer: 'conv9', unit: 0, steps: 5 })).rejects.toThrow(/no layer 'conv9'. Layers: image|no layer 'conv9'. Layers: conv1/);
    await expect(activationMaximization(m, { layer: 'conv1', unit: 16, steps: 5 })).rejects.toThrow("layer 'conv1' has units 0..15, got unit 16");
    await expect(activationMaximization(m, { class: 'dodecahedron', steps: 5 })).rejects.toThrow("has no class 'dodecahedron'");
    await expect(activationMaximization(m, { layer: 'conv1', unit: 0, steps: 5, preset: 'yosinski9' })).rejects.toThrow(/unknown regularization preset 'yosinski9'. Presets: none, yosinski1/);
    await expect(activationMaximization(m, { layer: 'conv1', unit: 0, steps: 5, diversity: 1 })).rejects.toThrow('restarts >= 2');
    await expect(activationMaximization(m, { layer: 'fc5', unit: 0, steps: 5, position: 'centre' })).rejects.toThrow("layer 'fc5' has no spatial map");
    await expect(activationMaximization(m, { layer: 'conv1', unit: 0, steps: 0 })).rejects.toThrow('steps must be a positive integer, got 0');
    await expect(activationMaximization(m, { layer: 'conv1', unit: 0, steps: 5, normPercentile: 120 })).rejects.toThrow('normPercentile must be in [0, 100], got 120');
  });

  it("computes Simonyan's class saliency (max over colours of |dS_c/dx|) and shows the first-layer filters", async () => {
    const m = await model();
    const g = generateImage(31, 0, 64);
    const { imageToTensor } = await import('../src/data/image.ts');
    const x = imageToTensor(m.engine, g.rgb, 64, 64, m.spec.input);
    const { map, cls } = await classSaliency(m, x, m.labels![g.classIndex]);
    expect(cls).toBe(g.classIndex);
    expect(map.shape).toEqual([1, 1, 64, 64]);
    const grad = await (await m.inputGradient(x, { layer: 'fc6', unit: cls })).readFloat();
    const got = await map.readFloat();
    for (const i of [0, 100, 2080, 4095]) expect(got[i]).toBeCloseTo(Math.max(Math.abs(grad[i]), Math.abs(grad[4096 + i]), Math.abs(grad[8192 + i])), 6);
    // Saliency concentrates on the objects: the top 5% of pixels fall on them clearly more often than chance.
    const order = Array.from(got.keys()).sort((a, b) => got[b] - got[a]).slice(0, 205);
    const onObject = order.filter((i) => g.object[i] !== 0).length;
    const covered = g.object.filter((v) => v !== 0).length / g.object.length;
    expect(onObject / order.length).toBeGreaterThan(Math.min(0.9, covered + 0.15));
    x.dispose();
    map.dispose();
    const { layer, filters } = await firstLayerFilters(m);
    expect(layer).toBe('conv1');
    expect(filters.length).toBe(16);
    expect([filters[0].width, filters[0].height]).toEqual([5, 5]);
  });
});
