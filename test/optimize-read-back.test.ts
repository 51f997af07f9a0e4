// optimizeImage reads the per-step values back in blocks of READ_BLOCK steps: each step's values
// still land in the trace and in onStep in order, whatever the number of steps, and a NaN names
// its own step, not its block's.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { optimizeImage, READ_BLOCK, type Evaluation } from '../src/methods/common/optimize.ts';
import type { Engine } from '../src/engine/engine.ts';
import type { Tensor } from '../src/engine/tensor.ts';

/** An objective whose recorded value at step s is [s + 0.5, -s] (or NaN from step `nanAt` on); zero gradient. */
function counting(engine: Engine, nanAt = Infinity) {
  return (image: Tensor, step: number): Evaluation => ({
    losses: engine.tensor(step >= nanAt ? [NaN, 0] : [step + 0.5, -step], [2]),
    grad: engine.zeros(image.shape),
  });
}

describe('optimizeImage: values read back in blocks', () => {
  it('every step, in order, in the trace and in onStep, for step counts around the block size', async () => {
    const engine = await getEngine();
    for (const steps of [1, READ_BLOCK - 1, READ_BLOCK, 2 * READ_BLOCK + 1]) {
      const seen: Array<[number, number[]]> = [];
      const { params, trace } = await optimizeImage(engine, engine.zeros([2, 1, 2, 2]), {
        method: 'test',
        steps,
        learningRate: 0.1,
        optimizer: { kind: 'sgd' },
        evaluate: counting(engine),
        onStep: ({ step, values }) => {
          seen.push([step, values]);
        },
      });
      const expected = Array.from({ length: steps }, (_, s) => [s + 0.5, -s]);
      expect(trace).toEqual(expected);
      expect(seen).toEqual(expected.map((v, s) => [s, v]));
      params.dispose();
    }
  });

  it('a NaN in the middle of a block names its step', async () => {
    const engine = await getEngine();
    const nanAt = READ_BLOCK + 1; // the second value of the second block
    const run = optimizeImage(engine, engine.zeros([2, 1, 2, 2]), { method: 'test', steps: 3 * READ_BLOCK, learningRate: 0.1, optimizer: { kind: 'sgd' }, evaluate: counting(engine, nanAt) });
    await expect(run).rejects.toThrow(new RegExp(`test: the objective became NaN at step ${nanAt + 1} of ${3 * READ_BLOCK} \\(image 0 of the batch\\)`));
  });
});
