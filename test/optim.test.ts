import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Tensor } from '../src/index.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/optim.ts';
import type { AdamOptions, SgdOptions } from '../src/ops/optim.ts';

let smallEngine: Promise<Engine> | null = null;
function getSmallBindingEngine(): Promise<Engine> {
  smallEngine ??= createEngine().then((e) => {
    e.limits.maxStorageBufferBindingSize = 1 << 16;
    return e;
  });
  return smallEngine;
}
afterAll(async () => (await smallEngine)?.destroy());

async function floats(t: Tensor): Promise<number[]> {
  return Array.from(await t.read());
}

describe('optimizer references', () => {
  it('match cases worked by hand', () => {
    // SGD, momentum 0.9, lr 0.1, grad 0.5 twice: v = 0.5 then 0.95; p = 1 - 0.05 - 0.095.
    const p = Float32Array.of(1);
    const v = Float32Array.of(0);
    ref.sgdStep(p, [0.5], v, { lr: 0.1 });
    expect(v[0]).toBeCloseTo(0.5, 7);
    expect(p[0]).toBeCloseTo(0.95, 7);
    ref.sgdStep(p, [0.5], v, { lr: 0.1 });
    expect(v[0]).toBeCloseTo(0.95, 7);
    expect(p[0]).toBeCloseTo(0.855, 6);
    // Nesterov: p -= lr * (g + momentum * v) = 0.1 * (0.5 + 0.45).
    const pn = Float32Array.of(1);
    ref.sgdStep(pn, [0.5], Float32Array.of(0), { lr: 0.1, nesterov: true });
    expect(pn[0]).toBeCloseTo(0.905, 7);
    // Weight decay adds wd * p to the gradient: g = 0.5 + 0.1 * 2 = 0.7, no momentum.
    const pw = Float32Array.of(2);
    ref.sgdStep(pw, [0.5], Float32Array.of(0), { lr: 0.1, momentum: 0, weightDecay: 0.1 });
    expect(pw[0]).toBeCloseTo(1.93, 6);
    // Adam, first step: the bias-corrected m / sqrt(v) is sign(g), so p moves by lr (up to eps).
    const pa = Float32Array.of(1);
    const m = Float32Array.of(0);
    const s = Float32Array.of(0);
    ref.adamStep(pa, [0.5], m, s, { lr: 0.1, step: 1 });
    expect(m[0]).toBeCloseTo(0.05, 7);
    expect(s[0]).toBeCloseTo(0.00025, 9);
    expect(pa[0]).toBeCloseTo(0.9, 6);
    // Clipping: grads 3 and 4 have norm 5; with maxNorm 1 they become 0.6 and 0.8 (over 5 + 1e-6).
    const g1 = Float32Array.of(3);
    const g2 = Float32Array.of(4);
    expect(ref.clipGradNorm([g1, g2], 1)).toBe(5);
    expect(g1[0]).toBeCloseTo(0.6, 6);
    expect(g2[0]).toBeCloseTo(0.8, 6);
  });
});

describe('sgdStep and adamStep', () => {
  it('sgdStep matches the reference over several steps, in place', async () => {
    const engine = await getEngine();
    const options: SgdOptions[] = [{ lr: 0.1 }, { lr: 0.05, momentum: 0, weightDecay: 0.01 }, { lr: 0.02, momentum: 0.8, nesterov: true, weightDecay: 1e-3 }];
    for (const n of [1, 7, 1025, 100_003]) {
      for (const opts of options) {
        const p = randomArray(n, n, -1, 1);
        const v = new Float32Array(n);
        const param = engine.tensor(p, [n]);
        const velocity = engine.zeros([n]);
        for (let step = 0; step < 4; step++) {
          const g = randomArray(n, 100 + step, -1, 1);
          const grad = engine.tensor(g, [n]);
          engine.ops.sgdStep(param, grad, velocity, opts);
          ref.sgdStep(p, g, v, opts);
          grad.dispose();
        }
        const label = `n = ${n}, ${JSON.stringify(opts)}`;
        expectClose(await param.read(), p, { rtol: 1e-5, atol: 1e-6, label: `${label} param` });
        expectClose(await velocity.read(), v, { rtol: 1e-5, atol: 1e-6, label: `${label} velocity` });
        param.dispose();
        velocity.dispose();
      }
    }
  });

  it('adamStep matches the reference over several steps, in place', async () => {
    const engine = await getEngine();
    const options: Omit<AdamOptions, 'step'>[] = [{ lr: 0.01 }, { lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0.01 }];
    for (const n of [1, 7, 1025, 100_003]) {
      for (const opts of options) {
        const p = randomArray(n, n, -1, 1);
        const m = new Float32Array(n);
        const v = new Float32Array(n);
        const param = engine.tensor(p, [n]);
        const mt = engine.zeros([n]);
        const vt = engine.zeros([n]);
        for (let step = 1; step <= 5; step++) {
          const g = randomArray(n, 200 + step, -1, 1);
          const grad = engine.tensor(g, [n]);
          engine.ops.adamStep(param, grad, mt, vt, { ...opts, step });
          ref.adamStep(p, g, m, v, { ...opts, step });
          grad.dispose();
        }
        const label = `n = ${n}, ${JSON.stringify(opts)}`;
        expectClose(await param.read(), p, { rtol: 1e-5, atol: 1e-6, label: `${label} param` });
        expectClose(await mt.read(), m, { rtol: 1e-5, atol: 1e-7, label: `${label} m` });
        expectClose(await vt.read(), v, { rtol: 1e-5, atol: 1e-9, label: `${label} v` });
        for (const t of [param, mt, vt]) t.dispose();
      }
    }
  });

  it('steps tensors larger than a binding in windows', async () => {
    const engine = await getSmallBindingEngine(); // 16384 floats per binding
    const n = 100_003;
    const p = randomArray(n, 1, -1, 1);
    const g = randomArray(n, 2, -1, 1);
    const v = new Float32Array(n);
    const m = new Float32Array(n);
    const s = new Float32Array(n);
    const param = engine.tensor(p, [n]);
    const param2 = engine.tensor(p, [n]);
    const grad = engine.tensor(g, [n]);
    const velocity = engine.zeros([n]);
    const mt = engine.zeros([n]);
    const st = engine.zeros([n]);
    engine.ops.sgdStep(param, grad, velocity, { lr: 0.1 });
    engine.ops.adamStep(param2, grad, mt, st, { lr: 0.1, step: 1 });
    const p2 = Float32Array.from(p);
    ref.sgdStep(p, g, v, { lr: 0.1 });
    ref.adamStep(p2, g, m, s, { lr: 0.1, step: 1 });
    expectClose(await param.read(), p, { rtol: 1e-5, atol: 1e-6 });
    expectClose(await param2.read(), p2, { rtol: 1e-5, atol: 1e-6 });
    const copy = Float32Array.from(g);
    expect(await engine.ops.clipGradNorm([grad], 1)).toBeCloseTo(ref.clipGradNorm([copy], 1), 2);
    expectClose(await grad.read(), copy, { rtol: 1e-5, atol: 1e-7 });
  });
});

