import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/elementwise.ts';
import { RELU_MODES } from '../src/ops/elementwise.ts';

describe('elementwise', () => {
  it('relu matches the reference on an odd size', async () => {
    const engine = await getEngine();
    const data = randomArray(1031, 1);
    const x = engine.tensor(data, [1031]);
    expectClose(await engine.ops.relu(x).read(), ref.relu(data));
  });

  it('relu backward: the three modes on a case worked by hand', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, -1, 2, -2], [4]);
    const dy = engine.tensor([-3, 5, 7, -1], [4]);
    // gradient: forward mask; deconvnet: rectified dy; guided: both
    expect(Array.from(await engine.grad.relu(x, dy, 'gradient').read())).toEqual([-3, 0, 7, 0]);
    expect(Array.from(await engine.grad.relu(x, dy, 'deconvnet').read())).toEqual([0, 5, 7, 0]);
    expect(Array.from(await engine.grad.relu(x, dy, 'guided').read())).toEqual([0, 0, 7, 0]);
    for (const mode of RELU_MODES) expect(Array.from(ref.reluBackward([1, -1, 2, -2], [-3, 5, 7, -1], mode))).toEqual(Array.from(await engine.grad.relu(x, dy, mode).read()));
  });

  it('binary ops with per-channel broadcast', async () => {
    const engine = await getEngine();
    const a = engine.tensor(randomArray(2 * 3 * 5 * 7, 2), [2, 3, 5, 7]);
    const b = engine.tensor([1, 2, 3], [3]);
    const out = await engine.ops.add(a, b).read();
    const av = await a.read();
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(av[i] + [1, 2, 3][Math.floor(i / 35) % 3], 5);
  });

  it('rejects mismatched shapes before GPU work', async () => {
    const engine = await getEngine();
    const a = engine.tensor([1, 2, 3, 4], [4]);
    const b = engine.tensor([1, 2, 3], [3]);
    expect(() => engine.ops.add(a, b)).toThrow(/add: a \[4\] and b \[3\] must have the same shape/);
  });

  it('folds large dispatches into 2-D', async () => {
    const engine = await getEngine();
    // 65,535 workgroups x 1024 elements is the 1-D limit; go past it.
    const n = 65_536 * 1024 + 77;
    const x = engine.tensor(new Float32Array(n).fill(-2), [n]);
    const y = await engine.ops.affine(x, -1, 1).read(); // 3 everywhere
    expect(y[0]).toBe(3);
    expect(y[n - 1]).toBe(3);
    expect(y[65_535 * 1024 + 5]).toBe(3);
    x.dispose();
  });
});
