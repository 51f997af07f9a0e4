// The pieces of Activation Maximization, each against a plain CPU computation on awkward shapes:
// the Fourier parameterization (render, exact pullback, round trip), Yosinski's regularizers (each
// does what it claims), Erhan's fixed norm, the random-scale transform's adjoint, and the
// diversity and L2 objectives' gradients by finite differences.

import { describe, expect, it } from 'vitest';
import { expectClose, getEngine, randomArray } from './helpers/engine.ts';
import type { Engine } from '../src/index.ts';
import { PREPROCESSING_PRESETS } from '../src/index.ts';
import { fourierParameterization, realFourierBasis, spectrumScale, YOSINSKI_PRESETS, presetSettings, regularize, diversity, imageL2 } from '../src/methods/activation-maximization/index.ts';
import { colorMap } from '../src/methods/activation-maximization/fourier.ts';
import { blurImage, clipLowContribution, clipLowNorm, fixNorm, imageNorms, l2Decay } from '../src/methods/common/regularizers.ts';
import { randomScale } from '../src/methods/common/transforms.ts';
import { Random } from '../src/data/concepts/random.ts';
import type { Model } from '../src/index.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The Fourier render on the CPU, straight from its definition (float64). */
function renderReference(p: Float32Array, shape: number[], preprocessing: typeof PREPROCESSING_PRESETS.caffe): Float64Array {
  const [b, c, h, w] = shape;
  const ah = realFourierBasis(h).basis;
  const aw = realFourierBasis(w).basis;
  const s = spectrumScale(h, w);
  const { matrix, bias } = colorMap(preprocessing, c);
  const t = new Float64Array(p.length);
  for (let n = 0; n < b * c; n++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let v = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) v += ah[y * h + i] * s[i * w + j] * p[n * h * w + i * w + j] * aw[x * w + j];
      t[n * h * w + y * w + x] = v;
    }
  }
  const out = new Float64Array(p.length);
  for (let n = 0; n < b; n++) for (let k = 0; k < c; k++) for (let q = 0; q < h * w; q++) {
    let v = bias[k];
    for (let m = 0; m < c; m++) v += matrix[k * c + m] * t[(n * c + m) * h * w + q];
    out[(n * c + k) * h * w + q] = v;
  }
  return out;
}

