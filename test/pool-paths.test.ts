// The pooling kernels' fast paths, each against the CPU reference: the strip kernels of the
// forward ops (max-pool-strip.wgsl, avg-pool-strip.wgsl), the scatters of max-pool's backward
// (phases of windows that do not overlap, over blocks of planes) and of MaxUnpool (reaches 0 and 1
// unrolled, larger ones looped), and average pooling's backward scatter for windows that do not
// overlap. Awkward geometries first (padding, ceilMode, multi-pass windows, odd row counts, rows
// of exactly 4, gaps between windows, ties), then the bench's shapes.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/pool.ts';
import { poolGeometry, type AvgPoolAttrs, type PoolAttrs } from '../src/ops/pool-geometry.ts';
import { coversInput, overlapReach, scatterFits, stripFits } from '../src/ops/pool-passes.ts';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Small integers: many ties, so overlapping windows often share a maximum. */
function tiedArray(n: number, seed: number): Float32Array {
  return Float32Array.from(randomArray(n, seed), (v) => Math.floor((v + 1) * 2));
}

// Geometries the strip kernels take (no dilation, strides <= 3, outputs of at least 2 x 4).
const STRIP: { name: string; shape: number[]; attrs: AvgPoolAttrs }[] = [
  { name: '3x3/2, odd output rows', shape: [2, 3, 15, 13], attrs: { kernelShape: [3, 3], strides: [2, 2] } },
  { name: '3x3/2 pads 1 ceil', shape: [1, 2, 12, 17], attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true } },
  { name: '2 output rows of exactly 4', shape: [1, 2, 5, 9], attrs: { kernelShape: [3, 3], strides: [2, 2] } },
  { name: '3x3/3, asymmetric pads', shape: [2, 2, 14, 16], attrs: { kernelShape: [3, 3], strides: [3, 3], pads: [2, 1, 0, 2] } },
  { name: '2x3 strides (1, 2), pads, count pads', shape: [1, 3, 8, 11], attrs: { kernelShape: [2, 3], strides: [1, 2], pads: [1, 1, 1, 1], countIncludePad: true } },
  { name: '1x1 strides (3, 1)', shape: [1, 2, 9, 6], attrs: { kernelShape: [1, 1], strides: [3, 1] } },
  { name: '5x5/2 pads 2: 2x2 passes', shape: [1, 2, 17, 19], attrs: { kernelShape: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2] } },
  { name: '4x7 strides (3, 1): passes overlapping inside the kernel', shape: [2, 1, 13, 16], attrs: { kernelShape: [4, 7], strides: [3, 1], pads: [1, 3, 2, 3] } },
  { name: '7x7/1 pads 3 ceil, count pads', shape: [1, 2, 9, 10], attrs: { kernelShape: [7, 7], pads: [3, 3, 3, 3], ceilMode: true, countIncludePad: true } },
];

// Geometries of max-pool's backward and MaxUnpool: overlap reaches 0 to 2 along each axis.
const SCATTER: { name: string; shape: number[]; attrs: PoolAttrs }[] = [
  { name: '2x2/2 (reach 0)', shape: [2, 3, 9, 11], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
  { name: '3x3/2 (reach 1), pads', shape: [2, 2, 13, 15], attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: '2x2/1 (reach 1), 3 windows a row', shape: [1, 3, 6, 4], attrs: { kernelShape: [2, 2] } },
  { name: '3x3/1 (reach 2), pads', shape: [1, 2, 9, 10], attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1] } },
  { name: '3x2 strides (1, 2) (reaches 2 and 0)', shape: [2, 2, 7, 13], attrs: { kernelShape: [3, 2], strides: [1, 2], pads: [1, 0, 2, 1] } },
  { name: '5x4 strides (2, 3), pads (reaches 2 and 1)', shape: [2, 2, 11, 17], attrs: { kernelShape: [5, 4], strides: [2, 3], pads: [2, 1, 2, 1] } },
  { name: '1x3/1 (a row of windows sharing maxima)', shape: [1, 2, 3, 14], attrs: { kernelShape: [1, 3] } },
  { name: '3x3/2 ceil, 2 windows a row', shape: [1, 4, 7, 5], attrs: { kernelShape: [3, 3], strides: [2, 2], ceilMode: true } },
];

