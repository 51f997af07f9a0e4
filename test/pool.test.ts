import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/index.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';
import * as ref from '../src/reference/pool.ts';
import { pooledLength, type AvgPoolAttrs, type PoolAttrs } from '../src/ops/pool-geometry.ts';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Distinct values 0.01 apart in a shuffled order: no ties, and no maximum changes under a 1e-3 nudge. */
function distinctArray(n: number, seed: number): Float32Array {
  const keys = randomArray(n, seed);
  const order = [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
  const out = new Float32Array(n);
  order.forEach((i, rank) => (out[i] = (rank - n / 2) * 0.01));
  return out;
}

/** Central finite differences of sum(dy * f(x)) with respect to every element of x, in float64. */
function numericGradient(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, dy: ArrayLike<number>, eps: number): Float64Array {
  const xs = Float64Array.from(x);
  const objective = () => {
    const y = f(xs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  const grad = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const keep = xs[i];
    xs[i] = keep + eps;
    const plus = objective();
    xs[i] = keep - eps;
    const minus = objective();
    xs[i] = keep;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

// Shapes and attributes that cover the kernels' paths: odd sizes, batch 2, overlapping windows
// (AlexNet's 3x3/2), stride > kernel, asymmetric pads, dilations, ceilMode (GoogLeNet), widths
// that are not a multiple of the 4 outputs a thread computes.
const CASES: { name: string; shape: number[]; attrs: AvgPoolAttrs }[] = [
  { name: 'SqueezeNet 3x3/2 floor', shape: [2, 3, 13, 11], attrs: { kernelShape: [3, 3], strides: [2, 2] } },
  { name: 'non-overlapping 2x2/2, odd size', shape: [2, 2, 9, 7], attrs: { kernelShape: [2, 2], strides: [2, 2] } },
  { name: 'stride > kernel', shape: [1, 3, 11, 10], attrs: { kernelShape: [2, 2], strides: [3, 4] } },
  { name: 'asymmetric pads, stride 1', shape: [2, 2, 7, 9], attrs: { kernelShape: [3, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilations and pads', shape: [1, 3, 12, 10], attrs: { kernelShape: [3, 3], strides: [2, 1], pads: [1, 2, 1, 2], dilations: [2, 3] } },
  { name: 'GoogLeNet 3x3/2 ceil', shape: [2, 2, 14, 15], attrs: { kernelShape: [3, 3], strides: [2, 2], ceilMode: true } },
  { name: 'ceil with pads, count pads', shape: [1, 2, 10, 9], attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true } },
  { name: 'pads, count pads', shape: [2, 1, 6, 5], attrs: { kernelShape: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1], countIncludePad: true } },
  { name: '1x1 subsampling', shape: [1, 2, 7, 9], attrs: { kernelShape: [1, 1], strides: [2, 3] } },
  { name: 'whole plane (global max)', shape: [2, 3, 5, 6], attrs: { kernelShape: [5, 6] } },
  { name: 'window larger than 3x3, pads', shape: [2, 2, 11, 9], attrs: { kernelShape: [5, 4], strides: [2, 3], pads: [2, 1, 2, 1] } },
];

describe('pool geometry', () => {
  it('output sizes follow the ONNX/PyTorch rule', () => {
    expect(pooledLength(13, 3, 2, 0, 0, 1, false)).toBe(6); // SqueezeNet 13 -> 6
    expect(pooledLength(14, 3, 2, 0, 0, 1, true)).toBe(7); // GoogLeNet ceil: 14 -> 7 (floor gives 6)
    expect(pooledLength(14, 3, 2, 0, 0, 1, false)).toBe(6);
    expect(pooledLength(55, 3, 2, 0, 0, 1, false)).toBe(27); // AlexNet
    // ceil would give ceil(5 / 2) + 1 = 4, but that window would start at 6 - 1 = 5, in the end padding
    expect(pooledLength(5, 2, 2, 1, 1, 1, true)).toBe(3);
    expect(pooledLength(10, 3, 1, 0, 0, 2, false)).toBe(6); // dilation 2: span 5
  });
});

describe('maxPool2d', () => {
  it('a case worked by hand, with the batch and channel offsets in the switches', async () => {
    const engine = await getEngine();
    // Two channels of 2x4; windows 2x2 stride 2.
    const data = [3, 1, 0, 2, 4, 1, 7, 5, /* channel 1 */ 9, 8, 1, 1, 8, 9, 2, 6];
    const x = engine.tensor(data, [1, 2, 2, 4]);
    const { y, switches } = engine.ops.maxPool2d(x, { kernelShape: [2, 2], strides: [2, 2] });
    expect(y.shape).toEqual([1, 2, 1, 2]);
    expect(Array.from(await y.read())).toEqual([4, 7, 9, 6]);
    expect(Array.from(await switches.read())).toEqual([4, 6, 8, 15]);
    const r = ref.maxPool2d(data, [1, 2, 2, 4], { kernelShape: [2, 2], strides: [2, 2] });
    expect(Array.from(r.y)).toEqual([4, 7, 9, 6]);
    expect(Array.from(r.switches)).toEqual([4, 6, 8, 15]);
  });

  it('ties go to the first maximum in scan order; padding never wins', async () => {
    const engine = await getEngine();
    const shape = [2, 1, 4, 5];
    const attrs: PoolAttrs = { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
    // All equal (and negative, so a zero from the padding would win if it were allowed to).
    const x = engine.tensor(new Float32Array(size(shape)).fill(-2), shape);
    const { y, switches } = engine.ops.maxPool2d(x, attrs);
    expect(y.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(await y.read())).toEqual(new Array(12).fill(-2));
    // Window (oh, ow) starts at row 2 oh - 1, column 2 ow - 1: its first tap inside the input.
    const firsts = [0, 1, 3, 5, 6, 8];
    const expected = [...firsts, ...firsts.map((i) => i + 20)];
    expect(Array.from(await switches.read())).toEqual(expected);
    expect(Array.from(ref.maxPool2d(new Float32Array(size(shape)).fill(-2), shape, attrs).switches)).toEqual(expected);
  });

  it('across 3x3 tap blocks of a larger window, ties still go to the first maximum in row-major order', async () => {
    const engine = await getEngine();
    // One 4x4 window; the two maxima are (1, 3), index 7, and (2, 0), index 8.
    const data = new Float32Array(16);
    data[7] = 5;
    data[8] = 5;
    const { y, switches } = engine.ops.maxPool2d(engine.tensor(data, [1, 1, 4, 4]), { kernelShape: [4, 4] });
    expect(Array.from(await y.read())).toEqual([5]);
    expect(Array.from(await switches.read())).toEqual([7]);
    expect(Array.from(ref.maxPool2d(data, [1, 1, 4, 4], { kernelShape: [4, 4] }).switches)).toEqual([7]);
  });

  it('a window of -infinity gives -infinity at its first element', async () => {
    const engine = await getEngine();
    const attrs: PoolAttrs = { kernelShape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] };
    const { y, switches } = engine.ops.maxPool2d(engine.tensor(new Float32Array(9).fill(-Infinity), [1, 1, 3, 3]), attrs);
    expect(Array.from(await y.read())).toEqual(new Array(4).fill(-Infinity));
    expect(Array.from(await switches.read())).toEqual([0, 1, 3, 4]);
  });

  for (const c of CASES) {
    it(`matches the reference: ${c.name} ${JSON.stringify(c.shape)}`, async () => {
      const engine = await getEngine();
      const data = randomArray(size(c.shape), c.shape.length * 31 + c.shape[2]);
      const { y, switches } = engine.ops.maxPool2d(engine.tensor(data, c.shape), c.attrs);
      const r = ref.maxPool2d(data, c.shape, c.attrs);
      expect(y.shape).toEqual(r.shape);
      expect(Array.from(await y.read())).toEqual(Array.from(r.y));
      expect(Array.from(await switches.read())).toEqual(Array.from(r.switches));
    });
  }

  it('matches the reference at AlexNet pool1 size [1, 16, 55, 55] 3x3/2', async () => {
    const engine = await getEngine();
    const shape = [1, 16, 55, 55];
    const data = randomArray(size(shape), 5);
    const { y, switches } = engine.ops.maxPool2d(engine.tensor(data, shape), { kernelShape: [3, 3], strides: [2, 2] });
    const r = ref.maxPool2d(data, shape, { kernelShape: [3, 3], strides: [2, 2] });
    expect(Array.from(await y.read())).toEqual(Array.from(r.y));
    expect(Array.from(await switches.read())).toEqual(Array.from(r.switches));
  });

  it('backward matches the reference and finite differences', async () => {
    const engine = await getEngine();
    for (const c of [CASES[0], CASES[3], CASES[4], CASES[5], CASES[10]]) {
      const shape = [1, c.shape[1], Math.min(c.shape[2], 9), c.shape[3]];
      const data = distinctArray(size(shape), 7);
      const r = ref.maxPool2d(data, shape, c.attrs);
      const dyData = randomArray(r.y.length, 8);
      const analytic = ref.maxPool2dBackward(dyData, r.switches, shape);
      const numeric = numericGradient((x) => ref.maxPool2d(x, shape, c.attrs).y, data, dyData, 1e-3);
      expectClose(analytic, numeric, { rtol: 1e-3, atol: 1e-3, label: `${c.name} finite differences` });
      const dx = engine.grad.maxPool2d(engine.tensor(dyData, r.shape), engine.tensor(r.switches, r.shape), shape, c.attrs);
      expectClose(await dx.read(), analytic, { label: c.name });
    }
  });

  it('backward sums where overlapping windows share a maximum', async () => {
    const engine = await getEngine();
    // 1x5, windows of 3 with stride 1: the 9 in the middle is the maximum of all three windows.
    const x = engine.tensor([1, 2, 9, 3, 4], [1, 1, 1, 5]);
    const attrs: PoolAttrs = { kernelShape: [1, 3] };
    const { switches } = engine.ops.maxPool2d(x, attrs);
    expect(Array.from(await switches.read())).toEqual([2, 2, 2]);
    const dx = engine.grad.maxPool2d(engine.tensor([1, 10, 100], [1, 1, 1, 3]), switches, [1, 1, 1, 5], attrs);
    expect(Array.from(await dx.read())).toEqual([0, 0, 111, 0, 0]);
    expect(Array.from(ref.maxPool2dBackward([1, 10, 100], [2, 2, 2], [1, 1, 1, 5]))).toEqual([0, 0, 111, 0, 0]);
  });
});

describe('maxUnpool2d', () => {
  it('a case worked by hand', async () => {
    const engine = await getEngine();
    const y = engine.tensor([4, 7, 9, 6], [1, 2, 1, 2]);
    const switches = engine.tensor(new Int32Array([4, 6, 8, 15]), [1, 2, 1, 2]);
    const out = engine.ops.maxUnpool2d(y, switches, { kernelShape: [2, 2], strides: [2, 2] });
    expect(out.shape).toEqual([1, 2, 2, 4]);
    const expected = [0, 0, 0, 0, 4, 0, 7, 0, /* channel 1 */ 9, 0, 0, 0, 0, 0, 0, 6];
    expect(Array.from(await out.read())).toEqual(expected);
    expect(Array.from(ref.maxUnpool2d([4, 7, 9, 6], [4, 6, 8, 15], [1, 2, 1, 2], [1, 2, 2, 4]))).toEqual(expected);
  });

  it('round-trips the maxima of an overlapping pool (AlexNet 3x3/2) with outputShape', async () => {
    const engine = await getEngine();
    const shape = [2, 3, 15, 13];
    const attrs = { kernelShape: [3, 3], strides: [2, 2] };
    const data = randomArray(size(shape), 11);
    const { y, switches } = engine.ops.maxPool2d(engine.tensor(data, shape), attrs);
    const out = engine.ops.maxUnpool2d(y, switches, { ...attrs, outputShape: shape });
    expect(out.shape).toEqual(shape);
    const [yv, sv, ov] = [await y.read(), await switches.read(), await out.read()];
    for (let i = 0; i < yv.length; i++) expect(ov[sv[i]]).toBe(yv[i]);
    expect(Array.from(ov)).toEqual(Array.from(ref.maxUnpool2d(yv, sv, y.shape, shape)));
    // Everything that is not a maximum is zero.
    const chosen = new Set(sv);
    expect(ov.every((v, i) => chosen.has(i) || v === 0)).toBe(true);
  });

  for (const c of [CASES[1], CASES[2], CASES[3], CASES[5], CASES[6], CASES[10]]) {
    it(`matches the scatter reference: ${c.name}`, async () => {
      const engine = await getEngine();
      const unpoolAttrs = { kernelShape: c.attrs.kernelShape, strides: c.attrs.strides, pads: c.attrs.pads, outputShape: c.shape };
      const r = ref.maxPool2d(randomArray(size(c.shape), 13), c.shape, c.attrs);
      const y = engine.tensor(randomArray(r.y.length, 14), r.shape); // any values: the switches route them
      const out = engine.ops.maxUnpool2d(y, engine.tensor(r.switches, r.shape), unpoolAttrs);
      expect(Array.from(await out.read())).toEqual(Array.from(ref.maxUnpool2d(await y.read(), r.switches, r.shape, c.shape)));
    });
  }

  it('default output shape: (in - 1) * stride + kernel - pads', async () => {
    const engine = await getEngine();
    const shape = [1, 2, 15, 15];
    const { y, switches } = engine.ops.maxPool2d(engine.tensor(randomArray(size(shape), 3), shape), { kernelShape: [2, 2], strides: [2, 2] });
    expect(y.shape).toEqual([1, 2, 7, 7]);
    expect(engine.ops.maxUnpool2d(y, switches, { kernelShape: [2, 2], strides: [2, 2] }).shape).toEqual([1, 2, 14, 14]);
    expect(engine.ops.maxUnpool2d(y, switches, { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0] }).shape).toEqual([1, 2, 14, 14]);
  });
});

describe('avgPool2d', () => {
  it('cases worked by hand: pads with and without countIncludePad', async () => {
    const engine = await getEngine();
    const data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const x = engine.tensor(data, [1, 1, 3, 3]);
    const attrs = { kernelShape: [2, 2], pads: [1, 1, 0, 0] };
    // Windows start at row/column -1; the first one holds only x[0, 0] = 1.
    const exclude = [1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7];
    const include = [0.25, 0.75, 1.25, 1.25, 3, 4, 2.75, 6, 7];
    expectClose(await engine.ops.avgPool2d(x, attrs).read(), exclude);
    expectClose(await engine.ops.avgPool2d(x, { ...attrs, countIncludePad: true }).read(), include);
    expectClose(ref.avgPool2d(data, [1, 1, 3, 3], attrs).y, exclude);
    expectClose(ref.avgPool2d(data, [1, 1, 3, 3], { ...attrs, countIncludePad: true }).y, include);
  });

  it('a case worked by hand: ceilMode window hanging past the end padding', async () => {
    const engine = await getEngine();
    const data = Array.from({ length: 16 }, (_, i) => i + 1);
    const attrs = { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true };
    // 4x4, pads 1: ceil((4 + 2 - 3) / 2) + 1 = 3 windows per axis; the last starts at row 3 and
    // covers rows 3 (input), 4 (padding) and 5 (past the padding, not counted).
    // Window (0, 0): 1 + 2 + 5 + 6 = 14 over 3 x 3 taps; window (2, 2): 16 over 2 x 2 taps;
    // window (0, 2): rows -1..1, columns 3..5: 4 + 8 = 12 over 3 x 2 taps.
    const y = await engine.ops.avgPool2d(engine.tensor(data, [1, 1, 4, 4]), attrs).read();
    expect(y.length).toBe(9);
    expect(y[0]).toBeCloseTo(14 / 9, 6);
    expect(y[8]).toBeCloseTo(16 / 4, 6);
    expect(y[2]).toBeCloseTo(12 / 6, 6);
    const exclude = await engine.ops.avgPool2d(engine.tensor(data, [1, 1, 4, 4]), { ...attrs, countIncludePad: false }).read();
    expect([exclude[0], exclude[8], exclude[2]]).toEqual([14 / 4, 16, 12 / 2]);
    expectClose(ref.avgPool2d(data, [1, 1, 4, 4], attrs).y, y);
  });

  for (const c of CASES) {
    for (const countIncludePad of [false, true]) {
      it(`matches the reference: ${c.name} ${JSON.stringify(c.shape)}, countIncludePad ${countIncludePad}`, async () => {
        const engine = await getEngine();
        const attrs = { ...c.attrs, countIncludePad };
        const data = randomArray(size(c.shape), c.shape[3] * 7 + 1);
        const y = engine.ops.avgPool2d(engine.tensor(data, c.shape), attrs);
        const r = ref.avgPool2d(data, c.shape, attrs);
        expect(y.shape).toEqual(r.shape);
        expectClose(await y.read(), r.y);
      });
    }
  }

  it('backward matches the reference and finite differences', async () => {
    const engine = await getEngine();
    for (const c of [...CASES.slice(0, 8), CASES[10]]) {
      for (const countIncludePad of [false, true]) {
        const attrs = { ...c.attrs, countIncludePad };
        const shape = [1, 2, Math.min(c.shape[2], 10), c.shape[3]];
        const data = randomArray(size(shape), 21);
        const r = ref.avgPool2d(data, shape, attrs);
        const dyData = randomArray(r.y.length, 22);
        const analytic = ref.avgPool2dBackward(dyData, shape, attrs);
        // Average pooling is linear: a large step is exact up to rounding.
        const numeric = numericGradient((x) => ref.avgPool2d(x, shape, attrs).y, data, dyData, 0.25);
        expectClose(analytic, numeric, { rtol: 1e-4, atol: 1e-5, label: `${c.name} finite differences` });
        const dx = engine.grad.avgPool2d(engine.tensor(dyData, r.shape), shape, attrs);
        expectClose(await dx.read(), analytic, { label: `${c.name} countIncludePad ${countIncludePad}` });
      }
    }
  });
});

describe('globalAveragePool', () => {
  it('a case worked by hand, forward and backward', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    const y = engine.ops.globalAveragePool(x);
    expect(y.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(await y.read())).toEqual([2.5, 25]);
    expect(Array.from(ref.globalAveragePool([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]))).toEqual([2.5, 25]);
    const dx = engine.grad.globalAveragePool(engine.tensor([4, -8], [1, 2, 1, 1]), [1, 2, 2, 2]);
    expect(Array.from(await dx.read())).toEqual([1, 1, 1, 1, -2, -2, -2, -2]);
  });

  it('matches the reference and finite differences on odd sizes', async () => {
    const engine = await getEngine();
    for (const shape of [[2, 3, 7, 5], [1, 5, 13, 13], [2, 2, 1, 3]]) {
      const data = randomArray(size(shape), shape[2]);
      expectClose(await engine.ops.globalAveragePool(engine.tensor(data, shape)).read(), ref.globalAveragePool(data, shape));
      const dyData = randomArray(shape[0] * shape[1], 4);
      const analytic = ref.globalAveragePoolBackward(dyData, shape);
      expectClose(analytic, numericGradient((x) => ref.globalAveragePool(x, shape), data, dyData, 0.25), { label: 'finite differences' });
      expectClose(await engine.grad.globalAveragePool(engine.tensor(dyData, [shape[0], shape[1], 1, 1]), shape).read(), analytic);
    }
  });
});

describe('tensors too large to bind whole', () => {
  it('are processed in chunks of planes, switches still indexing the whole tensor', async () => {
    // An engine whose binding limit is lowered to 20,000 bytes: 160 planes of 9x7 floats go in
    // chunks of 64 planes.
    const engine: Engine = await createEngine({ limits: { maxStorageBufferBindingSize: 20_000 } });
    try {
      expect(engine.limits.maxStorageBufferBindingSize).toBe(20_000);
      const shape = [2, 80, 9, 7];
      const attrs: AvgPoolAttrs = { kernelShape: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1] };
      const data = randomArray(size(shape), 99);
      const x = engine.tensor(data, shape);
      const { y, switches } = engine.ops.maxPool2d(x, attrs);
      const r = ref.maxPool2d(data, shape, attrs);
      expect(Array.from(await y.read())).toEqual(Array.from(r.y));
      expect(Array.from(await switches.read())).toEqual(Array.from(r.switches));
      const unpoolAttrs = { kernelShape: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], outputShape: shape };
      expect(Array.from(await engine.ops.maxUnpool2d(y, switches, unpoolAttrs).read())).toEqual(Array.from(ref.maxUnpool2d(r.y, r.switches, r.shape, shape)));
      const dy = randomArray(r.y.length, 98);
      expectClose(await engine.grad.maxPool2d(engine.tensor(dy, r.shape), switches, shape, attrs).read(), ref.maxPool2dBackward(dy, r.switches, shape));
      expectClose(await engine.ops.avgPool2d(x, attrs).read(), ref.avgPool2d(data, shape, attrs).y);
      expectClose(await engine.grad.avgPool2d(engine.tensor(dy, r.shape), shape, attrs).read(), ref.avgPool2dBackward(dy, shape, attrs));
      expectClose(await engine.ops.globalAveragePool(x).read(), ref.globalAveragePool(data, shape));
      const gdy = randomArray(160, 97);
      expectClose(await engine.grad.globalAveragePool(engine.tensor(gdy, [2, 80, 1, 1]), shape).read(), ref.globalAveragePoolBackward(gdy, shape));
    } finally {
      engine.destroy();
    }
  });
});

describe('bad inputs are rejected before GPU work', () => {
  it('names the op and the shapes', async () => {
    const engine = await getEngine();
    const x3 = engine.tensor(new Float32Array(24), [2, 3, 4]);
    const x = engine.tensor(new Float32Array(9), [1, 1, 3, 3]);
    expect(() => engine.ops.maxPool2d(x3, { kernelShape: [2, 2] })).toThrow('maxPool2d: x must have rank 4, got shape [2, 3, 4]');
    expect(() => engine.ops.avgPool2d(x3, { kernelShape: [2, 2] })).toThrow('avgPool2d: x must have rank 4, got shape [2, 3, 4]');
    expect(() => engine.ops.globalAveragePool(x3)).toThrow('globalAveragePool: x must have rank 4, got shape [2, 3, 4]');
    expect(() => engine.ops.maxPool2d(x, { kernelShape: [5, 5] })).toThrow(
      'maxPool2d: kernel 5x5 (dilations [1, 1], span 5x5) is larger than the padded input 3x3 (x [1, 1, 3, 3], pads [0, 0, 0, 0])',
    );
    expect(() => engine.ops.avgPool2d(x, { kernelShape: [2, 2], dilations: [3, 1] })).toThrow(/avgPool2d: kernel 2x2 \(dilations \[3, 1\], span 4x2\) is larger than the padded input 3x3/);
    expect(() => engine.ops.maxPool2d(x, { kernelShape: [2, 2], strides: [0, 1] })).toThrow('maxPool2d: strides must be integers >= 1, got [0,1]');
    expect(() => engine.ops.maxPool2d(x, { kernelShape: [2] })).toThrow('maxPool2d: kernelShape must be an array of 2 integers, got [2]');
    expect(() => engine.ops.maxPool2d(x, { kernelShape: [1, 1], pads: [0, 0, 2, 0] })).toThrow(/maxPool2d: the window at output row 3 covers only padding/);
  });

  it('rejects switches that do not belong to the pooled tensor', async () => {
    const engine = await getEngine();
    const y = engine.tensor(new Float32Array(4), [1, 1, 2, 2]);
    const attrs = { kernelShape: [2, 2], strides: [2, 2] };
    const other = engine.tensor(new Int32Array(6), [1, 1, 2, 3]);
    expect(() => engine.ops.maxUnpool2d(y, other, attrs)).toThrow('maxUnpool2d: y [1, 1, 2, 2] and switches [1, 1, 2, 3] must have the same shape');
    expect(() => engine.ops.maxUnpool2d(y, engine.tensor(new Float32Array(4), [1, 1, 2, 2]), attrs)).toThrow('maxUnpool2d: switches must be i32, got f32');
    const switches = engine.tensor(new Int32Array(4), [1, 1, 2, 2]);
    expect(() => engine.ops.maxUnpool2d(y, switches, { ...attrs, outputShape: [1, 1, 9, 9] })).toThrow(
      'maxUnpool2d: y [1, 1, 2, 2] is not the max-pool of outputShape [1, 1, 9, 9] with kernelShape [2, 2], strides [2, 2], pads [0, 0, 0, 0]',
    );
    expect(() => engine.ops.maxUnpool2d(y, switches, { ...attrs, outputShape: [1, 2, 4, 4] })).toThrow("maxUnpool2d: outputShape [1, 2, 4, 4] must keep y's batch and channels (y [1, 1, 2, 2])");
    expect(() => engine.grad.maxPool2d(y, switches, [1, 1, 6, 6], attrs)).toThrow('maxPool2d backward: dy [1, 1, 2, 2] must have the pooled shape [1, 1, 3, 3] of x [1, 1, 6, 6]');
    expect(() => engine.grad.maxPool2d(y, other, [1, 1, 4, 4], attrs)).toThrow('maxPool2d backward: switches [1, 1, 2, 3] must have the pooled shape [1, 1, 2, 2] of x [1, 1, 4, 4]');
    expect(() => engine.grad.avgPool2d(y, [1, 1, 4], attrs)).toThrow('avgPool2d backward: input shape must be 4 positive integers [N, C, H, W], got [1,1,4]');
    expect(() => engine.grad.globalAveragePool(y, [1, 1, 2, 2])).toThrow('globalAveragePool backward: dy [1, 1, 2, 2] must be [1, 1, 1, 1] for x [1, 1, 2, 2]');
    expect(() => engine.grad.globalAveragePool(y, [1, 0, 2, 2])).toThrow('globalAveragePool backward: input shape must be 4 positive integers [N, C, H, W], got [1,0,2,2]');
  });
});