describe('Fourier parameterization (Olah et al. 2017)', () => {
  it('has an orthonormal real Fourier basis for odd and even lengths', () => {
    for (const n of [1, 2, 5, 8]) {
      const { basis, freqs } = realFourierBasis(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += basis[k * n + i] * basis[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
      expect(freqs[0]).toBe(0);
      if (n === 8) expect(freqs[7]).toBe(0.5);
    }
  });

  it('renders as its definition, pulls back with the exact adjoint, and round-trips an image (odd H, even W, BGR Caffe input)', async () => {
    const engine = await getEngine();
    const pre = PREPROCESSING_PRESETS.caffe;
    const shape = [2, 3, 5, 6];
    const f = fourierParameterization(engine, [3, 5, 6], pre);
    const size = 2 * 3 * 5 * 6;
    const pData = randomArray(size, 11);
    const p = engine.tensor(pData, shape);
    const image = f.render(p);
    const got = await image.readFloat();
    const want = renderReference(pData, shape, pre);
    expectClose(got, want, { rtol: 1e-4, atol: 1e-3, label: 'render' });

    // Adjoint: <L p, d> = <p, L^T d> for the linear part L = render - render(0).
    const zero = engine.zeros(shape);
    const offset = await f.render(zero).readFloat();
    const d = engine.tensor(randomArray(size, 12), shape);
    const dData = await d.readFloat();
    const pulled = await f.pullback(p, d).readFloat();
    const lhs = dot(Array.from(got, (v, i) => v - offset[i]), dData);
    expect(Math.abs(lhs - dot(pData, pulled))).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-3);

    // Round trips both ways.
    const back = await f.fromImage(image).readFloat();
    expectClose(back, pData, { rtol: 1e-3, atol: 1e-3, label: 'fromImage(render(p))' });
    const x = engine.tensor(randomArray(size, 13, -100, 100), shape);
    const again = await f.render(f.fromImage(x)).readFloat();
    expectClose(again, await x.readFloat(), { rtol: 1e-3, atol: 2e-2, label: 'render(fromImage(x))' });
    f.dispose();
  });

  it("puts a random start's energy in the low frequencies (the 1/f scale): smoother than with a flat spectrum", async () => {
    const engine = await getEngine();
    // Neighbour differences against the spread of each plane: about 2 for white noise, small for smooth images.
    const roughness = async (decay: number) => {
      const f = fourierParameterization(engine, [3, 16, 16], PREPROCESSING_PRESETS.imagenet, { decay });
      const data = await f.render(f.initial(1, new Random(1), 1)).readFloat();
      f.dispose();
      let diff = 0;
      let spread = 0;
      for (let c = 0; c < 3; c++) {
        const p = data.subarray(c * 256, c * 256 + 256);
        const mean = p.reduce((a, b) => a + b, 0) / 256;
        for (let i = 0; i < 256; i++) {
          spread += (p[i] - mean) ** 2;
          if (i % 16 !== 15) diff += (p[i + 1] - p[i]) ** 2;
        }
      }
      return diff / spread;
    };
    const flat = await roughness(0);
    expect(flat).toBeGreaterThan(1.5);
    expect(await roughness(1)).toBeLessThan(0.5 * flat);
  });
});

/** Sum of squared differences between horizontal and vertical neighbours: high-frequency energy. */
function highFrequency(x: Float32Array, shape: number[]): number {
  const [n, c, h, w] = shape;
  let e = 0;
  for (let p = 0; p < n * c; p++) for (let y = 0; y < h; y++) for (let x0 = 0; x0 < w; x0++) {
    const i = p * h * w + y * w + x0;
    if (x0 + 1 < w) e += (x[i + 1] - x[i]) ** 2;
    if (y + 1 < h) e += (x[i + w] - x[i]) ** 2;
  }
  return e;
}

describe("Yosinski's regularizers and Erhan's norm", () => {
  const shape = [2, 3, 7, 9];
  const size = 2 * 3 * 7 * 9;
  const plane = 63;

  it('decay shrinks the norm by (1 - decay); blur lowers the high-frequency energy', async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(size, 21), shape);
    const before = await imageNorms(engine, x);
    const after = await imageNorms(engine, l2Decay(engine, x, 0.3));
    before.forEach((n, i) => expect(after[i]).toBeCloseTo(0.7 * n, 4));
    const data = await x.readFloat();
    const blurred = await blurImage(engine, x, 1).readFloat();
    expect(highFrequency(blurred, shape)).toBeLessThan(0.3 * highFrequency(data, shape));
  });

  it('norm clipping zeroes exactly the stated percentile of each image, the pixels of lowest norm', async () => {
    const engine = await getEngine();
    const data = randomArray(size, 22);
    const x = engine.tensor(data, shape);
    const clipped = await (await clipLowNorm(engine, x, 50)).readFloat();
    for (let n = 0; n < 2; n++) {
      const norms = Array.from({ length: plane }, (_, i) => Math.hypot(...[0, 1, 2].map((c) => data[(n * 3 + c) * plane + i])));
      const zeroed = norms.map((_, i) => [0, 1, 2].every((c) => clipped[(n * 3 + c) * plane + i] === 0));
      expect(zeroed.filter(Boolean).length).toBe(Math.floor(0.5 * plane));
      const maxZeroed = Math.max(...norms.filter((_, i) => zeroed[i]));
      const minKept = Math.min(...norms.filter((_, i) => !zeroed[i]));
      expect(maxZeroed).toBeLessThan(minKept);
      norms.forEach((_, i) => {
        if (!zeroed[i]) for (const c of [0, 1, 2]) expect(clipped[(n * 3 + c) * plane + i]).toBe(data[(n * 3 + c) * plane + i]);
      });
    }
  });

  it('contribution clipping zeroes the stated percentile of lowest sum_c |x * grad|', async () => {
    const engine = await getEngine();
    const data = randomArray(size, 23);
    const g = randomArray(size, 24);
    const clipped = await (await clipLowContribution(engine, engine.tensor(data, shape), engine.tensor(g, shape), 90)).readFloat();
    for (let n = 0; n < 2; n++) {
      const contribution = Array.from({ length: plane }, (_, i) => [0, 1, 2].reduce((s, c) => s + Math.abs(data[(n * 3 + c) * plane + i] * g[(n * 3 + c) * plane + i]), 0));
      const zeroed = contribution.map((_, i) => clipped[n * 3 * plane + i] === 0 && clipped[(n * 3 + 1) * plane + i] === 0);
      expect(zeroed.filter(Boolean).length).toBe(Math.floor(0.9 * plane));
      expect(Math.max(...contribution.filter((_, i) => zeroed[i]))).toBeLessThan(Math.min(...contribution.filter((_, i) => !zeroed[i])));
    }
  });

  it("Erhan's constraint holds each image at the fixed norm", async () => {
    const engine = await getEngine();
    const x = engine.tensor(randomArray(size, 25), shape);
    const norms = await imageNorms(engine, await fixNorm(engine, x, 12.5));
    for (const n of norms) expect(n).toBeCloseTo(12.5, 3);
  });

  it("has Table 1's four presets, and regularize() applies a preset's steps in order (blur only on its steps)", async () => {
    expect(YOSINSKI_PRESETS.yosinski1).toEqual({ decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 50, contributionPercentile: 0 });
    expect(YOSINSKI_PRESETS.yosinski2).toEqual({ decay: 0.3, blurWidth: 0, blurEvery: 0, normPercentile: 20, contributionPercentile: 0 });
    expect(YOSINSKI_PRESETS.yosinski3).toEqual({ decay: 0.0001, blurWidth: 1.0, blurEvery: 4, normPercentile: 0, contributionPercentile: 0 });
    expect(YOSINSKI_PRESETS.yosinski4).toEqual({ decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 0, contributionPercentile: 90 });
    expect(presetSettings('strong-decay')).toEqual(YOSINSKI_PRESETS.yosinski2);
    const engine = await getEngine();
    const data = randomArray(size, 26);
    const x = engine.tensor(data, shape);
    const g = engine.zeros(shape);
    const r3 = presetSettings('yosinski3');
    const atBlurStep = await (await regularize(engine, x, 8, g, r3)).readFloat();
    const offStep = await (await regularize(engine, x, 9, g, r3)).readFloat();
    expectClose(offStep, Array.from(data, (v) => v * (1 - 0.0001)), { rtol: 1e-6, atol: 1e-7, label: 'decay only' });
    expect(highFrequency(atBlurStep, shape)).toBeLessThan(0.3 * highFrequency(data, shape));
    const two = await (await regularize(engine, x, 0, g, presetSettings('yosinski2'))).readFloat();
    const zeros = Array.from({ length: 2 * plane }, (_, k) => [0, 1, 2].every((c) => two[(Math.floor(k / plane) * 3 + c) * plane + (k % plane)] === 0)).filter(Boolean).length;
    expect(zeros).toBe(2 * Math.floor(0.2 * plane));
  });
});

