// Random rotation as an Activation Maximization transform (Olah et al. 2017): randomRotate draws
// its angle from the range and applies ops.rotate; its adjoint composes with jitter and scale
// inside applyTransforms (the adjoint identity, and finite differences of a scalar objective);
// AM with rotation on the default model still gives images classified as their class; the CLI's
// --rotate and the settings JSON.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { loadDefaultModel, type Engine, type Tensor } from '../src/index.ts';
import { applyTransforms, jitter, randomRotate, randomScale } from '../src/methods/common/transforms.ts';
import { Random } from '../src/data/concepts/random.ts';
import { activationMaximization, classScore, perImage } from '../src/methods/activation-maximization/index.ts';
import { sharedAmOptions } from '../src/cli/commands/am.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('randomRotate', () => {
  it('turns by an angle drawn from the range, the same as ops.rotate at that angle', async () => {
    const engine = await getEngine();
    const shape = [2, 3, 9, 10];
    const data = randomArray(540, 1);
    const x = engine.tensor(data, shape);
    for (const seed of [1, 2, 3]) {
      const degrees = new Random(seed).uniform(-10, 10);
      expect(Math.abs(degrees)).toBeGreaterThan(0.5); // a real turn, so the comparison below means something
      const t = randomRotate(-10, 10)(engine, x, new Random(seed));
      const expected = await engine.ops.rotate(x, degrees).read();
      expect(Array.from(await t.image.read())).toEqual(Array.from(expected));
      expect(Array.from(expected)).not.toEqual(Array.from(data));
    }
    expect(() => randomRotate(5, -5)).toThrow('random rotation needs finite degrees lo <= hi, got [5, -5]');
    expect(() => randomRotate(Number.NaN, 5)).toThrow('random rotation needs finite degrees lo <= hi');
  });

  it("composes inside applyTransforms: <T x, y> = <x, T* y> for jitter, scale and rotation together", async () => {
    const engine = await getEngine();
    const shape = [2, 3, 11, 13];
    const n = 858;
    const xData = randomArray(n, 2, 0, 1);
    const yData = randomArray(n, 3, 0, 1);
    const x = engine.tensor(xData, shape);
    const y = engine.tensor(yData, shape);
    const transforms = [jitter(2), randomScale(0.9, 1.1), randomRotate(-30, 30)];
    for (const seed of [4, 5, 6]) {
      const t = applyTransforms(engine, x, transforms, new Random(seed));
      const lhs = dot(await t.image.read(), yData);
      const rhs = dot(xData, await t.adjoint(y).read());
      expect(lhs).toBeGreaterThan(50);
      expect(Math.abs(lhs - rhs), `seed ${seed}: ${lhs} vs ${rhs}`).toBeLessThan(1e-5 * lhs);
    }
  });

  it('the gradient of a scalar objective through the transforms matches finite differences', async () => {
    const engine = await getEngine();
    const shape = [1, 2, 9, 7];
    const n = 126;
    const data = Float64Array.from(randomArray(n, 7));
    const target = engine.tensor(randomArray(n, 8), shape);
    const transforms = [randomRotate(15, 40), jitter(1)];
    // f(x) = 1/2 ||T x - target||^2 with the same draws each time: gradient T* (T x - target).
    const objective = async (values: Float64Array): Promise<{ value: number; grad: Float32Array }> => {
      const t = applyTransforms(engine, engine.tensor(Float32Array.from(values), shape), transforms, new Random(9));
      const diff: Tensor = engine.ops.sub(t.image, target);
      const d = await diff.read();
      const grad = await t.adjoint(diff).read();
      return { value: dot(d, d) / 2, grad: grad as Float32Array };
    };
    const { grad } = await objective(data);
    const eps = 1e-2; // f is quadratic: central differences are exact up to rounding
    for (const i of [0, 17, 31, 62, 63, 88, 125]) {
      const plus = Float64Array.from(data);
      const minus = Float64Array.from(data);
      plus[i] += eps;
      minus[i] -= eps;
      const numeric = ((await objective(plus)).value - (await objective(minus)).value) / (2 * eps);
      expect(Math.abs(grad[i] - numeric), `element ${i}: ${grad[i]} vs ${numeric}`).toBeLessThan(2e-3 + 1e-3 * Math.abs(numeric));
    }
    expect(Math.max(...Array.from(grad, Math.abs))).toBeGreaterThan(0.1);
  });
});

describe('activationMaximization with random rotation', () => {
  it('every class of the default model, rotated up to 10 degrees each step, is classified as that class', async () => {
    const engine: Engine = await getEngine();
    const m = await loadDefaultModel(engine);
    const classes = m.labels!.map((_, i) => i);
    const r = await activationMaximization(m, { objective: perImage(classes.map((c) => classScore(c))), restarts: classes.length, keep: 'all', steps: 30, seed: 1, jitter: 2, rotate: 10 });
    expect(r.settings.rotate).toEqual([-10, 10]);
    const out = await m.forward(r.image);
    const s = await out.get(m.spec.output)!.readFloat();
    for (const t of out.values()) t.dispose();
    const k = classes.length;
    const predicted = classes.map((b) => {
      const row = Array.from(s.slice(b * k, (b + 1) * k));
      return row.indexOf(Math.max(...row));
    });
    expect(predicted).toEqual(classes);
    r.image.dispose();
    await expect(activationMaximization(m, { class: 0, steps: 2, rotate: [5, -5] })).rejects.toThrow('activationMaximization: rotate must be degrees d >= 0 or a range [lo, hi] with lo <= hi, got [5,-5]');
    await expect(activationMaximization(m, { class: 0, steps: 2, rotate: Number.NaN })).rejects.toThrow('got NaN');
    m.dispose();
  });

  it("the CLI's --rotate: DEG, LO,HI, or a one-line usage error", () => {
    expect(sharedAmOptions('am', { rotate: '10' }).rotate).toBe(10);
    expect(sharedAmOptions('am', { rotate: '-5,15' }).rotate).toEqual([-5, 15]);
    expect(sharedAmOptions('am', {}).rotate).toBeUndefined();
    expect(() => sharedAmOptions('am', { rotate: '-10' })).toThrow("am: --rotate must be degrees DEG >= 0 or a range LO,HI with LO <= HI (e.g. 10 or -5,15), got '-10'");
    expect(() => sharedAmOptions('am', { rotate: '15,5' })).toThrow('--rotate must be degrees');
    expect(() => sharedAmOptions('am', { rotate: 'ten' })).toThrow('--rotate must be degrees');
  });
});
