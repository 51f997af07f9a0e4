import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/elementwise.ts';
import { RELU_MODES } from '../src/ops/elementwise.ts';
import type { Tensor } from '../src/engine/tensor.ts';

describe('elementwise', () => {
  it('relu matches the reference on an odd size', async () => {
    const engine = await getEngine();
    const data = randomArray(1031, 1);
    const x = engine.tensor(data, [1031]);
    expectClose(await engine.ops.relu(x).read(), ref.relu(data));
  });

  // unary.wgsl and activation-backward.wgsl work a vec4 at a time, 16 vec4s per thread, 256
  // threads per workgroup: sizes around 4 and around a workgroup's 16,384 elements, and not
  // multiples of 4 (the last vec4 then runs past the tensor's end, into the buffer's spare room).
  const VEC4_SIZES = [1, 2, 3, 4, 5, 7, 1031, 16_384, 16_387, 40_001];

  it('every unary op matches its definition at sizes that are not multiples of 4', async () => {
    const engine = await getEngine();
    const cases: [string, (x: Tensor) => Tensor, (v: number) => number][] = [
      ['relu', (x) => engine.ops.relu(x), (v) => Math.max(v, 0)],
      ['leakyRelu', (x) => engine.ops.leakyRelu(x, 0.1), (v) => (v > 0 ? v : Math.fround(0.1) * v)],
      ['affine', (x) => engine.ops.affine(x, 2, -0.5), (v) => 2 * v - 0.5],
      ['scale', (x) => engine.ops.scale(x, -3), (v) => -3 * v],
      ['clamp', (x) => engine.ops.clamp(x, -0.25, 0.5), (v) => Math.min(Math.max(v, -0.25), 0.5)],
      ['square', (x) => engine.ops.square(x), (v) => v * v],
      ['abs', (x) => engine.ops.abs(x), (v) => Math.abs(v)],
    ];
    for (const n of VEC4_SIZES) {
      const data = randomArray(n, n);
      const x = engine.tensor(data, [n]);
      for (const [name, op, f] of cases) {
        const y = op(x);
        expectClose(await y.read(), Float32Array.from(data, f), { label: `${name} n=${n}` });
        y.dispose();
      }
      // The input is left as it was (the last vec4 of y, not of x, is written past the end).
      expect(Array.from(await x.read())).toEqual(Array.from(data));
      x.dispose();
    }
  });

  it('relu matches the reference at the bench shape (AlexNet relu1)', async () => {
    const engine = await getEngine();
    const shape = [1, 96, 55, 55];
    const data = randomArray(96 * 55 * 55, 3);
    expectClose(await engine.ops.relu(engine.tensor(data, shape)).read(), ref.relu(data));
  });

  it('relu, leaky relu and clamp backward match their definitions at sizes that are not multiples of 4', async () => {
    const engine = await getEngine();
    for (const n of VEC4_SIZES) {
      const xData = randomArray(n, 2 * n);
      const dyData = randomArray(n, 2 * n + 1);
      const x = engine.tensor(xData, [n]);
      const dy = engine.tensor(dyData, [n]);
      for (const mode of [...RELU_MODES, 'redirected' as const]) expectClose(await engine.grad.relu(x, dy, mode).read(), ref.reluBackward(xData, dyData, mode), { label: `relu ${mode} n=${n}` });
      const leaky = Float32Array.from(xData, (v, i) => (v > 0 ? dyData[i] : Math.fround(0.2) * dyData[i]));
      expectClose(await engine.grad.leakyRelu(x, dy, 0.2).read(), leaky, { label: `leakyRelu n=${n}` });
      const clamp = Float32Array.from(xData, (v, i) => (v > -0.5 && v < 0.25 ? dyData[i] : 0));
      expectClose(await engine.grad.clamp(x, dy, -0.5, 0.25).read(), clamp, { label: `clamp n=${n}` });
      x.dispose();
      dy.dispose();
    }
  });

  it('relu backward: the four rules on a case worked by hand', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, -1, 2, -2], [4]);
    const dy = engine.tensor([-3, 5, 7, -1], [4]);
    // gradient: forward mask; deconvnet: rectified dy; guided: both
    expect(Array.from(await engine.grad.relu(x, dy, 'gradient').read())).toEqual([-3, 0, 7, 0]);
    expect(Array.from(await engine.grad.relu(x, dy, 'deconvnet').read())).toEqual([0, 5, 7, 0]);
    expect(Array.from(await engine.grad.relu(x, dy, 'guided').read())).toEqual([0, 0, 7, 0]);
    // redirected (Lucid): the open units' dy, and a closed unit's where dy > 0 would open it
    expect(Array.from(await engine.grad.relu(x, dy, 'redirected').read())).toEqual([-3, 5, 7, 0]);
    await expect(async () => engine.grad.relu(x, dy, 'inverse' as 'guided')).rejects.toThrow(/mode must be one of gradient, deconvnet, guided, redirected/);
    for (const mode of [...RELU_MODES, 'redirected' as const]) expect(Array.from(ref.reluBackward([1, -1, 2, -2], [-3, 5, 7, -1], mode))).toEqual(Array.from(await engine.grad.relu(x, dy, mode).read()));
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
    // The binary ops take 1024 elements per workgroup: 65,535 workgroups x 1024 elements is the
    // 1-D limit; go past it. (The unary ops take 16,384 per workgroup, and this is the tensor size
    // where those workgroups are the most.)
    const n = 65_536 * 1024 + 77;
    const x = engine.tensor(new Float32Array(n).fill(-2), [n]);
    const y = await engine.ops.add(x, x).read(); // -4 everywhere
    expect(y[0]).toBe(-4);
    expect(y[n - 1]).toBe(-4);
    expect(y[65_535 * 1024 + 5]).toBe(-4);
    x.dispose();
  });
});
