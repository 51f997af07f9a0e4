// Network inversion (Mahendran & Vedaldi 2015) on the default model and on small hand-built
// models: the first conv layer inverts almost exactly, a layer after two pooling stages less so;
// the objective's gradient (reconstruction term through the network, alpha-norm and TV priors, the
// normalization by B) matches finite differences; a seed fixes the result; bad input fails
// clearly. (The TV and alpha-norm ops themselves are checked against finite differences in
// test/image.test.ts.)

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { buildModel, loadDefaultModel, preprocessImage, type Model, type ModelSpec } from '../src/index.ts';
import { invertRepresentation, invertEveryLayer, naturalImageNorm } from '../src/methods/inversion/index.ts';
import { inversionObjective, targetRepresentation } from '../src/methods/inversion/regularized.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { Random } from '../src/data/concepts/random.ts';

const engine = await getEngine();

/** A small conv-relu-pool-conv model on [3, 8, 8] with seeded weights (bias shifts all of conv1 by `shift`). */
async function tinyModel(shift = 0): Promise<Model> {
  const spec: ModelSpec = {
    name: 'tiny',
    input: { name: 'x', shape: [3, 8, 8], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } },
    nodes: [
      { name: 'conv1', type: 'conv', inputs: ['x'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
      { name: 'relu1', type: 'relu', inputs: ['conv1'] },
      { name: 'pool1', type: 'maxpool', inputs: ['relu1'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
      { name: 'conv2', type: 'conv', inputs: ['pool1'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
    ],
    output: 'conv2',
  };
  const weights = new Map([
    ['conv1.weight', { shape: [4, 3, 3, 3], data: randomArray(108, 11, -0.5, 0.5) }],
    ['conv1.bias', { shape: [4], data: new Float32Array(4).fill(shift) }],
    ['conv2.weight', { shape: [5, 4, 3, 3], data: randomArray(180, 12, -0.5, 0.5) }],
    ['conv2.bias', { shape: [5], data: randomArray(5, 13, -0.1, 0.1) }],
  ]);
  return buildModel(engine, spec, weights);
}

/** A concept image (the dataset's seed 7, not the one the model was trained on) as the default model's input. */
function conceptInput(model: Model, index: number) {
  const picture = generateImage(7, index, 64);
  return engine.tensor(preprocessImage({ width: 64, height: 64, rgb: picture.rgb }, model.spec.input), [1, 3, 64, 64]);
}

describe('invertRepresentation on the default model', () => {
  it('reconstructs from conv1 with relativeError < 0.1; pool2 (after two pooling stages) keeps less', async () => {
    const model = await loadDefaultModel(engine);
    const x = conceptInput(model, 3);
    const [first, deep] = await invertEveryLayer(model, x, { layers: ['conv1', 'pool2'], steps: 100, seed: 1 });
    x.dispose();
    expect(first.error).toBeUndefined();
    expect(deep.error).toBeUndefined();
    expect(first.relativeError!).toBeLessThan(0.1);
    expect(deep.relativeError!).toBeGreaterThan(first.relativeError!);
    // The loss curve came back with every step, falling.
    expect(first.losses!.length).toBe(100);
    expect(first.losses![99]).toBeLessThan(first.losses![0] * 0.2);
    expect(first.rgba!.width).toBe(64);
    for (const r of [first, deep]) r.image!.dispose();
    model.dispose();
  });
});

describe('the inversion objective', () => {
  it("its gradient matches finite differences (network term, alpha norm, TV, B scaling)", async () => {
    const model = await tinyModel(0.1);
    const shape = [1, 3, 8, 8];
    const target = engine.tensor(randomArray(192, 21, -1.5, 1.5), shape);
    const { phi0, sumSquares } = await targetRepresentation(model, target, 'conv2');
    const B = 1.3;
    // Large prior weights so that each term weighs in the gradient.
    const weights = { alpha: 6, beta: 2, lambdaAlpha: 0.05, lambdaTv: 0.02 };
    const evaluate = inversionObjective(model, 'conv2', phi0, sumSquares, B, weights, [], new Random(0));
    const u0 = randomArray(192, 22, -0.8, 0.8);
    const at = async (u: Float32Array) => {
      const t = engine.tensor(u, shape);
      const { losses, grad } = evaluate(t);
      const [loss] = await losses.readFloat();
      const g = await grad.readFloat();
      for (const k of [t, losses, grad]) k.dispose();
      return { loss, g };
    };
    const { g } = await at(u0);
    const eps = 2e-3;
    const picks = [0, 5, 17, 40, 63, 64, 99, 128, 150, 191];
    let num = 0;
    let den = 0;
    for (const i of picks) {
      const plus = Float32Array.from(u0);
      const minus = Float32Array.from(u0);
      plus[i] += eps;
      minus[i] -= eps;
      const fd = ((await at(plus)).loss - (await at(minus)).loss) / (2 * eps);
      num += (fd - g[i]) ** 2;
      den += g[i] ** 2;
    }
    expect(Math.sqrt(den)).toBeGreaterThan(1e-3);
    expect(Math.sqrt(num / den)).toBeLessThan(2e-2);
    for (const t of [target, phi0]) t.dispose();
    model.dispose();
  });

  it('naturalImageNorm is the mean per-pixel Euclidean norm', () => {
    // Two pixels, two channels: (3, 4) has norm 5, (0, 0) norm 0.
    expect(naturalImageNorm(new Float32Array([3, 0, 4, 0]), [1, 2, 1, 2])).toBeCloseTo(2.5, 6);
  });
});

describe('invertRepresentation: seeds and bad input', () => {
  it('a fixed seed gives the same result twice; another seed another one', async () => {
    const model = await tinyModel();
    const x = engine.tensor(randomArray(192, 31, -1.5, 1.5), [1, 3, 8, 8]);
    const run = async (seed: number) => {
      const r = await invertRepresentation(model, x, { layer: 'conv2', steps: 15, seed, jitter: 1 });
      const data = await r.image.readFloat();
      r.image.dispose();
      return { data, error: r.relativeError, losses: r.losses };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(b.losses).toEqual(a.losses);
    expect(b.error).toBe(a.error);
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
    x.dispose();
    model.dispose();
  });

  it('names an unknown layer (listing the layers), a wrong image shape and bad options before GPU work', async () => {
    const model = await tinyModel();
    const x = engine.tensor(randomArray(192, 32), [1, 3, 8, 8]);
    const wrong = engine.tensor(randomArray(3 * 64, 33), [3, 8, 8]);
    await expect(invertRepresentation(model, x, { layer: 'conv9' })).rejects.toThrow(/no layer 'conv9'\. Layers: conv1, relu1, pool1, conv2/);
    await expect(invertRepresentation(model, wrong, { layer: 'conv1' })).rejects.toThrow(/image must be \[1, 3, 8, 8\].*got \[3, 8, 8\]/);
    await expect(invertRepresentation(model, x, { layer: 'conv1', steps: 0 })).rejects.toThrow(/steps must be a positive integer, got 0/);
    await expect(invertRepresentation(model, x, { layer: 'conv1', momentum: 1 })).rejects.toThrow(/momentum must be a finite number in \[0, 1\), got 1/);
    await expect(invertRepresentation(model, x, { layer: 'conv1', B: -1 })).rejects.toThrow(/B must be a finite number > 0, got -1/);
    await expect(invertEveryLayer(model, x, { layers: ['conv1', 'fc'] })).rejects.toThrow(/no layer 'fc'/);
    for (const t of [x, wrong]) t.dispose();
    model.dispose();
  });

  it('says so when the representation is empty (Phi_0 = 0) instead of dividing by zero', async () => {
    const model = await tinyModel(-1000); // conv1's bias silences every ReLU
    const x = engine.tensor(randomArray(192, 34), [1, 3, 8, 8]);
    await expect(invertRepresentation(model, x, { layer: 'relu1', steps: 5 })).rejects.toThrow(
      /invertRepresentation: the representation of this image at layer 'relu1' is all zeros \(\|\|Phi_0\|\| = 0\), so there is nothing to invert/,
    );
    // The every-layer call reports it for that layer and goes on with the others.
    const results = await invertEveryLayer(model, x, { layers: ['relu1', 'conv1'], steps: 3 });
    expect(results[0].error).toMatch(/all zeros/);
    expect(results[1].relativeError).toBeGreaterThan(0);
    results[1].image!.dispose();
    x.dispose();
    model.dispose();
  });

  it('stops with the step number when the objective stops being finite', async () => {
    const model = await tinyModel();
    const x = engine.tensor(randomArray(192, 35), [1, 3, 8, 8]);
    await expect(invertRepresentation(model, x, { layer: 'conv2', steps: 50, learningRate: 1e6 })).rejects.toThrow(
      /invertRepresentation: the objective became (NaN|Infinity|-Infinity) at step \d+ of 50/,
    );
    x.dispose();
    model.dispose();
  });
});
