// Training with the engine's own kernels: the loss falls on a small fixed set, the run is
// reproducible from its seed, and what it learned survives folding the batch-norm nodes away and a
// round trip through safetensors.

import { describe, expect, it } from 'vitest';
import { getEngine, expectClose } from './helpers/engine.ts';
import { conceptNetSpec, conceptNetWeightShapes } from '../src/models/default-model.ts';
import { Model, loadModel } from '../src/models/model.ts';
import { foldBatchNorm } from '../src/models/fold.ts';
import { writeSafetensors, type HostTensor } from '../src/models/safetensors.ts';
import { conceptImages } from '../src/train/concept-data.ts';
import { batchTensor, initialWeights, learningRateAt, train, type EpochSummary } from '../src/train/trainer.ts';

const spec = conceptNetSpec(64, { training: true });
const images = conceptImages(99, 64, 64);
const options = { epochs: 4, batchSize: 16, learningRate: 0.003, schedule: { kind: 'exponential', decay: 1 } as const, weightDecay: 0, seed: 5 };

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
    const folded = foldBatchNorm(spec, host);
    expect(folded.spec).toEqual(conceptNetSpec());
    const reloaded = await loadModel(engine, folded.spec, writeSafetensors(folded.weights));
    const x = batchTensor(engine, spec, images, [0, 1]);
    const a = await (await first.model.forward(x)).get('fc6')!.read(); // inference mode: running statistics
    const b = await (await reloaded.forward(x)).get('fc6')!.read();
    expectClose(b, a, { rtol: 1e-3, atol: 1e-3 });
    for (const m of [first.model, second.model, reloaded]) m.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('exponential: multiplied by the decay once per epoch', () => {
    const exp = { kind: 'exponential', decay: 0.5 } as const;
    expect([0, 9, 10, 25].map((s) => learningRateAt(0.1, exp, s, 10, 40))).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it('cosine: from the full rate at the first step, half way at the middle, towards zero at the end', () => {
    const cos = { kind: 'cosine' } as const;
    expect(learningRateAt(0.1, cos, 0, 10, 40)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(0.1, cos, 20, 10, 40)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(0.1, cos, 39, 10, 40)).toBeCloseTo(0.1 * 0.5 * (1 + Math.cos((Math.PI * 39) / 40)), 12);
    expect(learningRateAt(0.1, cos, 39, 10, 40)).toBeLessThan(0.001);
  });
});
