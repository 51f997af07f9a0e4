// The whole-network gradient check: a small CNN with every kind of node the methods go through
// (conv, relu, lrn, a branch joined by concat, max-pool, linear), its GPU backward compared with
// central finite differences of the CPU reference graph, for the input and for every weight.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { Model } from '../src/models/model.ts';
import type { ModelSpec } from '../src/models/spec.ts';
import type { HostTensor } from '../src/models/safetensors.ts';
import { referenceForward } from '../src/reference/graph.ts';
import { numericGradient, relativeError } from './helpers/gradcheck.ts';

const spec: ModelSpec = {
  name: 'gradcheck',
  input: { name: 'image', shape: [3, 6, 7], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
  nodes: [
    { name: 'conv1', type: 'conv', inputs: ['image'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
    { name: 'relu1', type: 'relu', inputs: ['conv1'] },
    { name: 'norm1', type: 'lrn', inputs: ['relu1'], attrs: { size: 3, alpha: 0.5, beta: 0.75, bias: 1 } },
    { name: 'squeeze', type: 'conv', inputs: ['norm1'], attrs: { kernelShape: [1, 1] } },
    { name: 'expand', type: 'conv', inputs: ['norm1'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] } },
    { name: 'cat', type: 'concat', inputs: ['squeeze', 'expand'], attrs: { axis: 1 } },
    { name: 'relu2', type: 'relu', inputs: ['cat'] },
    { name: 'pool', type: 'maxpool', inputs: ['relu2'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
    { name: 'flat', type: 'flatten', inputs: ['pool'] },
    { name: 'fc', type: 'linear', inputs: ['flat'] },
  ],
  output: 'fc',
};

const weightShapes: [string, number[]][] = [
  ['conv1.weight', [4, 3, 3, 3]],
  ['conv1.bias', [4]],
  ['squeeze.weight', [3, 4, 1, 1]],
  ['squeeze.bias', [3]],
  ['expand.weight', [2, 4, 3, 3]],
  ['expand.bias', [2]],
  ['fc.weight', [3, 5 * 3 * 3]],
  ['fc.bias', [3]],
];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('whole-network gradient', () => {
  it('matches finite differences for the input and every weight', async () => {
    const engine = await getEngine();
    const host = new Map<string, HostTensor>(weightShapes.map(([name, shape], k) => [name, { shape, data: randomArray(size(shape), 100 + k, -0.6, 0.6) }]));
    const inputShape = [2, 3, 6, 7];
    const input = randomArray(size(inputShape), 7);
    const seedValues = randomArray(2 * 3, 9);

    // GPU: trace, then backward for the input and all parameters.
    const model = new Model(engine, spec, new Map([...host].map(([k, t]) => [k, engine.tensor(t.data, t.shape)])));
    const image = engine.tensor(input, inputShape);
    const seed = engine.tensor(seedValues, [2, 3]);
    const trace = model.trace(image);
    const { input: dInput, params } = model.backward(trace, new Map([['fc', seed]]), { input: true, params: true });

    // CPU: central differences of sum(seed * fc(x)) through the reference graph, in float64.
    const fc = (x: ArrayLike<number>, weights: Map<string, HostTensor>) => referenceForward(spec, weights, { data: x, shape: inputShape }).get('fc')!.data;
    const eps = 1e-3;
    const inputError = relativeError(await dInput!.read(), numericGradient((x) => fc(x, host), input, seedValues, eps));
    expect(inputError, 'd/d input').toBeLessThan(1e-2);
    for (const [name, t] of host) {
      const withWeight = (v: Float64Array) => new Map(host).set(name, { shape: t.shape, data: Float32Array.from(v) });
      const err = relativeError(await params.get(name)!.read(), numericGradient((v) => fc(input, withWeight(v)), t.data, seedValues, eps));
      expect(err, `d/d ${name}`).toBeLessThan(1e-2);
    }
    trace.dispose();
  });
});
