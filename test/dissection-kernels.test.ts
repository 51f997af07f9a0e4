// The dissection kernels (src/ops/dissect.ts) against their CPU references (src/reference/dissect.ts),
// on awkward shapes: odd map sizes, one image, ranges that grow batch after batch (rebinning),
// negative values, a constant unit, labels in several entries.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { createHistogramState, createTallyCounters, recordHistogram, recordTally, HISTOGRAM_BINS } from '../src/ops/dissect.ts';
import * as ref from '../src/reference/dissect.ts';

describe('dissect-range + dissect-histogram', () => {
  it('give the reference histogram, bin for bin, over batches whose range keeps growing', async () => {
    const engine = await getEngine();
    const [c, h, w] = [3, 5, 7];
    const gpu = createHistogramState(engine, c);
    const cpu = Array.from({ length: c }, () => ref.emptyHistogram());
    // Batch b scales unit 0 by 4^b (the level must rise), shifts unit 1 downwards (the base must move),
    // keeps unit 2 constant at 1.5 (a dead unit: one bin).
    for (let b = 0; b < 4; b++) {
      const n = b === 2 ? 1 : 2;
      const data = randomArray(n * c * h * w, 10 + b, -1, 1);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < h * w; j++) {
          data[(i * c + 0) * h * w + j] *= 4 ** b;
          data[(i * c + 1) * h * w + j] = data[(i * c + 1) * h * w + j] * 0.01 - b * 0.37;
          data[(i * c + 2) * h * w + j] = 1.5;
        }
      }
      const x = engine.tensor(data, [n, c, h, w]);
      recordHistogram(engine, x, gpu);
      x.dispose();
      for (let k = 0; k < c; k++) ref.addValues(cpu[k], ref.unitValues(data, n, c, h * w, k));
    }
    const state = await gpu.state.read();
    const hist = await gpu.hist.read();
    for (let k = 0; k < c; k++) {
      expect([state[4 * k], state[4 * k + 1]], `unit ${k} level, base`).toEqual([cpu[k].level, cpu[k].base]);
      const bins = Array.from(hist.subarray(k * HISTOGRAM_BINS, (k + 1) * HISTOGRAM_BINS));
      expect(bins, `unit ${k} bins`).toEqual(Array.from(cpu[k].counts));
      expect(bins.reduce((a, v) => a + v, 0)).toBe(7 * h * w);
    }
    expect(cpu[0].level).toBeGreaterThan(-9); // it did rise
    gpu.state.dispose();
    gpu.hist.dispose();
  });
});

describe('dissect-tally', () => {
  it('gives the reference intersections, areas and peaks, upsampling as resizeBilinear does', async () => {
    const engine = await getEngine();
    // Maps 3x4 upsampled to masks 7x9 (awkward ratios); the same sizes (no upsampling) too.
    for (const [h, w] of [
      [3, 4],
      [7, 9],
    ]) {
      const [n, c, sh, sw, e, L, K] = [11, 5, 7, 9, 3, 11, 3]; // 11 images: two workgroups of 8, the second short
      const a = randomArray(n * c * h * w, 3 + h, -1, 2);
      const thresholds = new Float32Array([0.5, 1.5, -2, 0.9, 3]); // unit 2 masks everything, unit 4 nothing
      const labelMaps = new Int32Array(n * e * sh * sw).map((_, i) => Math.floor(randomArray(1, i)[0] * 7 + 6) % L);
      const present = new Int32Array(n).map((_, i) => [0b101, 0b010, 0b111, 0][i % 4]);
      const counters = createTallyCounters(engine, c, L, K);
      const tensors = [engine.tensor(a, [n, c, h, w]), engine.tensor(thresholds, [c]), engine.tensor(labelMaps, [n, e, sh, sw], 'i32'), engine.tensor(present, [n], 'i32')];
      const peak = recordTally(engine, tensors[0], tensors[1], tensors[2], tensors[3], counters);
      // The reference tallies the maps that engine.ops.resizeBilinear gives.
      const up = engine.ops.resizeBilinear(tensors[0], [sh, sw]);
      const s = await up.read();
      const inter = new Float64Array(c * L);
      const area = new Float64Array(c * K);
      const expectedPeak = ref.tallyReference(s, [n, c, sh * sw], thresholds, labelMaps, e, present, inter, area, L, K);
      expect(Array.from(await counters.inter.read()), `${h}x${w} intersections`).toEqual(Array.from(inter));
      expect(Array.from(await counters.area.read()), `${h}x${w} areas`).toEqual(Array.from(area));
      expect(Array.from(await peak.read()), `${h}x${w} peaks`).toEqual(Array.from(expectedPeak));
      expect(area[2 * K + 0]).toBe(6 * sh * sw); // unit 2 masks every pixel of the 6 images with bit 0
      expect(area.subarray(4 * K, 5 * K).every((v) => v === 0)).toBe(true);
      for (const t of [...tensors, peak, up, counters.inter, counters.area]) t.dispose();
    }
  });

  it('rejects labels and thresholds that do not fit the maps', async () => {
    const engine = await getEngine();
    const counters = createTallyCounters(engine, 2, 4, 1);
    const s = engine.zeros([1, 2, 3, 3]);
    const t = engine.zeros([3]);
    const labels = engine.zeros([1, 1, 3, 3], 'i32');
    const present = engine.zeros([1], 'i32');
    expect(() => recordTally(engine, s, t, labels, present, counters)).toThrow(/thresholds \[3\] must have one value per unit/);
    expect(() => recordTally(engine, s, engine.zeros([2]), engine.zeros([2, 1, 3, 3], 'i32'), present, counters)).toThrow(/labels \[2, 1, 3, 3\] must have one set of maps per image/);
    expect(() => createTallyCounters(engine, 2, 5000, 1)).toThrow(/at most 3071/);
    for (const x of [s, t, labels, present, counters.inter, counters.area]) x.dispose();
  });
});
