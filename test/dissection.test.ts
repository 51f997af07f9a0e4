// Network Dissection end to end: planted detectors are found, a dead unit gets no label, the IoU
// arithmetic on a dataset worked by hand, the quantile pass against a CPU sort, independence of
// batch size and shard split, relabelling from the counts, and errors for bad input.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { Model } from '../src/models/model.ts';
import type { ModelSpec } from '../src/models/spec.ts';
import type { Dataset } from '../src/data/broden.ts';
import type { Engine } from '../src/engine/engine.ts';
import { conceptDataset, dissect, dissectQuantiles, dissectTally, layerThresholds, mergeQuantileStates, mergeTallyStates, relabel, shardRange } from '../src/methods/dissection/index.ts';
import type { TallyState } from '../src/methods/dissection/state.ts';
import { quantileRank } from '../src/reference/select.ts';

const plainInput = (shape: [number, number, number]) => ({ name: 'image', shape, preprocessing: { channelOrder: 'RGB' as const, range: 1 as const, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] } });

/**
 * Planted units on 64x64 RGB in [0, 1]. Layer 'detect' (64x64): 0 red (clip(20 (r - 2g - b) - 4,
 * 0, 1)), 1 blue (clip(20 (b - 2r - g) - 3, 0, 1)), 2 dead (all weights 0). Layer 'stripes'
 * (16x16, upsampled by the tally): horizontal stripes, the 8x8 mean of |d/dy| minus |d/dx| of the
 * luminance.
 */