describe('transforms and objective gradients', () => {
  it('random scale: the adjoint is exact (<T x, d> = <x, T* d>) when zooming in and out', async () => {
    const engine = await getEngine();
    const shape = [1, 2, 9, 11];
    const x = engine.tensor(randomArray(198, 31), shape);
    for (const [lo, hi] of [[1.3, 1.3], [0.7, 0.7]]) {
      const t = randomScale(lo, hi)(engine, x, new Random(1));
      expect(t.image.shape).toEqual(shape);
      const d = engine.tensor(randomArray(198, 32), shape);
      const lhs = dot(await t.image.readFloat(), await d.readFloat());
      const rhs = dot(await x.readFloat(), await t.adjoint(d).readFloat());
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-4);
    }
  });

  /** A stand-in model that only gives objectives its engine and layer shapes. */
  const fakeModel = (engine: Engine, shape: number[]) => ({ engine, layerShape: () => shape }) as unknown as Model;

  it("diversity: the gradient seed matches finite differences and the values add up to -(1/B) sum_{i!=j} cos(G_i, G_j)", async () => {
    const engine = await getEngine();
    const shape = [3, 4, 3, 5];
    const size = 180;
    const a = new Float64Array(randomArray(size, 41, 0, 1));
    const bound = diversity('L').bind(fakeModel(engine, shape), 3);
    const evaluate = async (values: Float64Array) => {
      const t = engine.tensor(Float32Array.from(values), shape);
      const v = await bound.evaluate(new Map([['L', t]]), t);
      const out = { values: await v.values.readFloat(), seed: await v.seeds.get('L')!.readFloat() };
      v.values.dispose();
      for (const s of v.seeds.values()) s.dispose();
      t.dispose();
      return out;
    };
    // CPU: cosine similarities of the Gram matrices.
    const grams = [0, 1, 2].map((n) => {
      const g = new Float64Array(16);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let p = 0; p < 15; p++) g[i * 4 + j] += a[(n * 4 + i) * 15 + p] * a[(n * 4 + j) * 15 + p];
      const norm = Math.hypot(...g);
      return g.map((v) => v / norm);
    });
    const cos = (i: number, j: number) => dot(grams[i], grams[j]);
    const { values, seed } = await evaluate(a);
    for (let i = 0; i < 3; i++) expect(values[i]).toBeCloseTo(-[0, 1, 2].filter((j) => j !== i).reduce((s, j) => s + cos(i, j), 0) / 3, 5);
    const total = (v: Float32Array) => v[0] + v[1] + v[2];
    const eps = 1e-2;
    for (const k of [0, 17, 63, 100, 179]) {
      const plus = Float64Array.from(a);
      plus[k] += eps;
      const minus = Float64Array.from(a);
      minus[k] -= eps;
      const fd = (total((await evaluate(plus)).values) - total((await evaluate(minus)).values)) / (2 * eps);
      expect(Math.abs(seed[k] - fd)).toBeLessThan(2e-3 + 0.02 * Math.abs(fd));
    }
    bound.dispose();
  });

  it("Simonyan's L2 term: value -lambda ||x||^2 per image and gradient -2 lambda x", async () => {
    const engine = await getEngine();
    const shape = [2, 3, 4, 5];
    const data = randomArray(120, 51);
    const x = engine.tensor(data, shape);
    const v = await imageL2(0.25).bind(fakeModel(engine, shape), 2).evaluate(new Map(), x);
    const values = await v.values.readFloat();
    for (let n = 0; n < 2; n++) expect(values[n]).toBeCloseTo(-0.25 * dot(data.subarray(n * 60, n * 60 + 60), data.subarray(n * 60, n * 60 + 60)), 4);
    expectClose(await v.imageGrad!.readFloat(), Array.from(data, (d) => -0.5 * d), { label: 'grad' });
  });
});


