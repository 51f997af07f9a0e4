// First-layer diagnosis: the frequency measure on filters whose spectra are known by hand, dead
// filters found over an image set in a hand-built model, and the report on the default model.

import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { buildModel, loadDefaultModel, type RgbImage } from '../src/index.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { memoryImages } from '../src/methods/common/image-set.ts';
import { firstLayerDiagnosis, highFrequencyShare } from '../src/methods/deconvnet/first-layer.ts';
import type { ModelSpec } from '../src/models/spec.ts';

const engine = await getEngine();

describe('high-frequency share (energy above half Nyquist)', () => {
  it('a single tap has a flat spectrum: the share is the area outside the disc of radius 1/4', () => {
    const tap = new Float32Array(25);
    tap[12] = 1;
    // 1 - pi * 0.25^2 over the unit square of frequencies, sampled on a 64x64 grid.
    expect(highFrequencyShare(tap, 1, 5, 5, 64)).toBeCloseTo(1 - Math.PI / 16, 2);
  });

  it('a constant filter is low, a checkerboard high, whatever the channel count', () => {
    const constant = new Float32Array(3 * 7 * 7).fill(0.3);
    const checker = Float32Array.from({ length: 3 * 7 * 7 }, (_, i) => ((Math.floor((i % 49) / 7) + (i % 7)) % 2 ? 1 : -1));
    expect(highFrequencyShare(constant, 3, 7, 7)).toBeLessThan(0.1); // 0.086: the box's sinc side lobes
    expect(highFrequencyShare(checker, 3, 7, 7)).toBeGreaterThan(0.95);
    // Stripes along x, 16 taps: period 8 (0.125 cycles/pixel) is low, period 2 (0.5) high, and
    // period 4 (0.25, on the boundary) splits its energy about evenly.
    const stripes = (period: number) => Float32Array.from({ length: 16 * 16 }, (_, i) => Math.cos((2 * Math.PI * (i % 16)) / period));
    expect(highFrequencyShare(stripes(8), 1, 16, 16)).toBeLessThan(0.1);
    expect(highFrequencyShare(stripes(4), 1, 16, 16)).toBeCloseTo(0.5, 1);
    expect(highFrequencyShare(stripes(2), 1, 16, 16)).toBeGreaterThan(0.95);
  });
});

describe('firstLayerDiagnosis', () => {
  it('finds the filter that never fires over an image set (inputs in [0, 1], all-negative weights)', async () => {
    const spec: ModelSpec = {
      name: 'two-filters',
      input: { name: 'x', shape: [3, 16, 16], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0, 0, 0], std: [1, 1, 1] } },
      nodes: [
        { name: 'conv', type: 'conv', inputs: ['x'], attrs: { strides: [2, 2] } },
        { name: 'relu', type: 'relu', inputs: ['conv'] },
      ],
      output: 'relu',
    };
    const weight = new Float32Array(3 * 27);
    weight.fill(-1, 0, 27); // filter 0: never above -0.1 on non-negative pixels
    weight.fill(1, 27, 54); // filter 1: fires on anything but black
    for (let i = 54; i < 81; i++) weight[i] = i % 2 ? 0.5 : -0.5; // filter 2: a high-frequency pattern
    const model = await buildModel(engine, spec, new Map([
      ['conv.weight', { shape: [3, 3, 3, 3], data: weight }],
      ['conv.bias', { shape: [3], data: Float32Array.from([-0.1, 0, 0]) }],
    ]));
    const pictures: RgbImage[] = Array.from({ length: 5 }, (_, i) => ({ width: 16, height: 16, rgb: generateImage(2, i, 16).rgb }));
    const d = await firstLayerDiagnosis(model, memoryImages(pictures), { batch: 2 });
    expect(d.layer).toBe('conv');
    expect(d.filters.map((f) => f.dead)).toEqual([true, false, false]);
    expect(d.deadCount).toBe(1);
    expect(d.filters[0].maxActivation).toBeLessThanOrEqual(-0.1);
    expect(d.filters[1].highFrequencyShare).toBeLessThan(d.filters[2].highFrequencyShare);
    expect(d.images.map((im) => [im.width, im.height])).toEqual([[3, 3], [3, 3], [3, 3]]);
    await expect(firstLayerDiagnosis(model, null, { layer: 'relu' })).rejects.toThrow("layer 'relu' is a relu, not a conv");
    model.dispose();
  });

  it("reports the default model's conv1 (weights only, no set)", async () => {
    const model = await loadDefaultModel(engine);
    const d = await firstLayerDiagnosis(model, null);
    expect(d.layer).toBe('conv1');
    expect(d.filters.length).toBe(16);
    for (const f of d.filters) {
      expect(f.dead).toBe(false); // no set: nothing can be called dead
      expect(f.highFrequencyShare).toBeGreaterThanOrEqual(0);
      expect(f.highFrequencyShare).toBeLessThanOrEqual(1);
    }
    model.dispose();
  });
});