function plantedModel(engine: Engine): Model {
  const spec: ModelSpec = {
    name: 'planted',
    input: plainInput([3, 64, 64]),
    nodes: [
      { name: 'colour', type: 'conv', inputs: ['image'], attrs: { kernelShape: [1, 1] } },
      { name: 'detect', type: 'clip', inputs: ['colour'], attrs: { min: 0, max: 1 } },
      { name: 'grad', type: 'conv', inputs: ['image'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
      { name: 'gradRelu', type: 'relu', inputs: ['grad'] },
      { name: 'energy', type: 'conv', inputs: ['gradRelu'], attrs: { kernelShape: [1, 1] } },
      { name: 'stripes', type: 'avgpool', inputs: ['energy'], attrs: { kernelShape: [8, 8], strides: [4, 4], pads: [2, 2, 2, 2] } },
    ],
    output: 'stripes',
  };
  const colour = [20, -40, -20, -40, -20, 20, 0, 0, 0];
  const dy = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
  const dx = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
  const grad = new Float32Array(4 * 3 * 9);
  [dy, dy.map((v) => -v), dx, dx.map((v) => -v)].forEach((f, o) => {
    for (let c = 0; c < 3; c++) for (let k = 0; k < 9; k++) grad[(o * 3 + c) * 9 + k] = f[k] / 3;
  });
  return new Model(
    engine,
    spec,
    new Map([
      ['colour.weight', engine.tensor(colour, [3, 3, 1, 1])],
      ['colour.bias', engine.tensor([-4, -3, 0], [3])],
      ['grad.weight', engine.tensor(grad, [4, 3, 3, 3])],
      ['energy.weight', engine.tensor([1, 1, -1, -1], [1, 4, 1, 1])],
    ]),
  );
}

/** A one-channel model whose layer 'a' is the image's luminance (1x1 conv of weight 1). */
function identityModel(engine: Engine, size: number): Model {
  const spec: ModelSpec = {
    name: 'identity',
    input: { name: 'image', shape: [1, size, size], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
    nodes: [{ name: 'a', type: 'conv', inputs: ['image'], attrs: { kernelShape: [1, 1] } }],
    output: 'a',
  };
  return new Model(engine, spec, new Map([['a.weight', engine.tensor([1], [1, 1, 1, 1])]]));
}

/** A Dataset in memory: grey pictures (one byte per pixel), per-category label maps. */
function handDataset(size: number, pictures: number[][], masks: Record<string, (number[] | null)[]>, labels: [number, string, string][]): Dataset {
  const categories = Object.keys(masks);
  return {
    dir: '(hand)',
    categories: categories.map((name) => ({ name, first: 0, last: 0, count: 0, frequency: 0 })),
    labels: new Map(labels.map(([number, name, category]) => [number, { number, name, category, categories: { [category]: 1 }, frequency: 1, coverage: 1, syns: [] }])),
    codes: {},
    images: pictures.map((_, i) => ({ image: `${i}.png`, path: '', split: 'x', ih: size, iw: size, sh: size, sw: size, masks: {}, wholeImage: {} })),
    classLabels: null,
    classNames: null,
    loadImage: (i) => ({ width: size, height: size, rgb: Uint8Array.from(pictures[i].flatMap((p) => [p, p, p])) }),
    loadLabelMasks: (i, c) => (masks[c][i] ? [Int32Array.from(masks[c][i]!)] : []),
  };
}

describe('dissect on planted detectors', () => {
  it('labels the red, blue and stripe units with exactly those concepts and the dead unit with none', async () => {
    const engine = await getEngine();
    const model = plantedModel(engine);
    const dataset = conceptDataset({ count: 40, seed: 11, size: 64 });
    const result = await dissect(model, dataset, { layers: ['detect', 'stripes'], quantile: 0.02, batch: 8 });
    const [red, blue, dead, stripes] = result.units;
    expect([red.layer, red.label, red.category]).toEqual(['detect', 'red-c', 'color']);
    expect(red.iou).toBeGreaterThan(0.5);
    expect([blue.label, blue.category]).toEqual(['blue-c', 'color']);
    expect(blue.iou).toBeGreaterThan(0.5);
    expect(dead.dead).toBe(true);
    expect(dead.label).toBeNull();
    expect([stripes.layer, stripes.label, stripes.category]).toEqual(['stripes', 'striped-horizontal', 'texture']);
    expect(stripes.iou).toBeGreaterThan(0.06); // at most about q / (share of images with that texture) = 0.02 / (1 / 9)
    expect(result.layers[0]).toMatchObject({ layer: 'detect', units: 3, detectors: 2, uniqueConcepts: 2 });
    expect(result.layers[0].byCategory.color).toEqual({ detectors: 2, unique: 2 });
    expect(result.layers[1]).toMatchObject({ layer: 'stripes', units: 1, detectors: 1, uniqueConcepts: 1 });
    expect(result.layers[1].byCategory.texture).toEqual({ detectors: 1, unique: 1 });
    // Relabelling from the counts: above every IoU nothing is a detector; at the same threshold, the same labels.
    expect(relabel(result.tally, 0.99).layers.map((l) => l.detectors)).toEqual([0, 0]);
    expect(relabel(result.tally, 0.04).units.map((u) => u.label)).toEqual(result.units.map((u) => u.label));
    // The top images of the red unit are images with red in them.
    for (const { image } of result.tally.layers[0].top[0]) expect(dataset.loadLabelMasks(image, 'color')[0].includes(1)).toBe(true);
  });
});

describe('dissect arithmetic', () => {
  it('gives the IoUs of a 2-image dataset worked by hand', async () => {
    const engine = await getEngine();
    // Activations (luminance / 255): image 0 [1, 0, 0, 128/255], image 1 [0, 1, 0, 0]. q = 0.25 of
    // 8 values: rank 2 from the top is 128/255, so the mask is image 0 {0, 3} and image 1 {1}.
    const dataset = handDataset(2, [[255, 0, 0, 128], [0, 255, 0, 0]], { color: [[1, 1, 0, 2], [0, 1, 2, 2]], scene: [null, [3, 3, 3, 3]] }, [
      [1, 'a', 'color'],
      [2, 'b', 'color'],
      [3, 'c', 'scene'],
    ]);
    const result = await dissect(identityModel(engine, 2), dataset, { layers: ['a'], quantile: 0.25, batch: 1 });
    const [unit] = result.units;
    // a: M = 3, L = 3 (img 0 {0, 1}, img 1 {1}), M AND L = 2 (img 0 {0}, img 1 {1}): 2 / (3 + 3 - 2).
    expect(unit.best).toEqual({ label: 'a', category: 'color', iou: 0.5 });
    expect([unit.label, unit.category]).toEqual(['a', 'color']);
    // c (scene): only image 1 is labelled in scene, so M counts 1 there: 1 / (1 + 4 - 1).
    // b: L = 3, M AND L = 1 (img 0 {3}): 1 / (3 + 3 - 1).
    expect(unit.runnersUp).toEqual([
      { label: 'c', category: 'scene', iou: 0.25 },
      { label: 'b', category: 'color', iou: 0.2 },
    ]);
    expect(unit.threshold).toBeLessThanOrEqual(Math.fround(128 / 255));
    expect(unit.threshold).toBeGreaterThan(Math.fround(128 / 255) - result.tally.layers[0].tolerance[0]);
    expect(relabel(result.tally, 0.5).units[0].label).toBeNull(); // IoU must exceed the threshold
  });

  it('finds thresholds within the stated tolerance of a CPU sort', async () => {
    const engine = await getEngine();
    const size = 16;
    const count = 12;
    const dataset = conceptDataset({ count, seed: 5, size });
    const model = identityModel(engine, size);
    const quantiles = await dissectQuantiles(model, dataset, { layers: ['a'], batch: 5 });
    // The CPU side: the same activations (luminance) read back from the model, sorted.
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      const rgb = dataset.loadImage(i).rgb;
      const x = engine.tensor(new Float32Array(size * size).map((_, p) => (0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]) / 255), [1, 1, size, size]);
      const out = await model.forward(x, { until: 'a' });
      values.push(...((await out.get('a')!.read()) as Float32Array));
      for (const t of out.values()) t.dispose();
      x.dispose();
    }
    values.sort((a, b) => b - a);
    for (const q of [0.005, 0.05, 0.3]) {
      const exact = values[quantileRank(q, values.length)];
      const [{ units }] = layerThresholds(quantiles, q);
      const { threshold, tolerance } = units[0];
      expect(threshold, `q = ${q}`).toBeLessThanOrEqual(exact);
      expect(exact - threshold, `q = ${q}`).toBeLessThan(tolerance);
      expect(tolerance).toBeLessThan((2 * (values[0] - values[values.length - 1])) / 2047);
    }
  });

  it('gives the same counts whatever the batch size and shard split (3 shards merged == one run)', async () => {
    const engine = await getEngine();
    const model = plantedModel(engine);
    const dataset = conceptDataset({ count: 10, seed: 3, size: 64 });
    const layers = ['stripes', 'detect'];
    const whole = await dissectQuantiles(model, dataset, { layers, batch: 4 });
    const shards = await Promise.all([1, 2, 3].map((k) => dissectQuantiles(model, dataset, { layers, batch: 3, shard: [k, 3] })));
    const merged = mergeQuantileStates([shards[2], shards[0], shards[1]]);
    expect(merged.layers).toEqual(whole.layers);
    expect(merged.ranges.map((r) => [r.start, r.end])).toEqual([[0, 3], [3, 6], [6, 10]]);
    const tallyWhole = await dissectTally(model, dataset, whole, { quantile: 0.05, batch: 10 });
    const tallies: TallyState[] = [];
    for (const k of [1, 2, 3]) tallies.push(await dissectTally(model, dataset, merged, { quantile: 0.05, batch: 2, shard: [k, 3] }));
    const tallyMerged = mergeTallyStates(tallies, 6);
    expect({ ...tallyMerged, ranges: [] }).toEqual({ ...tallyWhole, ranges: [] });
    expect(relabel(tallyMerged, 0.04).units).toEqual(relabel(tallyWhole, 0.04).units);
    expect(() => mergeTallyStates([tallies[0], tallies[0]], 6)).toThrow(/overlap/);
    // A checkpoint after the first batch (JSON round trip), resumed, gives the uninterrupted run's state.
    const saved: string[] = [];
    await dissectTally(model, dataset, whole, { quantile: 0.05, batch: 4, checkpoint: { every: 1, save: (s) => void saved.push(JSON.stringify(s)) } });
    expect(saved.map((s) => JSON.parse(s).ranges[0].done)).toEqual([4, 8]);
    const resumed = await dissectTally(model, dataset, whole, { quantile: 0.05, batch: 4, resume: JSON.parse(saved[0]) });
    expect(resumed).toEqual(tallyWhole);
    await expect(dissectTally(model, dataset, whole, { quantile: 0.01, resume: JSON.parse(saved[0]) })).rejects.toThrow(/checkpoint was tallied with other thresholds/);
    expect(shardRange([3, 3], 10)).toEqual({ start: 6, end: 10 });
  });
});

describe('dissect input errors', () => {
  it('names what is wrong before any GPU work', async () => {
    const engine = await getEngine();
    const model = plantedModel(engine);
    const dataset = conceptDataset({ count: 4, seed: 1, size: 64 });
    await expect(dissect(model, dataset, { layers: ['nope'] })).rejects.toThrow(/has no layer 'nope'. Layers: colour, detect/);
    await expect(dissect(model, dataset, { layers: [] })).rejects.toThrow(/layers must be a non-empty list/);
    await expect(dissect(model, dataset, { layers: ['detect'], quantile: 0 })).rejects.toThrow(/quantile must be a number in \(0, 1\), got 0/);
    await expect(dissect(model, dataset, { layers: ['detect'], quantile: 1.5 })).rejects.toThrow(/quantile must be/);
    await expect(dissect(model, dataset, { layers: ['detect'], iouThreshold: -0.1 })).rejects.toThrow(/iouThreshold must be a number in \[0, 1\), got -0.1/);
    await expect(dissect(model, dataset, { layers: ['detect'], batch: 0 })).rejects.toThrow(/batch must be a positive integer/);
    const flat: ModelSpec = { ...model.spec, nodes: [...model.spec.nodes, { name: 'pool', type: 'globalavgpool', inputs: ['stripes'] }, { name: 'flat', type: 'flatten', inputs: ['pool'] }], output: 'flat' };
    await expect(dissect(new Model(engine, flat, model.weights), dataset, { layers: ['flat'] })).rejects.toThrow(/layer 'flat' has no spatial map \(output \[1, 1\]\)/);
    const odd = conceptDataset({ count: 3, seed: 1, size: 64 });
    odd.images[2] = { ...odd.images[2], sh: 32, sw: 32 };
    await expect(dissect(model, odd, { layers: ['detect'] })).rejects.toThrow(/image 2 \(concepts\/00002.png\) has masks of 32x32 but image 0's are 64x64/);
    const wide = conceptDataset({ count: 2, seed: 1, size: 64 });
    wide.images[1] = { ...wide.images[1], iw: 128 };
    await expect(dissect(model, wide, { layers: ['detect'] })).rejects.toThrow(/image 1 .* is 128x64, not the shape of the model's 64x64 input/);
    const quantiles = await dissectQuantiles(model, dataset, { layers: ['detect'], shard: [1, 2] });
    await expect(dissectTally(model, dataset, quantiles, {})).rejects.toThrow(/the quantiles cover 2 images of a 4-image dataset.*merge every quantile shard first/);
    await expect(dissectQuantiles(model, dataset, { layers: ['detect'], shard: [3, 2] })).rejects.toThrow(/shard must be k\/n with 1 <= k <= n, got 3\/2/);
  });
});
