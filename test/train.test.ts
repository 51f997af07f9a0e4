// Training with the engine's own kernels: the loss falls on a small fixed set, the run is
// reproducible from its seed, and what it learned survives a round trip through safetensors.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { conceptNetSpec, conceptNetWeightShapes } from '../src/models/default-model.ts';
import { Model, loadModel } from '../src/models/model.ts';
import { writeSafetensors, type HostTensor } from '../src/models/safetensors.ts';
import { conceptImages } from '../src/train/concept-data.ts';
import { initialWeights, train, type EpochSummary } from '../src/train/trainer.ts';

const spec = conceptNetSpec();
const images = conceptImages(99, 64, 64);
const options = { epochs: 4, batchSize: 16, learningRate: 0.003, learningRateDecay: 1, weightDecay: 0, seed: 5 };

async function trainOnce(): Promise<{ model: Model; history: EpochSummary[] }> {
  const engine = await getEngine();
  const model = new Model(engine, spec, initialWeights(engine, conceptNetWeightShapes(spec), 5, spec.output));
  const history = await train(model, images, options);
  return { model, history };
}

describe('training', () => {
  it('lowers the loss on a fixed set, reproducibly, and the weights round-trip', async () => {
    const engine = await getEngine();
    const first = await trainOnce();
    expect(first.history).toHaveLength(4);
    expect(first.history[0].trainLoss).toBeGreaterThan(1.8); // about ln(8) at the start
    expect(first.history[3].trainLoss).toBeLessThan(first.history[0].trainLoss - 0.3);

    const second = await trainOnce();
    expect(second.history.map((e) => e.trainLoss)).toEqual(first.history.map((e) => e.trainLoss));

    const host = new Map<string, HostTensor>();
    for (const [name, t] of first.model.weights) host.set(name, { shape: t.shape, data: await t.readFloat() });
    const reloaded = await loadModel(engine, spec, writeSafetensors(host));
    const x = engine.tensor(new Float32Array(3 * 64 * 64).fill(0.3), [1, 3, 64, 64]);
    const a = await (await first.model.forward(x)).get('fc6')!.read();
    const b = await (await reloaded.forward(x)).get('fc6')!.read();
    expect(Array.from(b)).toEqual(Array.from(a));
    for (const m of [first.model, second.model, reloaded]) m.dispose();
  });
});
