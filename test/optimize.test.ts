// The optimisation loop shared by Activation Maximization and Network Inversion.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { optimizeImage, decayingRate, type Evaluation } from '../src/methods/common/optimize.ts';
import { applyTransforms, jitter } from '../src/methods/common/transforms.ts';
import { Random } from '../src/data/concepts/random.ts';
import type { Engine, Tensor } from '../src/index.ts';

/** loss_b = ||x_b - target_b||^2 per image, gradient 2 (x - target). */
function quadratic(engine: Engine, target: Tensor) {
  return (image: Tensor): Evaluation => {
    const diff = engine.ops.sub(image, target);
    const sq = engine.ops.square(diff);
    const [n, c, h, w] = image.shape;
    const planes = sq.reshape([n, 1, c * h, w]);
    const means = engine.ops.spatialMean(planes); // [N, 1]: each image's mean
    const sums = engine.ops.scale(means, c * h * w);
    const losses = sums.reshape([n]);
    const grad = engine.ops.scale(diff, 2);
    for (const t of [diff, sq, planes, means, sums]) t.dispose();
    return { losses, grad };
  };
}

describe('optimizeImage', () => {
  it('minimises a per-image quadratic with SGD + momentum and with Adam, each image its own trace', async () => {
    const engine = await getEngine();
    const shape = [2, 3, 5, 7];
    const size = shape.reduce((a, b) => a * b, 1);
    const targetData = randomArray(size, 1);
    for (let i = size / 2; i < size; i++) targetData[i] *= 3; // image 1 starts further away
    for (const optimizer of [{ kind: 'sgd', momentum: 0.9 }, { kind: 'adam' }] as const) {
      const target = engine.tensor(targetData, shape);
      const { params, trace } = await optimizeImage(engine, engine.zeros(shape), {
        method: 'test',
        steps: 60,
        learningRate: optimizer.kind === 'adam' ? decayingRate(0.3, 0.5, 20) : 0.05,
        optimizer,
        evaluate: quadratic(engine, target),
      });
      expect(trace.length).toBe(60);
      expect(trace[0][1]).toBeGreaterThan(trace[0][0]);
      for (const b of [0, 1]) expect(trace[59][b]).toBeLessThan(trace[0][b] * 0.02);
      const x = await params.readFloat();
      let err = 0;
      for (let i = 0; i < size; i++) err = Math.max(err, Math.abs(x[i] - targetData[i]));
      expect(err).toBeLessThan(0.3);
      params.dispose();
      target.dispose();
    }
  });

  it('stops with an Error naming the step when the objective stops being finite', async () => {
    const engine = await getEngine();
    const shape = [1, 1, 4, 4];
    const target = engine.tensor(randomArray(16, 2), shape);
    const run = optimizeImage(engine, engine.zeros(shape), { method: 'test', steps: 200, learningRate: 1e3, optimizer: { kind: 'sgd' }, evaluate: quadratic(engine, target) });
    await expect(run).rejects.toThrow(/test: the objective became (NaN|Infinity) at step \d+ of 200.*learning rate \(1000\)/);
    target.dispose();
  });

  it('cancels between steps through an AbortSignal, and reports progress', async () => {
    const engine = await getEngine();
    const shape = [1, 1, 3, 3];
    const target = engine.tensor(randomArray(9, 3), shape);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = optimizeImage(engine, engine.zeros(shape), {
      method: 'test',
      steps: 50,
      learningRate: 0.1,
      optimizer: { kind: 'sgd' },
      evaluate: quadratic(engine, target),
      signal: controller.signal,
      onStep: ({ step }) => {
        seen.push(step);
        if (step === 4) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled at step/);
    expect(seen.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.length).toBeLessThan(10);
    target.dispose();
  });

  it("jitter's adjoint is the transpose of its shift: <T x, y> = <x, T* y>", async () => {
    const engine = await getEngine();
    const shape = [1, 2, 6, 5];
    const x = engine.tensor(randomArray(60, 4), shape);
    const y = engine.tensor(randomArray(60, 5), shape);
    for (let seed = 1; seed <= 3; seed++) {
      const t = applyTransforms(engine, x, [jitter(2), jitter(1)], new Random(seed));
      const back = t.adjoint(y);
      const [a, b] = await Promise.all([engine.ops.dot(t.image, y).readFloat(), engine.ops.dot(x, back).readFloat()]);
      expect(a[0]).toBeCloseTo(b[0], 4);
      t.image.dispose();
      back.dispose();
    }
  });

  it("onStep's snapshot renders the parameters as they are: at the last step, the result", async () => {
    const engine = await getEngine();
    const shape = [1, 2, 3, 4];
    const target = engine.tensor(randomArray(24, 6), shape);
    let last: Float32Array | null = null;
    const { params } = await optimizeImage(engine, engine.zeros(shape), {
      method: 'test',
      steps: 5,
      learningRate: 0.1,
      optimizer: { kind: 'sgd' },
      evaluate: quadratic(engine, target),
      onStep: async ({ step, snapshot }) => {
        const image = snapshot();
        expect(image.shape).toEqual(shape);
        if (step === 4) last = await image.readFloat();
        image.dispose();
      },
    });
    expect(last).not.toBeNull();
    expect(Array.from(last!)).toEqual(Array.from(await params.readFloat()));
    expect(Math.max(...last!.map(Math.abs))).toBeGreaterThan(0);
    params.dispose();
    target.dispose();
  });
});
