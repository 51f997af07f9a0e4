// The dissection kernels (src/ops/dissect.ts) against their CPU references (src/reference/dissect.ts),
// on awkward shapes: odd map sizes, one image, ranges that grow batch after batch (rebinning),
// negative values, a constant unit, labels in several entries; the tally on ratios that are not
// whole numbers, maps larger than the masks, maps wider than a workgroup, a batch that is not a
// multiple of anything, sparse units hot only at borders and corners, values within an ulp of the
// threshold.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { createHistogramState, createTallyCounters, listHotCells, recordHistogram, recordTally, HISTOGRAM_BINS } from '../src/ops/dissect.ts';
import * as ref from '../src/reference/dissect.ts';

describe('dissect-histogram', () => {
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
  it('give the reference histogram for [N, C] outputs (one value per map), maps larger than a workgroup, maps read in quads', async () => {
    const engine = await getEngine();
    // hw = 1, 99 (read one value at a time), 96 and 8 (multiples of 4: read in quads).
    for (const shape of [
      [5, 70],
      [2, 3, 9, 11],
      [2, 3, 8, 12],
      [7, 5, 2, 4],
    ]) {
      const [c, hw] = [shape[1], shape.length === 4 ? shape[2] * shape[3] : 1];
      const gpu = createHistogramState(engine, c);
      const cpu = Array.from({ length: c }, () => ref.emptyHistogram());
      for (let b = 0; b < 3; b++) {
        const data = randomArray(shape[0] * c * hw, 40 + b, -1, 1).map((v) => v * 3 ** b);
        const x = engine.tensor(data, shape);
        recordHistogram(engine, x, gpu);
        x.dispose();
        for (let k = 0; k < c; k++) ref.addValues(cpu[k], ref.unitValues(data, shape[0], c, hw, k));
      }
      const hist = await gpu.hist.read();
      const state = await gpu.state.read();
      for (let k = 0; k < c; k++) {
        expect([state[4 * k], state[4 * k + 1]], `${shape} unit ${k} level, base`).toEqual([cpu[k].level, cpu[k].base]);
        expect(Array.from(hist.subarray(k * HISTOGRAM_BINS, (k + 1) * HISTOGRAM_BINS)), `${shape} unit ${k} bins`).toEqual(Array.from(cpu[k].counts));
      }
      gpu.state.dispose();
      gpu.hist.dispose();
    }
  });
});

describe('dissect-tally', () => {
  it('gives the reference intersections, areas and peaks, upsampling as resizeBilinear does, skipping cold cells exactly', async () => {
    const engine = await getEngine();
    const [n, c, e, L, K] = [11, 6, 3, 11, 3]; // 11 images: two workgroups of 8, the second short
    // Maps upsampled by ratios that are not whole numbers, by a whole ratio, not at all, shrunk (maps
    // larger than the masks), and a map wider than a workgroup (a thread's cells wrap rows); widths
    // 4 and 8 have their cells listed 4 at a time (QUADS in dissect-hot-cells.wgsl).
    for (const [h, w, sh, sw] of [
      [3, 4, 7, 9],
      [3, 8, 5, 13],
      [4, 3, 16, 12],
      [7, 9, 7, 9],
      [9, 13, 7, 9],
      [2, 70, 5, 75],
    ]) {
      const a = randomArray(n * c * h * w, 3 + h + w, -1, 2);
      const t07 = Math.fround(0.7);
      const thresholds = new Float32Array([0.5, -2, Infinity, 2.5, t07, 2 ** -126]);
      const hw = h * w;
      for (let i = 0; i < n; i++) {
        const map = (k: number) => a.subarray((i * c + k) * hw, (i * c + k + 1) * hw);
        // Unit 3: hot only where a value of 3 is planted (corners and borders, one inside), cold elsewhere.
        const sparse = map(3);
        sparse.forEach((v, j) => (sparse[j] = v / 2));
        for (const j of [[0, hw - 1, w - 1, (h - 1) * w][i % 4], Math.floor(hw / 2) + i]) sparse[j % hw] = 3;
        // Unit 4: every value within a few units in the last place of its threshold, where mix()'s
        // rounding decides (the cold test must keep these cells).
        map(4).forEach((v, j, m) => (m[j] = Math.fround(t07 * (1 + Math.round(v * 2) * 2 ** -23))));
        // Unit 5: a ReLU's sparse map, zero but for one pixel in some images; its threshold is above zero.
        const relu = map(5);
        relu.fill(0);
        if (i % 3 !== 0) relu[(i * 7) % hw] = 1;
      }
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
      ref.tallyReference(s, [n, c, sh * sw], thresholds, labelMaps, e, present, inter, area, L, K);
      const where = `${h}x${w} to ${sh}x${sw}`;
      expect(Array.from(await counters.inter.read()), `${where} intersections`).toEqual(Array.from(inter));
      expect(Array.from(await counters.area.read()), `${where} areas`).toEqual(Array.from(area));
      expect(Array.from(await peak.read()), `${where} peaks`).toEqual(Array.from(ref.mapPeaks(a, [n, c, hw])));
      expect(area[1 * K + 0]).toBe(6 * sh * sw); // unit 1 masks every pixel of the 6 images with bit 0
      expect(area.subarray(2 * K, 3 * K).every((v) => v === 0)).toBe(true); // a dead unit masks nothing
      for (const k of [3, 5]) expect(area[k * K + 0], `${where} unit ${k} masks a few pixels`).toBeGreaterThan(0);
      expect(area[3 * K + 0]).toBeLessThan((6 * sh * sw) / 2);
      // The cells the tally looked at: the reference's, and for the sparse units only a few.
      const { count, hot } = listHotCells(engine, tensors[0], tensors[1]);
      const listed = Array.from((await hot.read()).subarray(0, (await count.read())[0])).sort((x, y) => x - y);
      const expectedHot = ref.hotCells(a, [n, c, h, w], thresholds);
      expect(listed, `${where} hot cells`).toEqual(expectedHot);
      const ofUnit = (k: number) => expectedHot.filter((cell) => Math.floor(cell / hw) % c === k).length;
      expect(ofUnit(1)).toBe(n * hw); // masks everything: every cell hot
      expect(ofUnit(2)).toBe(0); // dead
      for (const k of [3, 5]) expect(ofUnit(k), `${where} unit ${k} hot cells`).toBeLessThanOrEqual(n * 8);
      for (const t of [...tensors, peak, up, count, hot, counters.inter, counters.area]) t.dispose();
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