describe("Lucid's redirected ReLU gradient at the start", () => {
  it('gets a unit that the starting image leaves closed going; the true gradient alone never moves it', async () => {
    const { buildModel } = await import('../src/index.ts');
    const { activationMaximization } = await import('../src/methods/activation-maximization/index.ts');
    const engine = await getEngine();
    // One unit: the mean of a 3x3x3 window minus 0.7. A grey start (pixels near 0.5) leaves it
    // closed everywhere, so d activation / d image is exactly zero.
    const net = await buildModel(
      engine,
      {
        name: 'closed-unit',
        input: { name: 'x', shape: [3, 8, 8], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
        nodes: [
          { name: 'conv1', type: 'conv', inputs: ['x'], attrs: { pads: [1, 1, 1, 1] } },
          { name: 'relu1', type: 'relu', inputs: ['conv1'] },
        ],
        output: 'relu1',
      },
      new Map([
        ['conv1.weight', { shape: [1, 3, 3, 3], data: new Float32Array(27).fill(1 / 27) }],
        ['conv1.bias', { shape: [1], data: Float32Array.from([-0.7]) }],
      ]),
    );
    const run = async (redirectRelu: number) => {
      const r = await activationMaximization(net, { layer: 'relu1', unit: 0, steps: 30, seed: 1, initialNoise: 0.02, redirectRelu });
      r.image.dispose();
      return r;
    };
    const stuck = await run(0);
    expect(stuck.trace.every((v) => v === 0)).toBe(true);
    expect(stuck.activation).toBe(0);
    const started = await run(16);
    expect(started.trace[0]).toBe(0);
    expect(started.activation).toBeGreaterThan(0.1);
    expect(started.settings.redirectRelu).toBe(16);
    expect(started.settings.redirected).toBe(16);
    await expect(activationMaximization(net, { layer: 'relu1', unit: 0, steps: 2, redirectRelu: -1 })).rejects.toThrow(/redirectRelu must be a whole number/);
    net.dispose();
    // An open start keeps the true gradient throughout.
    const open = await buildModel(engine, net.spec, new Map([
      ['conv1.weight', { shape: [1, 3, 3, 3], data: new Float32Array(27).fill(1 / 27) }],
      ['conv1.bias', { shape: [1], data: Float32Array.from([-0.2]) }],
    ]));
    const r = await activationMaximization(open, { layer: 'relu1', unit: 0, steps: 4, seed: 1, initialNoise: 0.02 });
    expect(r.trace[0]).toBeGreaterThan(0);
    expect(r.settings.redirected).toBe(0);
    r.image.dispose();
    open.dispose();
  });
});