// Geometries of average pooling's backward scatter: windows that do not overlap.
const AVG_SCATTER: { name: string; shape: number[]; attrs: AvgPoolAttrs }[] = [
  { name: '2x2/2, a last row in no window', shape: [2, 3, 9, 17], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
  { name: '3x3/3 pads 1 ceil', shape: [1, 2, 10, 14], attrs: { kernelShape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], ceilMode: true } },
  { name: '3x3/3 pads 1 ceil, count pads', shape: [1, 2, 10, 14], attrs: { kernelShape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true } },
  { name: '2x3 strides (3, 4): gaps between windows', shape: [2, 1, 11, 18], attrs: { kernelShape: [2, 3], strides: [3, 4] } },
  { name: '4x5 strides (4, 5): 2x2 passes', shape: [1, 2, 12, 21], attrs: { kernelShape: [4, 5], strides: [4, 5] } },
  { name: '1x1/1: every element its own window', shape: [1, 2, 3, 5], attrs: { kernelShape: [1, 1] } },
];

describe('max-pool and average pooling, strip kernels', () => {
  for (const c of STRIP) {
    it(`match the reference: ${c.name} ${JSON.stringify(c.shape)}`, async () => {
      expect(stripFits(poolGeometry('test', c.shape, c.attrs))).toBe(true);
      const engine = await getEngine();
      for (const data of [randomArray(size(c.shape), c.shape[3]), tiedArray(size(c.shape), c.shape[2])]) {
        const x = engine.tensor(data, c.shape);
        const { y, switches } = engine.ops.maxPool2d(x, c.attrs);
        const r = ref.maxPool2d(data, c.shape, c.attrs);
        expect(Array.from(await y.read())).toEqual(Array.from(r.y));
        expect(Array.from(await switches.read())).toEqual(Array.from(r.switches));
        expectClose(await engine.ops.avgPool2d(x, c.attrs).read(), ref.avgPool2d(data, c.shape, c.attrs).y, { label: c.name });
      }
    });
  }

  it('max-pool: a constant input gives every window its first tap, across passes and padding', async () => {
    const engine = await getEngine();
    const shape = [1, 1, 11, 12];
    for (const fill of [2, -Infinity]) {
      for (const attrs of [STRIP[1].attrs, STRIP[6].attrs, STRIP[7].attrs]) {
        const data = new Float32Array(size(shape)).fill(fill);
        const { switches } = engine.ops.maxPool2d(engine.tensor(data, shape), attrs);
        expect(Array.from(await switches.read())).toEqual(Array.from(ref.maxPool2d(data, shape, attrs).switches));
      }
    }
  });
});

describe('max-pool backward and MaxUnpool, scatters', () => {
  for (const c of SCATTER) {
    it(`match the reference: ${c.name} ${JSON.stringify(c.shape)}`, async () => {
      const engine = await getEngine();
      const g = poolGeometry('test', c.shape, c.attrs);
      expect(Math.max(overlapReach(g.kH, g.sH, g.outH), overlapReach(g.kW, g.sW, g.outW))).toBeLessThanOrEqual(2);
      const r = ref.maxPool2d(tiedArray(size(c.shape), 5), c.shape, c.attrs);
      const dy = randomArray(r.y.length, 6); // any values: the switches route them
      const switches = engine.tensor(r.switches, r.shape);
      const dx = engine.grad.maxPool2d(engine.tensor(dy, r.shape), switches, c.shape, c.attrs);
      expectClose(await dx.read(), ref.maxPool2dBackward(dy, r.switches, c.shape), { label: c.name });
      const unpoolAttrs = { kernelShape: c.attrs.kernelShape, strides: c.attrs.strides, pads: c.attrs.pads, outputShape: c.shape };
      const out = engine.ops.maxUnpool2d(engine.tensor(dy, r.shape), switches, unpoolAttrs);
      expect(Array.from(await out.read())).toEqual(Array.from(ref.maxUnpool2d(dy, r.switches, r.shape, c.shape)));
    });
  }

  it('backward with dilations: phases one window span apart', async () => {
    const engine = await getEngine();
    const shape = [2, 2, 12, 13];
    const attrs: PoolAttrs = { kernelShape: [3, 2], strides: [2, 1], pads: [2, 1, 2, 1], dilations: [2, 3] };
    const r = ref.maxPool2d(tiedArray(size(shape), 7), shape, attrs);
    const dy = randomArray(r.y.length, 8);
    const dx = engine.grad.maxPool2d(engine.tensor(dy, r.shape), engine.tensor(r.switches, r.shape), shape, attrs);
    expectClose(await dx.read(), ref.maxPool2dBackward(dy, r.switches, shape));
  });
});