describe('clipGradNorm', () => {
  it('clips a case worked by hand and returns the norm before clipping', async () => {
    const engine = await getEngine();
    const a = engine.tensor([3], [1]);
    const b = engine.tensor([0, 4], [2]);
    expect(await engine.ops.clipGradNorm([a, b], 10)).toBeCloseTo(5, 6);
    expect(await floats(a)).toEqual([3]); // under the limit: untouched
    expect(await floats(b)).toEqual([0, 4]);
    expect(await engine.ops.clipGradNorm([a, b], 1)).toBeCloseTo(5, 6);
    expectClose(await a.read(), [0.6], { rtol: 1e-6 });
    expectClose(await b.read(), [0, 0.8], { rtol: 1e-6 });
    expect(await engine.ops.clipGradNorm([a, b], 1)).toBeCloseTo(1, 5); // now at the limit
  });

  it('matches the reference on several tensors of awkward sizes', async () => {
    const engine = await getEngine();
    const sizes = [1, 7, 1025, 300_007];
    const arrays = sizes.map((n, i) => randomArray(n, 30 + i, -1, 1));
    const tensors = arrays.map((a, i) => engine.tensor(a, [sizes[i]]));
    const expectedNorm = ref.clipGradNorm(arrays, 3);
    expect(await engine.ops.clipGradNorm(tensors, 3)).toBeCloseTo(expectedNorm, 3);
    for (let i = 0; i < sizes.length; i++) expectClose(await tensors[i].read(), arrays[i], { rtol: 1e-5, atol: 1e-7, label: `grads[${i}]` });
  });
});

describe('optimizer validation', () => {
  it('rejects bad inputs before GPU work, naming the op and the shapes', async () => {
    const engine = await getEngine();
    const p = engine.tensor([1, 2, 3], [3]);
    const g = engine.tensor([1, 2, 3], [3]);
    const v = engine.zeros([3]);
    const wrong = engine.zeros([4]);
    expect(() => engine.ops.sgdStep(p, g, wrong, { lr: 0.1 })).toThrow(/^sgdStep: param \[3\] and velocity \[4\] must have the same shape$/);
    expect(() => engine.ops.sgdStep(p, p, v, { lr: 0.1 })).toThrow(/^sgdStep: param and grad must be different tensors \(they share storage\)$/);
    expect(() => engine.ops.sgdStep(p, g, p.reshape([3]), { lr: 0.1 })).toThrow(/^sgdStep: param and velocity must be different tensors/);
    expect(() => engine.ops.sgdStep(p, g, v, {} as SgdOptions)).toThrow(/^sgdStep: lr must be a number >= 0, got undefined$/);
    expect(() => engine.ops.adamStep(p, g, v, engine.zeros([3]), { lr: 0.1, step: 0 })).toThrow(/^adamStep: step must be an integer >= 1 \(the 1-based step count\), got 0$/);
    expect(() => engine.ops.adamStep(p, g, v, engine.zeros([3]), { lr: 0.1, beta1: 1, step: 1 })).toThrow(/^adamStep: beta1 must be in \[0, 1\), got 1$/);
    expect(() => engine.ops.adamStep(p, g, v, wrong, { lr: 0.1, step: 1 })).toThrow(/^adamStep: param \[3\] and v \[4\] must have the same shape$/);
    await expect(engine.ops.clipGradNorm([], 1)).rejects.toThrow(/^clipGradNorm: grads must be a non-empty array of tensors$/);
    await expect(engine.ops.clipGradNorm([g, g], 1)).rejects.toThrow(/^clipGradNorm: grads\[0\] and grads\[1\] are the same tensor \(they share storage\)$/);
    await expect(engine.ops.clipGradNorm([g], 0)).rejects.toThrow(/^clipGradNorm: maxNorm must be a number > 0, got 0$/);
  });
});
