import { describe, expect, it } from 'vitest';
import { getEngine, randomArray, expectClose, TUNINGS } from './helpers/engine.ts';
import { numericGradient } from './helpers/gradcheck.ts';
import { createSmallEngine } from './helpers/small-engine.ts';
import * as ref from '../src/reference/conv.ts';
import type { ConvAttrs, ConvTransposeAttrs } from '../src/ops/conv.ts';
import type { Engine } from '../src/index.ts';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * GPU vs reference tolerance for a convolution between maps x and y: float32 sums of n products
 * of values in [-1, 1] round off in proportion to sqrt(n), and a result that cancels to near zero
 * keeps that absolute error, so atol grows with the longest sum (over taps and channels, or over
 * pixels for the weight gradient).
 */
function tolerance(xShape: readonly number[], yShape: readonly number[], wShape: readonly number[], group = 1, label = '') {
  const taps = wShape[2] * wShape[3];
  const longest = Math.max((xShape[1] / group) * taps, (yShape[1] / group) * taps, yShape[0] * yShape[2] * yShape[3], xShape[0] * xShape[2] * xShape[3]);
  return { rtol: 1e-4, atol: 1e-5 + 1e-6 * Math.sqrt(longest), label };
}

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs: ConvAttrs;
}

// Conv cases: odd sizes, batches of 2-3, channel counts that are not multiples of 4 or of the
// kernels' 16-channel blocks, and every stride / pad / dilation / group combination.
const convCases: ConvCase[] = [
  { name: '3x3 pad 1, batch 2, bias', x: [2, 5, 9, 11], w: [7, 5, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2, asymmetric pads', x: [2, 3, 10, 9], w: [6, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilation 2', x: [1, 4, 11, 10], w: [5, 4, 3, 3], bias: true, attrs: { dilations: [2, 2], pads: [2, 1, 2, 3] } },
  { name: 'stride 3 > kernel 2', x: [3, 2, 11, 8], w: [3, 2, 2, 2], attrs: { strides: [3, 3] } },
  { name: '1x1, 33 output channels (3 blocks), batch 3', x: [3, 21, 5, 7], w: [33, 21, 1, 1], bias: true, attrs: {} },
  { name: 'group 2', x: [2, 6, 7, 7], w: [4, 3, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] } },
  { name: 'group 3, 6 outputs per group, stride 2', x: [1, 9, 9, 8], w: [18, 3, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2], pads: [0, 1, 1, 0] } },
  { name: 'depthwise (group = C)', x: [2, 5, 8, 9], w: [5, 1, 3, 3], bias: true, attrs: { group: 5, pads: [1, 1, 1, 1] } },
  { name: 'depthwise with multiplier 2', x: [1, 4, 7, 6], w: [8, 1, 3, 3], attrs: { group: 4, strides: [2, 1], pads: [1, 1, 1, 1] } },
  { name: '5x3 kernel, strides [2, 1], dilations [1, 2]', x: [2, 3, 13, 12], w: [4, 3, 5, 3], attrs: { strides: [2, 1], dilations: [1, 2], pads: [2, 1, 0, 2] } },
  { name: 'kernel larger than the input, padded', x: [1, 2, 2, 3], w: [3, 2, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: '17 -> 35 channels, 13x13', x: [1, 17, 13, 13], w: [35, 17, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '11x11 stride 4 (AlexNet conv1, small)', x: [1, 3, 31, 27], w: [10, 3, 11, 11], bias: true, attrs: { strides: [4, 4] } },
  { name: 'strides [4, 2] with dilation 2 (taps reach every other class)', x: [2, 3, 17, 19], w: [5, 3, 3, 3], attrs: { strides: [4, 2], dilations: [2, 2], pads: [1, 2, 0, 1] } },
  { name: 'realistic: 32 -> 64 channels, 28x28, 3x3 pad 1', x: [1, 32, 28, 28], w: [64, 32, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'batch 3 of 40x40 (weight gradient summed in slices, the last one short)', x: [3, 4, 40, 40], w: [8, 4, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  // 3x3 stride 1 with 8 or more reduction channels: Winograd F(2x2, 3x3) under the 'cpu' kernels
  // (conv2dInput's reduction channels are w's outputs). Odd maps (half tiles), tile counts over 16
  // and not a multiple of it, partial 16-channel blocks, groups, pads wider than the kernel's reach.
  { name: 'Winograd: no padding, odd map, batch 3, bias', x: [3, 9, 11, 13], w: [21, 9, 3, 3], bias: true, attrs: {} },
  { name: 'Winograd: asymmetric pads, 42 tiles, partial both ways', x: [2, 12, 22, 25], w: [18, 12, 3, 3], attrs: { pads: [0, 2, 1, 1] } },
  { name: 'Winograd: group 2 of 8 channels, 10 outputs each', x: [2, 16, 9, 10], w: [20, 8, 3, 3], bias: true, attrs: { group: 2, pads: [1, 1, 1, 1] } },
  { name: 'Winograd: pads wider than the kernel reaches', x: [1, 8, 5, 6], w: [9, 8, 3, 3], attrs: { pads: [3, 0, 2, 4] } },
  { name: 'Winograd with either family (64 reduction channels), batch 2, bias', x: [2, 64, 9, 10], w: [20, 64, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'Winograd with either family: group 2 of 64 channels, 40 outputs', x: [1, 128, 9, 10], w: [40, 64, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] } },
  // Kernels read as several 3x3 stride-1 views (space to depth for strides, 3-tap pieces for wide kernels).
  { name: 'Winograd views: 5x5 pad 2, group 2 (AlexNet conv2, small)', x: [1, 8, 9, 11], w: [6, 4, 5, 5], bias: true, attrs: { group: 2, pads: [2, 2, 2, 2] } },
  { name: 'Winograd views: 11x11 stride 4, asymmetric pads, batch 2', x: [2, 3, 35, 47], w: [12, 3, 11, 11], attrs: { strides: [4, 4], pads: [2, 1, 3, 0] } },
  { name: 'Winograd views: 5x3 kernel, strides [2, 1]', x: [1, 6, 13, 10], w: [7, 6, 5, 3], bias: true, attrs: { strides: [2, 1], pads: [1, 1, 2, 1] } },
];

interface TransposeCase {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs: ConvTransposeAttrs;
}

const transposeCases: TransposeCase[] = [
  { name: 'stride 1, pad 1, bias', x: [2, 5, 7, 9], w: [5, 6, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2, output padding', x: [1, 4, 5, 6], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] } },
  { name: 'stride 3 > kernel 2, asymmetric pads', x: [2, 3, 4, 5], w: [3, 7, 2, 2], bias: true, attrs: { strides: [3, 3], pads: [1, 0, 0, 2] } },
  { name: 'strides [2, 3], dilation 2, output padding [1, 2]', x: [1, 2, 5, 4], w: [2, 5, 3, 3], attrs: { strides: [2, 3], dilations: [2, 2], pads: [2, 1, 1, 0], outputPadding: [1, 2] } },
  { name: 'group 2', x: [2, 6, 5, 5], w: [6, 2, 3, 3], bias: true, attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise', x: [1, 4, 6, 5], w: [4, 1, 3, 3], attrs: { group: 4, strides: [2, 2] } },
  { name: 'output shape (pads derived)', x: [1, 3, 4, 4], w: [3, 2, 3, 3], attrs: { strides: [2, 2], outputShape: [8, 8] } },
  { name: 'output shape larger than natural (negative pads)', x: [1, 2, 3, 3], w: [2, 3, 2, 2], attrs: { strides: [2, 2], outputShape: [8, 9] } },
  { name: 'stride 1, output shape larger than natural', x: [2, 2, 3, 3], w: [2, 3, 2, 2], bias: true, attrs: { outputShape: [6, 5] } },
  { name: 'Winograd (stride 1, 3x3): output shape larger than natural (negative pads)', x: [2, 9, 5, 6], w: [9, 10, 3, 3], bias: true, attrs: { outputShape: [9, 11] } },
  { name: 'Winograd (stride 1, 3x3): pad 1, 17 outputs', x: [1, 16, 12, 7], w: [16, 17, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: 'Winograd views (stride 1, 5x5): asymmetric pads', x: [1, 6, 7, 8], w: [6, 5, 5, 5], bias: true, attrs: { pads: [2, 1, 2, 1] } },
  { name: '17 -> 20 channels, 11x11 stride 4', x: [1, 17, 4, 3], w: [17, 20, 11, 11], bias: true, attrs: { strides: [4, 4], pads: [2, 3, 1, 0] } },
];

function inputs(engine: Engine, xShape: number[], wShape: number[], withBias: boolean, seed: number) {
  const xData = randomArray(size(xShape), seed);
  const wData = randomArray(size(wShape), seed + 1);
  const bData = withBias ? randomArray(wShape[0], seed + 2) : null;
  return { xData, wData, bData, x: engine.tensor(xData, xShape), w: engine.tensor(wData, wShape) };
}

describe('conv references on cases worked by hand', () => {
  it('conv2d: 3x3 input, 2x2 kernel, then stride 2 with pad 1', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const w = [1, 2, 3, 4];
    // y[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1], plus the bias 0.5
    const y = ref.conv2d(x, [1, 1, 3, 3], w, [1, 1, 2, 2], [0.5]);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([37.5, 47.5, 67.5, 77.5]);
    // Windows start at (2i - 1, 2j - 1): only the taps inside the 3x3 input count.
    const z = ref.conv2d(x, [1, 1, 3, 3], w, [1, 1, 2, 2], null, { strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(Array.from(z.data)).toEqual([4 * 1, 3 * 2 + 4 * 3, 2 * 4 + 4 * 7, 5 + 2 * 6 + 3 * 8 + 4 * 9]);
  });

  it('convTranspose2d: each input pixel spreads a weighted copy of the kernel', () => {
    const x = [1, 2, 3, 4];
    const ones = [1, 1, 1, 1];
    const s2 = ref.convTranspose2d(x, [1, 1, 2, 2], ones, [1, 1, 2, 2], null, { strides: [2, 2] });
    expect(s2.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(s2.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const s1 = ref.convTranspose2d(x, [1, 1, 2, 2], ones, [1, 1, 2, 2]);
    expect(Array.from(s1.data)).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
    // outputShape [3, 3] with stride 2: total padding 4 - 3 = 1, the larger half at the start.
    const cut = ref.convTranspose2d(x, [1, 1, 2, 2], ones, [1, 1, 2, 2], null, { strides: [2, 2], outputShape: [3, 3] });
    expect(Array.from(cut.data)).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
  });

  it('the gradients of the 3x3 / 2x2 case', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const w = [1, 2, 3, 4];
    const dy = [1, 0, 0, -1];
    // dx scatters w from (0, 0) and -w from (1, 1)
    expect(Array.from(ref.conv2dInput(dy, w, [1, 1, 2, 2], [1, 1, 3, 3]).data)).toEqual([1, 2, 0, 3, 3, -2, 0, -3, -4]);
    // dw[a, b] = x[a, b] - x[a + 1, b + 1]
    expect(Array.from(ref.conv2dWeight(x, [1, 1, 3, 3], dy, [1, 1, 2, 2]).data)).toEqual([-4, -4, -4, -4]);
    expect(Array.from(ref.conv2dBias([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]).data)).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
  });
});

// Both kernel families run every case: 'cpu' (register tiles) and 'gpu' (workgroup tiles).
describe.each(TUNINGS)('conv2d on the GPU, %s kernels', (tuning) => {
  it('matches the hand-worked case', async () => {
    const engine = await getEngine(tuning);
    const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const w = engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const b = engine.tensor([0.5], [1]);
    const y = engine.ops.conv2d(x, w, b);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(await y.read())).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  for (const [i, c] of convCases.entries()) {
    it(`matches the reference: ${c.name}`, async () => {
      const engine = await getEngine(tuning);
      const { xData, wData, bData, x, w } = inputs(engine, c.x, c.w, !!c.bias, 10 + i * 3);
      const b = bData ? engine.tensor(bData, [c.w[0]]) : undefined;
      const y = engine.ops.conv2d(x, w, b, c.attrs);
      const expected = ref.conv2d(xData, c.x, wData, c.w, bData, c.attrs);
      expect(y.shape).toEqual(expected.shape);
      expectClose(await y.read(), expected.data, tolerance(c.x, expected.shape, c.w, c.attrs.group, c.name));
      for (const t of [x, w, b, y]) t?.dispose();
    });
  }
});

describe.each(TUNINGS)('convTranspose2d on the GPU, %s kernels', (tuning) => {
  for (const [i, c] of transposeCases.entries()) {
    it(`matches the reference: ${c.name}`, async () => {
      const engine = await getEngine(tuning);
      const { xData, wData, bData, x, w } = inputs(engine, c.x, c.w, false, 100 + i * 3);
      const m = c.w[1] * (c.attrs.group ?? 1);
      const b = c.bias ? engine.tensor(randomArray(m, 7 + i), [m]) : undefined;
      const bRef = b ? await b.read() : bData;
      const y = engine.ops.convTranspose2d(x, w, b, c.attrs);
      const expected = ref.convTranspose2d(xData, c.x, wData, c.w, bRef, c.attrs);
      expect(y.shape).toEqual(expected.shape);
      expectClose(await y.read(), expected.data, tolerance(c.x, expected.shape, c.w, c.attrs.group, c.name));
      for (const t of [x, w, b, y]) t?.dispose();
    });
  }
});

// Small cases for the finite-difference checks of the references (every element of x and w is
// perturbed, so the shapes stay tiny).
const fdConvCases: ConvCase[] = [
  { name: 'stride 2, asymmetric pads', x: [2, 3, 5, 6], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilation 2, strides [1, 3]', x: [1, 2, 7, 8], w: [3, 2, 2, 3], attrs: { dilations: [2, 2], strides: [1, 3], pads: [1, 2, 0, 1] } },
  { name: 'group 2', x: [2, 4, 4, 5], w: [6, 2, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] } },
  { name: 'depthwise', x: [1, 3, 5, 4], w: [3, 1, 3, 3], attrs: { group: 3, pads: [0, 1, 1, 0] } },
];
const fdTransposeCases: TransposeCase[] = [
  { name: 'stride 2, pad 1, output padding 1', x: [2, 3, 3, 4], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] } },
  { name: 'strides [3, 2], dilation 2', x: [1, 2, 3, 3], w: [2, 3, 2, 3], attrs: { strides: [3, 2], dilations: [2, 2], pads: [0, 1, 2, 0] } },
  { name: 'group 2, output shape', x: [1, 4, 3, 3], w: [4, 2, 3, 3], attrs: { group: 2, strides: [2, 2], outputShape: [6, 7] } },
];

describe('conv gradient references against finite differences (float64)', () => {
  for (const [i, c] of fdConvCases.entries()) {
    it(`conv2d: ${c.name}`, () => {
      const x = Float64Array.from(randomArray(size(c.x), 200 + i));
      const w = Float64Array.from(randomArray(size(c.w), 300 + i));
      const b = Float64Array.from(randomArray(c.w[0], 400 + i));
      const yShape = ref.conv2d(x, c.x, w, c.w, b, c.attrs).shape;
      const dy = randomArray(size(yShape), 500 + i);
      const dx = numericGradient((xs) => ref.conv2d(xs, c.x, w, c.w, b, c.attrs).data, x, dy);
      expectClose(ref.conv2dInput(dy, w, c.w, c.x, c.attrs).data, dx, { rtol: 1e-6, atol: 1e-7, label: 'dx' });
      const dw = numericGradient((ws) => ref.conv2d(x, c.x, ws, c.w, b, c.attrs).data, w, dy);
      expectClose(ref.conv2dWeight(x, c.x, dy, c.w, c.attrs).data, dw, { rtol: 1e-6, atol: 1e-7, label: 'dw' });
      const db = numericGradient((bs) => ref.conv2d(x, c.x, w, c.w, bs, c.attrs).data, b, dy);
      expectClose(ref.conv2dBias(dy, yShape).data, db, { rtol: 1e-6, atol: 1e-7, label: 'db' });
    });
  }

  for (const [i, c] of fdTransposeCases.entries()) {
    it(`convTranspose2d: ${c.name}`, () => {
      const x = Float64Array.from(randomArray(size(c.x), 600 + i));
      const w = Float64Array.from(randomArray(size(c.w), 700 + i));
      const b = Float64Array.from(randomArray(c.w[1] * (c.attrs.group ?? 1), 800 + i));
      const yShape = ref.convTranspose2d(x, c.x, w, c.w, b, c.attrs).shape;
      const dy = randomArray(size(yShape), 900 + i);
      const dx = numericGradient((xs) => ref.convTranspose2d(xs, c.x, w, c.w, b, c.attrs).data, x, dy);
      expectClose(ref.convTranspose2dInput(dy, w, c.w, c.x, c.attrs).data, dx, { rtol: 1e-6, atol: 1e-7, label: 'dx' });
      const dw = numericGradient((ws) => ref.convTranspose2d(x, c.x, ws, c.w, b, c.attrs).data, w, dy);
      expectClose(ref.convTranspose2dWeight(x, c.x, dy, c.w, c.attrs).data, dw, { rtol: 1e-6, atol: 1e-7, label: 'dw' });
      const db = numericGradient((bs) => ref.convTranspose2d(x, c.x, w, c.w, bs, c.attrs).data, b, dy);
      expectClose(ref.conv2dBias(dy, yShape).data, db, { rtol: 1e-6, atol: 1e-7, label: 'db' });
    });
  }
});

describe.each(TUNINGS)('conv gradients on the GPU, %s kernels', (tuning) => {
  for (const [i, c] of convCases.entries()) {
    it(`conv2d dx, dw, db match the reference: ${c.name}`, async () => {
      const engine = await getEngine(tuning);
      const { xData, wData, x, w } = inputs(engine, c.x, c.w, false, 1000 + i * 3);
      const yShape = ref.conv2d(xData, c.x, wData, c.w, null, c.attrs).shape;
      const dyData = randomArray(size(yShape), 1100 + i);
      const dy = engine.tensor(dyData, yShape);
      const dx = engine.grad.conv2dInput(dy, w, c.x, c.attrs);
      const dw = engine.grad.conv2dWeight(x, dy, c.w, c.attrs);
      const db = engine.grad.conv2dBias(dy);
      expect(dx.shape).toEqual(c.x);
      expect(dw.shape).toEqual(c.w);
      expectClose(await dx.read(), ref.conv2dInput(dyData, wData, c.w, c.x, c.attrs).data, tolerance(c.x, yShape, c.w, c.attrs.group, `${c.name} dx`));
      expectClose(await dw.read(), ref.conv2dWeight(xData, c.x, dyData, c.w, c.attrs).data, tolerance(c.x, yShape, c.w, c.attrs.group, `${c.name} dw`));
      expectClose(await db.read(), ref.conv2dBias(dyData, yShape).data, tolerance(c.x, yShape, c.w, c.attrs.group, `${c.name} db`));
      for (const t of [x, w, dy, dx, dw, db]) t.dispose();
    });
  }

  for (const [i, c] of transposeCases.entries()) {
    it(`convTranspose2d dx, dw match the reference: ${c.name}`, async () => {
      const engine = await getEngine(tuning);
      const { xData, wData, x, w } = inputs(engine, c.x, c.w, false, 1200 + i * 3);
      const yShape = ref.convTranspose2d(xData, c.x, wData, c.w, null, c.attrs).shape;
      const dyData = randomArray(size(yShape), 1300 + i);
      const dy = engine.tensor(dyData, yShape);
      const dx = engine.grad.convTranspose2dInput(dy, w, c.x, c.attrs);
      const dw = engine.grad.convTranspose2dWeight(x, dy, c.w, c.attrs);
      expect(dx.shape).toEqual(c.x);
      expect(dw.shape).toEqual(c.w);
      expectClose(await dx.read(), ref.convTranspose2dInput(dyData, wData, c.w, c.x, c.attrs).data, tolerance(c.x, yShape, c.w, c.attrs.group, `${c.name} dx`));
      expectClose(await dw.read(), ref.convTranspose2dWeight(xData, c.x, dyData, c.w, c.attrs).data, tolerance(c.x, yShape, c.w, c.attrs.group, `${c.name} dw`));
      for (const t of [x, w, dy, dx, dw]) t.dispose();
    });
  }
});

describe.each(TUNINGS)('conv on tensors too large to bind whole, %s kernels', (tuning) => {
  it('processes the batch in chunks of images, forward and backward', async () => {
    // 8 KiB bindings: two images of x [4, 12, 13] fit, the batch of three does not.
    const engine = await createSmallEngine(8192, tuning);
    try {
      const xShape = [3, 4, 12, 13];
      const wShape = [6, 4, 3, 3];
      const attrs: ConvAttrs = { pads: [1, 1, 1, 1], strides: [1, 1] };
      const { xData, wData, x, w } = inputs(engine, xShape, wShape, false, 2000);
      const bData = randomArray(6, 2003);
      const b = engine.tensor(bData, [6]);
      const y = engine.ops.conv2d(x, w, b, attrs);
      const yRef = ref.conv2d(xData, xShape, wData, wShape, bData, attrs);
      expectClose(await y.read(), yRef.data, { label: 'y' });
      const dyData = randomArray(size(yRef.shape), 2004);
      const dy = engine.tensor(dyData, yRef.shape);
      expectClose(await engine.grad.conv2dInput(dy, w, xShape, attrs).read(), ref.conv2dInput(dyData, wData, wShape, xShape, attrs).data, { label: 'dx' });
      expectClose(await engine.grad.conv2dWeight(x, dy, wShape, attrs).read(), ref.conv2dWeight(xData, xShape, dyData, wShape, attrs).data, { label: 'dw' });
      expectClose(await engine.grad.conv2dBias(dy).read(), ref.conv2dBias(dyData, yRef.shape).data, { label: 'db' });

      // ConvTranspose the other way: x [3, 6, 12, 13] with w [6, 4, 3, 3] gives [3, 4, 12, 13].
      const tx = engine.tensor(dyData, yRef.shape);
      const t = engine.ops.convTranspose2d(tx, w, undefined, attrs);
      expectClose(await t.read(), ref.convTranspose2d(dyData, yRef.shape, wData, wShape, null, attrs).data, { label: 'transposed y' });
      const tdy = engine.tensor(xData, xShape);
      expectClose(await engine.grad.convTranspose2dInput(tdy, w, yRef.shape, attrs).read(), ref.convTranspose2dInput(xData, wData, wShape, yRef.shape, attrs).data, { label: 'transposed dx' });
      expectClose(await engine.grad.convTranspose2dWeight(tx, tdy, wShape, attrs).read(), ref.convTranspose2dWeight(dyData, yRef.shape, xData, wShape, attrs).data, { label: 'transposed dw' });

      const big = engine.tensor(new Float32Array(4 * 30 * 30), [1, 4, 30, 30]);
      expect(() => engine.ops.conv2d(big, w, undefined, attrs)).toThrow(/conv2d: one image of 5400 elements is larger than a storage binding may be/);
    } finally {
      engine.destroy();
    }
  });
});

describe('Winograd convolution on tensors too large to bind whole', () => {
  it('transforms the batch in chunks of images, forward and input gradient', async () => {
    // 64 KiB bindings: an image's transformed input (16 x 8 channels x 16 tiles) fits 7 times, so
    // the batch of 9 goes in two chunks.
    const engine = await createSmallEngine(65536, 'cpu');
    try {
      const xShape = [9, 8, 8, 7];
      const wShape = [10, 8, 3, 3];
      const attrs: ConvAttrs = { pads: [1, 1, 1, 1] };
      const { xData, wData, x, w } = inputs(engine, xShape, wShape, false, 2100);
      const bData = randomArray(10, 2101);
      const b = engine.tensor(bData, [10]);
      const y = engine.ops.conv2d(x, w, b, attrs);
      const yRef = ref.conv2d(xData, xShape, wData, wShape, bData, attrs);
      expectClose(await y.read(), yRef.data, { label: 'y' });
      const dyData = randomArray(size(yRef.shape), 2102);
      const dy = engine.tensor(dyData, yRef.shape);
      expectClose(await engine.grad.conv2dInput(dy, w, xShape, attrs).read(), ref.conv2dInput(dyData, wData, wShape, xShape, attrs).data, { label: 'dx' });
    } finally {
      engine.destroy();
    }
  });
});

describe('conv input validation (before any GPU work)', () => {
  it('names the op and the offending shapes', async () => {
    const engine = await getEngine();
    const t = (shape: number[]) => engine.tensor(new Float32Array(size(shape)), shape);
    const x = t([1, 3, 5, 5]);
    const w = t([4, 3, 3, 3]);
    expect(() => engine.ops.conv2d(t([1, 3, 5]), w)).toThrow(/conv2d: x must have rank 4, got shape \[1, 3, 5\]/);
    expect(() => engine.ops.conv2d(x, t([4, 2, 3, 3]))).toThrow(/conv2d: w \[4, 2, 3, 3\] must have C \/ group = 3 input channels \(x has 3, group 1\), has 2/);
    expect(() => engine.ops.conv2d(t([1, 4, 5, 5]), t([6, 2, 3, 3]), null, { group: 3 })).toThrow(/conv2d: group 3 must divide the input channels \(4\) and the output channels \(6\)/);
    expect(() => engine.ops.conv2d(t([1, 1, 2, 2]), t([1, 1, 5, 5]), null, { pads: [1, 1, 1, 1] })).toThrow(/conv2d: the vertical kernel extent 5 .*larger than the padded input \(2 \+ 1 \+ 1\); x \[1, 1, 2, 2\], w \[1, 1, 5, 5\]/);
    expect(() => engine.ops.conv2d(x, t([1, 3, 3, 3]), null, { dilations: [3, 1] })).toThrow(/conv2d: the vertical kernel extent 7 \(kernel 3, dilation 3\)/);
    expect(() => engine.ops.conv2d(x, w, null, { strides: [0, 1] })).toThrow(/conv2d: strides must be integers >= 1, got \[0,1\]/);
    expect(() => engine.ops.conv2d(x, w, null, { pads: [1, -1, 1, 1] })).toThrow(/conv2d: pads must be integers >= 0/);
    expect(() => engine.ops.conv2d(x, w, null, { pads: [1, 1] })).toThrow(/conv2d: pads must be an array of 4 integers/);
    expect(() => engine.ops.conv2d(x, w, null, { group: 0 })).toThrow(/conv2d: group must be an integer >= 1, got 0/);
    expect(() => engine.ops.conv2d(x, w, t([5]))).toThrow(/conv2d: b \[5\] must be \[4\]/);
    expect(() => engine.ops.conv2d(x, w, null, { kernelShape: [5, 5] })).toThrow(/conv2d: kernelShape \[5, 5\] does not match w \[4, 3, 3, 3\]/);
    const gone = t([1, 3, 5, 5]);
    gone.dispose();
    expect(() => engine.ops.conv2d(gone, w)).toThrow(/conv2d: x \[1, 3, 5, 5\] was disposed/);

    expect(() => engine.ops.convTranspose2d(x, t([4, 2, 3, 3]))).toThrow(/convTranspose2d: w \[4, 2, 3, 3\] must have 3 input channels \(x \[1, 3, 5, 5\]\), has 4/);
    expect(() => engine.ops.convTranspose2d(t([1, 3, 2, 2]), t([3, 2, 2, 2]), null, { pads: [2, 0, 2, 0] })).toThrow(/convTranspose2d: the output would be -1 x 3/);
    expect(() => engine.ops.convTranspose2d(x, t([3, 2, 3, 3]), null, { strides: [2, 2], outputPadding: [2, 0] })).toThrow(/convTranspose2d: outputPadding \[2, 0\] must be smaller than the stride or the dilation/);
    expect(() => engine.ops.convTranspose2d(x, t([3, 2, 3, 3]), null, { outputShape: [0, 4] })).toThrow(/convTranspose2d: outputShape must be integers >= 1/);

    const dy = t([1, 4, 3, 3]);
    expect(() => engine.grad.conv2dInput(t([1, 4, 5, 5]), w, [1, 3, 5, 5])).toThrow(/conv2dInput: dy \[1, 4, 5, 5\] must be \[1, 4, 3, 3\] \(conv2d's output for x \[1, 3, 5, 5\] and w \[4, 3, 3, 3\]\)/);
    expect(() => engine.grad.conv2dInput(dy, w, [1, 3, 5])).toThrow(/conv2dInput: x shape must be 4 positive integers \(NCHW\), got \[1, 3, 5\]/);
    expect(() => engine.grad.conv2dWeight(x, dy, [4, 3, 3])).toThrow(/conv2dWeight: w shape must be 4 positive integers/);
    expect(() => engine.grad.conv2dWeight(x, dy, [4, 3, 2, 2])).toThrow(/conv2dWeight: dy \[1, 4, 3, 3\] must be \[1, 4, 4, 4\]/);
    expect(() => engine.grad.conv2dBias(t([4, 3]))).toThrow(/conv2dBias: dy must have rank 4, got shape \[4, 3\]/);
    expect(() => engine.grad.convTranspose2dInput(dy, t([3, 4, 3, 3]), [1, 3, 5, 5])).toThrow(/convTranspose2dInput: dy \[1, 4, 3, 3\] must be \[1, 4, 7, 7\]/);
    expect(() => engine.grad.convTranspose2dWeight(x, dy, [3, 4, 3, 3])).toThrow(/convTranspose2dWeight: dy \[1, 4, 3, 3\] must be \[1, 4, 7, 7\]/);
  });
});
