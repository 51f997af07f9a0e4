// The graph's backward pass: ReLU's three modes through a whole model, memory that stays flat, and
// (in model-gradcheck.test.ts) finite differences through a small CNN.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { Model } from '../src/models/model.ts';
import type { ModelSpec } from '../src/models/spec.ts';

// image [1,1,2,2] -> relu -> maxpool 2x2 -> flatten -> linear(1 -> 2)
const tinySpec: ModelSpec = {
  name: 'tiny',
  input: { name: 'image', shape: [1, 2, 2], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
  nodes: [
    { name: 'relu', type: 'relu', inputs: ['image'] },
    { name: 'pool', type: 'maxpool', inputs: ['relu'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
    { name: 'flat', type: 'flatten', inputs: ['pool'] },
    { name: 'fc', type: 'linear', inputs: ['flat'] },
  ],
  output: 'fc',
};

describe('model backward', () => {
  it('ReLU modes through the graph, worked by hand', async () => {
    const engine = await getEngine();
    // fc weights: unit 0 has weight +2, unit 1 has weight -3
    const model = new Model(engine, tinySpec, new Map([['fc.weight', engine.tensor([2, -3], [2, 1])], ['fc.bias', engine.tensor([0.5, 0.5], [2])]]));
    const image = engine.tensor([0.1, 0.7, -0.4, 0.3], [1, 1, 2, 2]);
    const grad = async (unit: number, relu: 'gradient' | 'deconvnet' | 'guided') =>
      Array.from(await (await model.inputGradient(image, { layer: 'fc', unit, relu })).read());
    // The max of the relu'd map is x[1] = 0.7: all gradient goes there through the switch.
    expect(await grad(0, 'gradient')).toEqual([0, 2, 0, 0]);
    expect(await grad(0, 'deconvnet')).toEqual([0, 2, 0, 0]);
    expect(await grad(0, 'guided')).toEqual([0, 2, 0, 0]);
    // Unit 1 sends -3: the true gradient passes it (x[1] > 0); deconvnet and guided rectify it to 0.
    expect(await grad(1, 'gradient')).toEqual([0, -3, 0, 0]);
    expect(await grad(1, 'deconvnet')).toEqual([0, 0, 0, 0]);
    expect(await grad(1, 'guided')).toEqual([0, 0, 0, 0]);
    // At the pooling layer: the seed is the pooled map itself; the switch routes it to x[1].
    expect(Array.from(await (await model.inputGradient(image, { layer: 'pool', unit: 0, position: [0, 0] })).read())).toEqual([0, 1, 0, 0]);
  });

  it('deconvnet mode ignores the forward mask, guided does not', async () => {
    const engine = await getEngine();
    // A negative input at the max position after relu is impossible, so use relu -> linear directly.
    const spec: ModelSpec = {
      ...tinySpec,
      input: { ...tinySpec.input, shape: [1, 1, 2] },
      nodes: [
        { name: 'relu', type: 'relu', inputs: ['image'] },
        { name: 'flat', type: 'flatten', inputs: ['relu'] },
        { name: 'fc', type: 'linear', inputs: ['flat'] },
      ],
    };
    const model = new Model(engine, spec, new Map([['fc.weight', engine.tensor([1, 1, -1, -1], [2, 2])]]));
    const image = engine.tensor([-1, 2], [1, 1, 1, 2]);
    const grad = async (unit: number, relu: 'gradient' | 'deconvnet' | 'guided') =>
      Array.from(await (await model.inputGradient(image, { layer: 'fc', unit, relu })).read());
    expect(await grad(0, 'gradient')).toEqual([0, 1]); // mask blocks x[0] < 0
    expect(await grad(0, 'deconvnet')).toEqual([1, 1]); // no mask: positive signal passes everywhere
    expect(await grad(0, 'guided')).toEqual([0, 1]);
    expect(await grad(1, 'gradient')).toEqual([0, -1]);
    expect(await grad(1, 'deconvnet')).toEqual([0, 0]);
    expect(await grad(1, 'guided')).toEqual([0, 0]);
  });

  it('rejects unknown layers, units and positions with clear errors', async () => {
    const engine = await getEngine();
    const model = new Model(engine, tinySpec, new Map([['fc.weight', engine.tensor([2, -3], [2, 1])]]));
    const image = engine.tensor([0.1, 0.7, -0.4, 0.3], [1, 1, 2, 2]);
    await expect(model.inputGradient(image, { layer: 'conv9', unit: 0 })).rejects.toThrow(/has no layer 'conv9'. Layers: relu, pool, flat, fc/);
    await expect(model.inputGradient(image, { layer: 'fc', unit: 2 })).rejects.toThrow(/units 0..1, got unit 2/);
    await expect(model.inputGradient(image, { layer: 'pool', unit: 0, position: [1, 0] })).rejects.toThrow(/outside layer 'pool' map of 1x1/);
    await expect(model.inputGradient(image, { layer: 'fc', unit: 0, position: [0, 0] })).rejects.toThrow(/no spatial map/);
    const wrong = engine.tensor([1, 2, 3], [1, 1, 1, 3]);
    await expect(model.forward(wrong)).rejects.toThrow(/expects input \[N, 1, 2, 2\], got \[1, 1, 1, 3\]/);
  });

  it('memory stays flat over 1,000 forward/backward steps', async () => {
    const engine = await getEngine();
    const spec: ModelSpec = {
      name: 'branchy',
      input: { name: 'image', shape: [3, 8, 8], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
      nodes: [
        { name: 'a', type: 'relu', inputs: ['image'] },
        { name: 'b', type: 'lrn', inputs: ['a'], attrs: { size: 3 } },
        { name: 'c', type: 'concat', inputs: ['a', 'b'], attrs: { axis: 1 } },
        { name: 'p', type: 'maxpool', inputs: ['c'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
        { name: 'g', type: 'globalavgpool', inputs: ['p'] },
        { name: 'f', type: 'flatten', inputs: ['g'] },
        { name: 'fc', type: 'linear', inputs: ['f'] },
      ],
      output: 'fc',
    };
    const model = new Model(engine, spec, new Map([['fc.weight', engine.tensor(randomArray(4 * 6, 3), [4, 6])], ['fc.bias', engine.tensor([0, 0, 0, 0], [4])]]));
    const image = engine.tensor(randomArray(2 * 3 * 8 * 8, 4), [2, 3, 8, 8]);
    const seed = engine.tensor(randomArray(8, 5), [2, 4]);
    const step = async () => {
      const trace = model.trace(image);
      const { input, params } = model.backward(trace, new Map([['fc', seed]]), { input: true, params: true, consumeTrace: true });
      trace.dispose();
      input!.dispose();
      for (const g of params.values()) g.dispose();
    };
    for (let i = 0; i < 10; i++) await step();
    await engine.sync();
    const live = engine.pool.liveBytes;
    const pooled = engine.pool.pooledBytes;
    for (let i = 0; i < 1000; i++) await step();
    await engine.sync();
    expect(engine.pool.liveBytes).toBe(live);
    expect(engine.pool.pooledBytes).toBeLessThanOrEqual(pooled);
  });
});
