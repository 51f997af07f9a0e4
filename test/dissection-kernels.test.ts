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
  it('gives the reference intersections, areas and peaks', async () => {
    const engine = await getEngine();
    const [n, c, sh, sw, e, L, K] = [3, 5, 7, 9, 3, 11, 3];
    const s = randomArray(n * c * sh * sw, 3, -1, 2);
    const thresholds = new Float32Array([0.5, 1.9, -2, 0.9, 3]); // unit 2 masks everything, unit 4 nothing
    const labelMaps = new Int32Array(n * e * sh * sw).map((_, i) => Math.floor(randomArray(1, i)[0] * 7 + 6) % L);
    const present = new Int32Array([0b101, 0b010, 0b111]);
    const counters = createTallyCounters(engine, c, L, K);
    const tensors = [engine.tensor(s, [n, c, sh, sw]), engine.tensor(thresholds, [c]), engine.tensor(labelMaps, [n, e, sh, sw], 'i32'), engine.tensor(present, [n], 'i32')];
    const peak = recordTally(engine, tensors[0], tensors[1], tensors[2], tensors[3], counters);
    const inter = new Float64Array(c * L);
    const area = new Float64Array(c * K);
    const expectedPeak = ref.tallyReference(s, [n, c, sh * sw], thresholds, labelMaps, e, present, inter, area, L, K);
    expect(Array.from(await counters.inter.read())).toEqual(Array.from(inter));
    expect(Array.from(await counters.area.read())).toEqual(Array.from(area));
    expect(Array.from(await peak.read())).toEqual(Array.from(expectedPeak));
    expect(area[2 * K + 0]).toBe(2 * sh * sw); // unit 2 masks all pixels of images 0 and 2 (category 0)
    expect(area.subarray(4 * K, 5 * K).every((v) => v === 0)).toBe(true);
    for (const t of [...tensors, peak, counters.inter, counters.area]) t.dispose();
  });

  it('rejects labels and thresholds that do not fit the maps', async () => {
    const engine = await getEngine();
    const counters = createTallyCounters(engine, 2, 4, 1);
    const s = engine.zeros([1, 2, 3, 3]);
    const t = engine.zeros([3]);
    const labels = engine.zeros([1, 1, 3, 3], 'i32');
    const present = engine.zeros([1], 'i32');
    expect(() => recordTally(engine, s, t, labels, present, counters)).toThrow(/thresholds \[3\] must have one value per unit/);
    expect(() => createTallyCounters(engine, 2, 5000, 1)).toThrow(/at most 3071/);
    for (const x of [s, t, labels, present, counters.inter, counters.area]) x.dispose();
  });
});
