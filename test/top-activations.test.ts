// Streaming top-k over an image set: the same hits as a brute-force search over every activation
// (with and without "one hit per image", for a conv map and a linear layer), memory that does not
// grow with the set's length, and clear errors.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { loadDefaultModel, type RgbImage } from '../src/index.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { imageBatches, memoryImages } from '../src/methods/common/image-set.ts';
import { topActivations, type TopHit } from '../src/methods/common/top-activations.ts';
import { folderImages } from '../src/methods/common/image-folder.ts';
import { generateDataset } from '../src/data/concepts/index.ts';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const engine = await getEngine();
const model = await loadDefaultModel(engine);
const size = model.inputShape[1];
const pictures = (count: number, seed = 11): RgbImage[] =>
  Array.from({ length: count }, (_, i) => ({ width: size, height: size, rgb: generateImage(seed, i, size).rgb }));

/** Every activation of the layer over the set, sorted as topActivations sorts, per unit. */
async function bruteForce(images: RgbImage[], layer: string, k: number, distinct: boolean, batch: number): Promise<TopHit[][]> {
  const [, units, h = 1, w = 1] = model.layerShape(layer);
  const all: TopHit[][] = Array.from({ length: units }, () => []);
  for await (const { start, tensor } of imageBatches(model, memoryImages(images), { batch })) {
    const outs = await model.forward(tensor, { until: layer });
    const data = await outs.get(layer)!.readFloat();
    for (const t of outs.values()) t.dispose();
    tensor.dispose();
    for (let n = 0; n < tensor.shape[0]; n++) for (let u = 0; u < units; u++) {
      const hits: TopHit[] = [];
      for (let i = 0; i < h * w; i++) hits.push({ value: data[(n * units + u) * h * w + i], image: start + n, row: Math.floor(i / w), col: i % w });
      hits.sort((a, b) => b.value - a.value || a.row - b.row || a.col - b.col);
      all[u].push(...(distinct ? hits.slice(0, 1) : hits));
    }
  }
  return all.map((hits) => hits.sort((a, b) => b.value - a.value || a.image - b.image || a.row - b.row || a.col - b.col).slice(0, k));
}

describe('topActivations', () => {
  const images = pictures(10);

  it('equals a brute-force search: conv map, one hit per image and any hits; a linear layer', async () => {
    for (const [layer, distinct] of [['relu3', true], ['relu3', false], ['fc5', true]] as const) {
      const progress: number[] = [];
      const got = await topActivations(model, memoryImages(images), { layer, k: 5, batch: 4, distinctImages: distinct, onProgress: (done) => progress.push(done) });
      const want = await bruteForce(images, layer, 5, distinct, 4);
      expect(progress).toEqual([4, 8, 10]);
      expect(got.units.length).toBe(want.length);
      expect(got.units).toEqual(want);
      if (distinct) for (const hits of got.units) expect(new Set(hits.map((h) => h.image)).size).toBe(hits.length);
      else expect(got.units.some((hits) => new Set(hits.map((h) => h.image)).size < hits.length)).toBe(true);
    }
  });

  it('checkpoints as it goes, and a run resumed from a checkpoint (JSON round trip) ends where an uninterrupted one does', async () => {
    const set = memoryImages(images);
    const whole = await topActivations(model, set, { layer: 'relu3', k: 5, batch: 2 });
    const saved: string[] = [];
    await topActivations(model, set, { layer: 'relu3', k: 5, batch: 2, checkpoint: { every: 2, save: (state) => void saved.push(JSON.stringify(state)) } });
    expect(saved.map((s) => JSON.parse(s).done)).toEqual([4, 8]);
    const progress: number[] = [];
    const resumed = await topActivations(model, set, { layer: 'relu3', k: 5, batch: 2, resume: JSON.parse(saved[0]), onProgress: (done) => progress.push(done) });
    expect(progress).toEqual([6, 8, 10]); // only the images after the checkpoint were read
    expect(resumed.units).toEqual(whole.units);
    await expect(topActivations(model, set, { layer: 'relu2', k: 5, resume: JSON.parse(saved[0]) })).rejects.toThrow(/checkpoint is of another run/);
  });

  it('keeps memory flat in the set size (buffers held by the engine do not grow with 5x the images)', async () => {
    const run = async (count: number) => {
      await topActivations(model, memoryImages(pictures(count, 3)), { layer: 'relu4', k: 9, batch: 4 });
      return { live: engine.pool.liveBytes, held: engine.pool.liveBytes + engine.pool.pooledBytes };
    };
    const before = engine.pool.liveBytes;
    const small = await run(8);
    const large = await run(40);
    // Nothing is left allocated, and no buffer beyond those the 8-image run needed was created.
    expect(small.live).toBe(before);
    expect(large.live).toBe(before);
    expect(large.held).toBe(small.held);
  });

  it('bad input: unknown layer, bad k, empty set', async () => {
    const set = memoryImages(images);
    await expect(topActivations(model, set, { layer: 'conv7' })).rejects.toThrow(/no layer 'conv7'. Layers: conv1/);
    await expect(topActivations(model, set, { layer: 'relu2', k: 0 })).rejects.toThrow('k must be an integer in [1, 64], got 0');
    await expect(topActivations(model, memoryImages([]), { layer: 'relu2' })).rejects.toThrow(/the image set is empty/);
  });
});

describe('image folders (the CLI\'s datasets)', () => {
  it('a Broden-format folder and a folder of pictures, with clear errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convsight-folder-'));
    try {
      await generateDataset(join(dir, 'broden'), { count: 3, seed: 4 });
      const broden = folderImages(join(dir, 'broden'));
      expect(broden.length).toBe(3);
      const first = await broden.load(0);
      expect([first.width, first.height]).toEqual([64, 64]);
      const top = await topActivations(model, broden, { layer: 'relu2', k: 2, batch: 2 });
      expect(top.units.every((hits) => hits.length === 2 && hits.every((h) => h.image < 3))).toBe(true);

      mkdirSync(join(dir, 'photos'));
      for (const f of ['horse.png', 'chelsea.png']) copyFileSync(join('../shared/images', f), join(dir, 'photos', f));
      const photos = folderImages(join(dir, 'photos'));
      expect([photos.length, photos.name(0), photos.name(1)]).toEqual([2, 'chelsea.png', 'horse.png']);
      mkdirSync(join(dir, 'empty'));
      expect(() => folderImages(join(dir, 'empty'))).toThrow(/is empty: no index.csv \(Broden format\) and no .png or .jpg files/);
      expect(() => folderImages(join(dir, 'missing'))).toThrow(/no such directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