describe('average pooling backward, scatter of windows that do not overlap', () => {
  for (const c of AVG_SCATTER) {
    it(`matches the reference: ${c.name} ${JSON.stringify(c.shape)}`, async () => {
      const g = poolGeometry('test', c.shape, c.attrs);
      expect(scatterFits(g)).toBe(true);
      const engine = await getEngine();
      const dy = randomArray(g.n * g.c * g.outH * g.outW, 9);
      const dx = engine.grad.avgPool2d(engine.tensor(dy, [g.n, g.c, g.outH, g.outW]), c.shape, c.attrs);
      expectClose(await dx.read(), ref.avgPool2dBackward(dy, c.shape, c.attrs), { label: c.name });
    });
  }

  it('knows which geometries leave elements in no window', () => {
    const covers = (shape: number[], attrs: PoolAttrs) => coversInput(poolGeometry('test', shape, attrs));
    expect(covers([1, 1, 8, 8], { kernelShape: [2, 2], strides: [2, 2] })).toBe(true);
    expect(covers([1, 1, 9, 8], { kernelShape: [2, 2], strides: [2, 2] })).toBe(false); // row 8
    expect(covers([1, 1, 9, 8], { kernelShape: [2, 2], strides: [2, 2], ceilMode: true })).toBe(true);
    expect(covers([1, 1, 8, 8], { kernelShape: [2, 2], strides: [3, 2] })).toBe(false); // gaps
    expect(covers([1, 1, 8, 8], { kernelShape: [3, 3], strides: [2, 2], dilations: [2, 1] })).toBe(false);
    expect(covers([1, 1, 8, 8], { kernelShape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] })).toBe(true);
  });
});

describe('the bench shapes', () => {
  const LAYERS = [
    { name: 'AlexNet pool1', shape: [1, 96, 55, 55], k: 3, s: 2 },
    { name: 'AlexNet pool1, batch 4 (blocks of planes in the backward)', shape: [4, 96, 55, 55], k: 3, s: 2 },
    { name: 'VGG16 pool1', shape: [1, 64, 224, 224], k: 2, s: 2 },
    { name: 'VGG16 pool3', shape: [1, 256, 56, 56], k: 2, s: 2 },
    { name: 'SqueezeNet pool1', shape: [1, 64, 111, 111], k: 3, s: 2 },
  ];
  for (const l of LAYERS) {
    it(`${l.name} ${JSON.stringify(l.shape)} ${l.k}x${l.k}/${l.s}: max-pool, its backward, MaxUnpool`, async () => {
      const engine = await getEngine();
      const attrs = { kernelShape: [l.k, l.k], strides: [l.s, l.s] };
      const data = tiedArray(size(l.shape), l.shape[1]);
      const x = engine.tensor(data, l.shape);
      const { y, switches } = engine.ops.maxPool2d(x, attrs);
      const r = ref.maxPool2d(data, l.shape, attrs);
      expect(Array.from(await switches.read())).toEqual(Array.from(r.switches));
      expect(Array.from(await y.read())).toEqual(Array.from(r.y));
      const dy = randomArray(r.y.length, 3);
      const dyTensor = engine.tensor(dy, r.shape);
      expectClose(await engine.grad.maxPool2d(dyTensor, switches, l.shape, attrs).read(), ref.maxPool2dBackward(dy, r.switches, l.shape));
      const out = engine.ops.maxUnpool2d(dyTensor, switches, { ...attrs, outputShape: l.shape });
      expect(Array.from(await out.read())).toEqual(Array.from(ref.maxUnpool2d(dy, r.switches, r.shape, l.shape)));
      for (const t of [x, y, switches, dyTensor, out]) t.dispose();
    });
  }

  it('VGG16-size average pooling [1, 128, 112, 112] 2x2/2, forward and backward', async () => {
    const engine = await getEngine();
    const shape = [1, 128, 112, 112];
    const attrs = { kernelShape: [2, 2], strides: [2, 2] };
    const data = randomArray(size(shape), 4);
    const r = ref.avgPool2d(data, shape, attrs);
    expectClose(await engine.ops.avgPool2d(engine.tensor(data, shape), attrs).read(), r.y);
    const dy = randomArray(r.y.length, 5);
    expectClose(await engine.grad.avgPool2d(engine.tensor(dy, r.shape), shape, attrs).read(), ref.avgPool2dBackward(dy, shape, attrs));
  });
});
