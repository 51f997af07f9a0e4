// Occlusion sensitivity: exact against a hand-built linear model (the score at each position is
// computable by hand), and on the default model the class probability falls where the square
// hides the object the class names.

import { describe, expect, it } from 'vitest';
import { expectClose, getEngine } from './helpers/engine.ts';
import { buildModel, loadDefaultModel, preprocessImage } from '../src/index.ts';
import { generateImage, objectLabel } from '../src/data/concepts/index.ts';
import { occlusion } from '../src/methods/deconvnet/occlusion.ts';
import type { ModelSpec } from '../src/models/spec.ts';

const engine = await getEngine();

describe('occlusion on a hand-built linear model', () => {
  // Input 1x6x6 (pixel p -> p / 255), flatten, fc: class 0 = sum of rows 1..2, cols 3..4 (a 2x2
  // block); class 1 = 0.5 * sum of the whole image. Fill 0: a covered pixel adds nothing.
  const spec: ModelSpec = {
    name: 'lin',
    input: { name: 'x', shape: [1, 6, 6], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
    nodes: [
      { name: 'flat', type: 'flatten', inputs: ['x'] },
      { name: 'fc', type: 'linear', inputs: ['flat'] },
    ],
    output: 'fc',
  };
  const w = new Float32Array(2 * 36);
  for (let y = 1; y <= 2; y++) for (let x = 3; x <= 4; x++) w[y * 6 + x] = 1;
  for (let i = 0; i < 36; i++) w[36 + i] = 0.5;
  const pixels = Array.from({ length: 36 }, (_, i) => 1 + ((i * 7) % 11)); // small distinct-ish values

  it('scores the unit per position exactly, with the most probable class', async () => {
    const model = await buildModel(engine, spec, new Map([['fc.weight', { shape: [2, 36], data: w }]]));
    const x = engine.tensor(pixels.map((p) => p / 255), [1, 1, 6, 6]);
    const r = await occlusion(model, x, { target: { layer: 'fc', unit: 0 }, size: 2, stride: 2, fill: 0 });
    x.dispose();
    expect([r.rows, r.cols, r.tops, r.lefts]).toEqual([3, 3, [0, 2, 4], [0, 2, 4]]);
    const block = (top: number, left: number, y: number, x: number) => y >= top && y < top + 2 && x >= left && x < left + 2;
    const want: number[] = [];
    const wantTop: number[] = [];
    for (const top of r.tops) for (const left of r.lefts) {
      let s0 = 0;
      let s1 = 0;
      for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
        const v = block(top, left, y, x) ? 0 : pixels[y * 6 + x] / 255;
        s0 += w[y * 6 + x] * v;
        s1 += 0.5 * v;
      }
      want.push(s0);
      wantTop.push(s1 > s0 ? 1 : 0);
    }
    expectClose(r.scores, want, { rtol: 1e-5, atol: 1e-6 });
    expect(Array.from(r.topClass)).toEqual(wantTop);
    // The block sits at rows 1..2, cols 3..4: squares at (0,2), (0,4), (2,2), (2,4) each hide a part.
    expect(want.filter((s) => s < want[0] - 1e-6).length).toBe(4);
    // A class target is the softmax probability; odd sizes end with a last square at the edge.
    const y = engine.tensor(pixels.map((p) => p / 255), [1, 1, 6, 6]);
    const c = await occlusion(model, y, { target: 1, size: 3, stride: 2, fill: 0 });
    y.dispose();
    expect([c.tops, c.lefts]).toEqual([[0, 2, 3], [0, 2, 3]]);
    for (const p of c.scores) expect(p).toBeGreaterThan(0.5);
    model.dispose();
  });
});

describe('occlusion on the default model', () => {
  it('the true class loses the most where the square covers its object', async () => {
    const model = await loadDefaultModel(engine);
    const size = model.inputShape[1];
    const picture = generateImage(5, 2, size);
    const x = engine.tensor(preprocessImage({ width: size, height: size, rgb: picture.rgb }, model.spec.input), [1, 3, size, size]);
    const r = await occlusion(model, x, { target: picture.classIndex, size: 12, stride: 6, batch: 32 });
    x.dispose();
    expect(r.baselineClass).toBe(picture.classIndex);
    // Each position: how much of the class's object the square hides.
    const label = objectLabel(picture.classIndex);
    const hidden = (i: number) => {
      let count = 0;
      const top = r.tops[Math.floor(i / r.cols)];
      const left = r.lefts[i % r.cols];
      for (let y = top; y < top + r.size; y++) for (let x = left; x < left + r.size; x++) if (picture.object[y * size + x] === label) count++;
      return count;
    };
    const worst = r.scores.indexOf(Math.min(...r.scores));
    expect(hidden(worst)).toBeGreaterThan(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const on = [...r.scores].filter((_, i) => hidden(i) > 0);
    const off = [...r.scores].filter((_, i) => hidden(i) === 0);
    expect(on.length).toBeGreaterThan(0);
    expect(off.length).toBeGreaterThan(0);
    expect(mean(on)).toBeLessThan(mean(off));
    model.dispose();
  });

  it('bad input: one-line errors', async () => {
    const model = await loadDefaultModel(engine);
    const x = engine.tensor(new Float32Array(3 * 64 * 64), [1, 3, 64, 64]);
    await expect(occlusion(model, x, { target: 8 })).rejects.toThrow('class 8 is not among the model\'s 8 classes (0..7)');
    await expect(occlusion(model, x, { target: 0, size: 65 })).rejects.toThrow('size must be an integer in [1, 64] (the input is 64x64), got 65');
    await expect(occlusion(model, x, { target: 0, stride: 0 })).rejects.toThrow('stride must be a positive integer, got 0');
    await expect(occlusion(model, x, { target: { layer: 'relu9', unit: 0 } })).rejects.toThrow(/no layer 'relu9'/);
    await expect(occlusion(model, x, { target: { layer: 'relu2', unit: 40 } })).rejects.toThrow("layer 'relu2' has units 0..31, got unit 40");
    const wrong = engine.tensor(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
    await expect(occlusion(model, wrong, { target: 0 })).rejects.toThrow('expects one image [1, 3, 64, 64], got [1, 3, 32, 32]');
    wrong.dispose();
    x.dispose();
    model.dispose();
  });
});
