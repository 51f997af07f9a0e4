// Batch normalization inside a model: training mode (batch statistics, running averages moved,
// the whole-network gradient against finite differences of the CPU reference graph), inference
// mode, and folding the nodes into the layers before them for the shipped model.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import { numericGradient, relativeError } from './helpers/gradcheck.ts';
import { Model } from '../src/models/model.ts';
import { foldBatchNorm } from '../src/models/fold.ts';
import type { ModelSpec } from '../src/models/spec.ts';
import type { HostTensor } from '../src/models/safetensors.ts';
import { referenceForward } from '../src/reference/graph.ts';
import { batchStatistics } from '../src/reference/batch-norm.ts';

const spec: ModelSpec = {
  name: 'bn',
  input: { name: 'image', shape: [2, 5, 6], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
  nodes: [
    { name: 'conv1', type: 'conv', inputs: ['image'], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
    { name: 'bn1', type: 'batchnorm', inputs: ['conv1'], attrs: { momentum: 0.25 } },
    { name: 'relu1', type: 'relu', inputs: ['bn1'] },
    { name: 'pool', type: 'maxpool', inputs: ['relu1'], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
    { name: 'flat', type: 'flatten', inputs: ['pool'] },
    { name: 'fc1', type: 'linear', inputs: ['flat'] },
    { name: 'bn2', type: 'batchnorm', inputs: ['fc1'], attrs: { epsilon: 1e-3 } },
    { name: 'relu2', type: 'relu', inputs: ['bn2'] },
    { name: 'fc2', type: 'linear', inputs: ['relu2'] },
  ],
  output: 'fc2',
};

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function hostWeights(): Map<string, HostTensor> {
  const shapes: [string, number[], number, number][] = [
    ['conv1.weight', [4, 2, 3, 3], -0.6, 0.6],
    ['conv1.bias', [4], -0.5, 0.5],
    ['bn1.weight', [4], 0.5, 1.5],
    ['bn1.bias', [4], -0.5, 0.5],
    ['bn1.mean', [4], -0.3, 0.3],
    ['bn1.var', [4], 0.5, 2],
    ['fc1.weight', [5, 4 * 2 * 3], -0.5, 0.5],
    ['fc1.bias', [5], -0.5, 0.5],
    ['bn2.weight', [5], 0.5, 1.5],
    ['bn2.bias', [5], -0.5, 0.5],
    ['bn2.mean', [5], -0.3, 0.3],
    ['bn2.var', [5], 0.5, 2],
    ['fc2.weight', [3, 5], -0.6, 0.6],
    ['fc2.bias', [3], -0.5, 0.5],
  ];
  return new Map(shapes.map(([name, shape, lo, hi], k) => [name, { shape, data: randomArray(size(shape), 40 + k, lo, hi) }]));
}

function gpuModel(engine: Awaited<ReturnType<typeof getEngine>>, host: Map<string, HostTensor>): Model {
  return new Model(engine, spec, new Map([...host].map(([k, t]) => [k, engine.tensor(t.data, t.shape)])));
}

const inputShape = [4, 2, 5, 6];

describe('batch normalization in a model', () => {
  it('training mode: batch statistics, running averages, and the gradient of every input and weight', async () => {
    const engine = await getEngine();
    const host = hostWeights();
    const model = gpuModel(engine, host);
    const input = randomArray(size(inputShape), 3, -1, 1);
    const seedValues = randomArray(inputShape[0] * 3, 4);
    const trace = model.trace(engine.tensor(input, inputShape), { training: true });

    const reference = referenceForward(spec, host, { data: input, shape: inputShape }, { training: true });
    expectClose(await trace.outputs.get('fc2')!.read(), reference.get('fc2')!.data, { rtol: 1e-3, atol: 1e-4 });
    // The running statistics moved a quarter of the way to the batch's (unbiased variance).
    const batch = batchStatistics(reference.get('conv1')!.data, reference.get('conv1')!.shape);
    const count = inputShape[0] * 5 * 6;
    expectClose(await model.weight('bn1', 'mean')!.read(), host.get('bn1.mean')!.data.map((m, k) => 0.75 * m + 0.25 * batch.mean[k]), { rtol: 1e-4, atol: 1e-5 });
    const unbiased = batch.variance.map((v) => (v * count) / (count - 1));
    expectClose(await model.weight('bn1', 'var')!.read(), host.get('bn1.var')!.data.map((v, k) => 0.75 * v + 0.25 * unbiased[k]), { rtol: 1e-4, atol: 1e-5 });

    const { input: dInput, params } = model.backward(trace, new Map([['fc2', engine.tensor(seedValues, [inputShape[0], 3])]]), { input: true, params: true });
    const fc2 = (x: ArrayLike<number>, weights: Map<string, HostTensor>) => referenceForward(spec, weights, { data: x, shape: inputShape }, { training: true }).get('fc2')!.data;
    const eps = 1e-3;
    expect(relativeError(await dInput!.read(), numericGradient((x) => fc2(x, host), input, seedValues, eps)), 'd/d input').toBeLessThan(1e-2);
    for (const [name, t] of host) {
      if (name.endsWith('.mean') || name.endsWith('.var')) {
        expect(params.has(name), `${name} is a statistic, not a parameter`).toBe(false);
        continue;
      }
      const withWeight = (v: Float64Array) => new Map(host).set(name, { shape: t.shape, data: Float32Array.from(v) });
      const numeric = numericGradient((v) => fc2(input, withWeight(v)), t.data, seedValues, eps);
      const analytic = await params.get(name)!.read();
      if (name === 'conv1.bias' || name === 'fc1.bias') {
        // A bias right before batch normalization is subtracted again with the batch mean.
        expectClose(analytic, new Float32Array(t.data.length), { atol: 1e-5, label: name });
        expectClose(numeric, new Float32Array(t.data.length), { atol: 1e-6, label: name });
        continue;
      }
      expect(relativeError(analytic, numeric), `d/d ${name}`).toBeLessThan(1e-2);
    }
    trace.dispose();
  });

  it('inference mode uses the running statistics; folding the nodes away changes no output', async () => {
    const engine = await getEngine();
    const host = hostWeights();
    const input = randomArray(size(inputShape), 5, -1, 1);
    const reference = referenceForward(spec, host, { data: input, shape: inputShape }).get('fc2')!.data;
    const outputs = await gpuModel(engine, host).forward(engine.tensor(input, inputShape));
    expectClose(await outputs.get('fc2')!.read(), reference, { rtol: 1e-4, atol: 1e-5 });

    const folded = foldBatchNorm(spec, host);
    expect(folded.spec.nodes.map((n) => n.name)).toEqual(['conv1', 'relu1', 'pool', 'flat', 'fc1', 'relu2', 'fc2']);
    expect(folded.spec.nodes.find((n) => n.name === 'relu1')!.inputs).toEqual(['conv1']);
    expect([...folded.weights.keys()].some((k) => k.startsWith('bn'))).toBe(false);
    expectClose(referenceForward(folded.spec, folded.weights, { data: input, shape: inputShape }).get('fc2')!.data, reference, { rtol: 1e-5, atol: 1e-6 });
    expect(host.get('conv1.weight')!.data).toEqual(hostWeights().get('conv1.weight')!.data); // the input is left alone
  });

  it('names what is wrong', async () => {
    const engine = await getEngine();
    const host = hostWeights();
    host.set('bn1.var', { shape: [3], data: new Float32Array(3) });
    expect(() => gpuModel(engine, host)).toThrow(/model node 'bn1' \(batchnorm\): bn1.var \[3\] must be \[4\]/);
    host.delete('bn1.var');
    expect(() => gpuModel(engine, host)).toThrow(/missing weight tensor 'bn1.var'/);
    const branching: ModelSpec = { ...spec, nodes: [...spec.nodes, { name: 'side', type: 'relu', inputs: ['conv1'] }] };
    expect(() => foldBatchNorm(branching, hostWeights())).toThrow(/batch-norm node 'bn1' must follow a conv, convtranspose or linear node that nothing else reads/);
  });
});
