// Methods on one engine at once and many times over: two runs awaited together (a user clicking
// twice, a script with Promise.all) give each the result it gives alone, and 50 runs of a method
// leave the engine's live GPU bytes where they were (every tensor a run makes is disposed or
// returned to the caller, who disposes it). The shipped 64x64 model keeps it quick.

import { beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { loadDefaultModel } from '../src/models/default-model.ts';
import type { Model } from '../src/models/model.ts';
import type { Engine } from '../src/engine/engine.ts';
import type { Tensor } from '../src/engine/tensor.ts';
import { deconvnet } from '../src/methods/deconvnet/index.ts';
import { activationMaximization } from '../src/methods/activation-maximization/activation-maximization.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { imageToTensor } from '../src/data/image.ts';

let engine: Engine;
let model: Model;
let image: Tensor;

beforeAll(async () => {
  engine = await getEngine();
  model = await loadDefaultModel(engine);
  const picture = generateImage(5, 0, 64);
  image = imageToTensor(engine, picture.rgb, 64, 64, model.spec.input);
});

const read = async (t: Tensor) => {
  const values = await t.readFloat();
  t.dispose();
  return values;
};

const am = (unit: number, seed: number) => activationMaximization(model, { layer: 'conv3', unit, steps: 3, seed, parameterization: 'pixels', optimizer: 'adam' });

describe('two method runs on one engine at once', () => {
  it('deconvnet: each of two concurrent projections equals its projection alone', async () => {
    const a = { layer: 'conv3', unit: 3, position: [3, 4] as [number, number] };
    const b = { layer: 'conv4', unit: 7, mode: 'guided' as const };
    const aloneA = await read(await deconvnet(model, image, a));
    const aloneB = await read(await deconvnet(model, image, b));
    const [togetherA, togetherB] = await Promise.all([deconvnet(model, image, a).then(read), deconvnet(model, image, b).then(read)]);
    expect(togetherA).toEqual(aloneA);
    expect(togetherB).toEqual(aloneB);
    expect(aloneA).not.toEqual(aloneB); // the comparison can fail: the two runs differ
  });

  it('activation maximization: each of two concurrent runs equals its run alone', async () => {
    const alone = [await am(2, 1), await am(5, 2)];
    const together = await Promise.all([am(2, 1), am(5, 2)]);
    for (let k = 0; k < 2; k++) {
      expect(together[k].trace).toEqual(alone[k].trace);
      expect(await read(together[k].image)).toEqual(await read(alone[k].image));
    }
  });
});

describe('repeated runs do not leak', () => {
  it("50 deconvnet projections and 50 activation-maximization runs return the engine's live GPU bytes to where they were", async () => {
    // One run of each first: pipelines, uniforms and the pool's size classes settle.
    (await deconvnet(model, image, { layer: 'conv4', unit: 1 })).dispose();
    (await am(1, 1)).image.dispose();
    await engine.sync();
    const before = engine.pool.liveBytes;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 50; i++) (await deconvnet(model, image, { layer: 'conv4', unit: i % 16 })).dispose();
    await engine.sync();
    expect(engine.pool.liveBytes).toBe(before);
    for (let i = 0; i < 50; i++) (await am(i % 16, i)).image.dispose();
    await engine.sync();
    expect(engine.pool.liveBytes).toBe(before);
    // Host memory: bounded growth (JS garbage is collected lazily, so no exact figure).
    const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
    console.log(`100 runs: live GPU bytes ${before} -> ${engine.pool.liveBytes}, pooled ${engine.pool.pooledBytes}; rss +${grown.toFixed(0)} MiB`);
    expect(grown).toBeLessThan(512);
  });
});
