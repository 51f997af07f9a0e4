// DeconvNet projections: exact against hand-worked and reference values (a first-layer unit is
// its activation times its filter at its receptive field; a two-layer net with a max-pool worked
// by hand; 'gradient' is model.inputGradient), the batched projection (one shared forward)
// against one projection at a time, the bad-input errors; and the top-9 assembly (each hit's
// tiles are the picture under its receptive field and the projection of that one activation,
// the same pixels deconvnet() gives alone; a linear layer's hits show whole pictures).

import { describe, expect, it } from 'vitest';
import { expectClose, getEngine } from './helpers/engine.ts';
import { buildModel, loadDefaultModel, preprocessImage, rgbToRgba, type Model, type RgbImage } from '../src/index.ts';
import { generateImage } from '../src/data/concepts/index.ts';
import { deconvnet, projectMany } from '../src/methods/deconvnet/projection.ts';
import { receptiveField } from '../src/methods/common/receptive-field.ts';
import { memoryImages } from '../src/methods/common/image-set.ts';
import { top9, top9Grid } from '../src/methods/deconvnet/top9.ts';
import { cropPadded, projectionImage } from '../src/viz/overlay.ts';
import type { ModelSpec } from '../src/models/spec.ts';

const engine = await getEngine();
const model = await loadDefaultModel(engine);
const [C, H, W] = model.inputShape;
const picture = generateImage(7, 3, H);
const image = engine.tensor(preprocessImage({ width: W, height: H, rgb: picture.rgb }, model.spec.input), [1, C, H, W]);

async function layerOutput(m: Model, x: typeof image, layer: string): Promise<Float32Array> {
  const outs = await m.forward(x, { until: layer });
  const data = await outs.get(layer)!.readFloat();
  for (const t of outs.values()) t.dispose();
  return data;
}

async function read(t: { readFloat(): Promise<Float32Array>; dispose(): void }): Promise<Float32Array> {
  const data = await t.readFloat();
  t.dispose();
  return data;
}

describe('first layer: the projection of one activation is that activation times its filter', () => {
  it('element by element at the receptive field, zero elsewhere (inside and at the border)', async () => {
    const act = await layerOutput(model, image, 'relu1');
    const [, units, mh, mw] = model.layerShape('relu1');
    const filters = (await model.weight('conv1', 'weight')!.readFloat()) as Float32Array;
    const [, , kh, kw] = model.weight('conv1', 'weight')!.shape;
    // The strongest activation of all, and the strongest in row 0 (its field leaves the image).
    const strongest = (rows: number[]) => {
      let best = { unit: 0, r: 0, c: 0, v: -Infinity };
      for (let unit = 0; unit < units; unit++) for (const r of rows) for (let c = 0; c < mw; c++) {
        const v = act[(unit * mh + r) * mw + c];
        if (v > best.v) best = { unit, r, c, v };
      }
      return best;
    };
    const cases = [strongest([...Array(mh).keys()]), strongest([0])];
    for (const { unit, r, c, v } of cases) {
      expect(v, `unit ${unit} must fire somewhere for the test to mean anything`).toBeGreaterThan(0);
      const got = await read(await deconvnet(model, image, { layer: 'relu1', unit, position: [r, c] }));
      const field = receptiveField(model, 'relu1', [r, c]);
      expect(field.height).toBe(kh);
      const want = new Float32Array(C * H * W);
      for (let ch = 0; ch < C; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const y = field.top + i;
        const x = field.left + j;
        if (y < 0 || x < 0 || y >= H || x >= W) continue; // the part in the padding is not an input pixel
        want[(ch * H + y) * W + x] = v * filters[((unit * C + ch) * kh + i) * kw + j];
      }
      expectClose(got, want, { rtol: 1e-5, atol: 1e-6, label: `unit ${unit} at [${r}, ${c}]` });
    }
  });
});

describe("mode 'gradient' is model.inputGradient", () => {
  it('for one position of conv3 and for a whole fc5 neuron (seeded with ones)', async () => {
    // Active targets (a silent one has a zero gradient and would prove nothing).
    const conv3 = await layerOutput(model, image, 'relu3');
    const fc5 = await layerOutput(model, image, 'fc5');
    const at = conv3.indexOf(Math.max(...conv3));
    const [, , mh, mw] = model.layerShape('relu3');
    const position: [number, number] = [Math.floor((at % (mh * mw)) / mw), at % mw];
    const targets = [
      { layer: 'relu3', unit: Math.floor(at / (mh * mw)), position },
      { layer: 'fc5', unit: fc5.indexOf(Math.max(...fc5)) },
    ];
    for (const target of targets) {
      const got = await read(await deconvnet(model, image, { ...target, mode: 'gradient', seed: 'one' }));
      const want = await read(await model.inputGradient(image, { ...target, relu: 'gradient' }));
      expect(want.some((v) => v !== 0)).toBe(true);
      expectClose(got, want, { rtol: 1e-4, atol: 1e-6, label: target.layer });
    }
  });
});

describe('a two-layer network with a max-pool, worked by hand', () => {
  // x (4x4) -> conv1 2x2 [[1, 0], [0, -1]] -> relu -> maxpool 2x2 stride 1 -> conv2 1x1, 2 units
  // with weights 2 and -1. conv1 y[i,j] = x[i,j] - x[i+1,j+1] = [1 0 1; 0 0 0; 2 0 -2]; relu
  // [1 0 1; 0 0 0; 2 0 0]; the pool's maxima and switches: 1 @ (0,0), 1 @ (0,2), 2 @ (2,0),
  // 0 @ (1,1) (a window of zeros: its first element).
  const spec: ModelSpec = {
    name: 'hand',
    input: { name: 'x', shape: [1, 4, 4], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
    nodes: [
      { name: 'conv1', type: 'conv', inputs: ['x'] },
      { name: 'relu1', type: 'relu', inputs: ['conv1'] },
      { name: 'pool1', type: 'maxpool', inputs: ['relu1'], attrs: { kernelShape: [2, 2], strides: [1, 1] } },
      { name: 'conv2', type: 'conv', inputs: ['pool1'] },
    ],
    output: 'conv2',
  };
  const x = [1, 0, 2, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 1, 0, 2];

  async function project(unit: number, mode: 'deconvnet' | 'guided' | 'gradient', seed: 'activation' | 'one') {
    const net = await buildModel(engine, spec, new Map([
      ['conv1.weight', { shape: [1, 1, 2, 2], data: Float32Array.from([1, 0, 0, -1]) }],
      ['conv2.weight', { shape: [2, 1, 1, 1], data: Float32Array.from([2, -1]) }],
    ]));
    const input = engine.tensor(x, [1, 1, 4, 4]);
    const out = await read(await deconvnet(net, input, { layer: 'conv2', unit, mode, seed }));
    input.dispose();
    net.dispose();
    return Array.from(out);
  }

  it("unit 0's map seeded with its activations [2 2; 4 0] (Zeiler & Fergus)", async () => {
    // conv2 transposed: 2 * [2 2; 4 0] = [4 4; 8 0]; unpooled through the switches to (0,0), (0,2),
    // (2,0), (1,1): [4 0 4; 0 0 0; 8 0 0]; rectified (no change); conv1 transposed puts
    // g * [[1, 0], [0, -1]] at each position.
    expect(await project(0, 'deconvnet', 'activation')).toEqual([4, 0, 4, 0, 0, -4, 0, -4, 8, 0, 0, 0, 0, -8, 0, 0]);
  });

  it('seeded with ones: the three ReLU rules differ where the forward pass was off', async () => {
    // Unpooled: 2 at (0,0), (0,2), (2,0) and (1,1); conv1's output at (1,1) is 0, so the forward
    // mask closes it ('gradient', 'guided') while 'deconvnet' lets it through (+2 at (1,1), -2 at (2,2)).
    expect(await project(0, 'gradient', 'one')).toEqual([2, 0, 2, 0, 0, -2, 0, -2, 2, 0, 0, 0, 0, -2, 0, 0]);
    expect(await project(0, 'guided', 'one')).toEqual([2, 0, 2, 0, 0, -2, 0, -2, 2, 0, 0, 0, 0, -2, 0, 0]);
    expect(await project(0, 'deconvnet', 'one')).toEqual([2, 0, 2, 0, 0, 0, 0, -2, 2, 0, -2, 0, 0, -2, 0, 0]);
    // Unit 1 (weight -1): the signal reaching relu1 is -1 at the switches. The gradient keeps it
    // where relu1 was open; rectification ('deconvnet', 'guided') removes all of it.
    expect(await project(1, 'gradient', 'one')).toEqual([-1, 0, -1, 0, 0, 1, 0, 1, -1, 0, 0, 0, 0, 1, 0, 0]);
    expect((await project(1, 'deconvnet', 'one')).every((v) => v === 0)).toBe(true);
    expect((await project(1, 'guided', 'one')).every((v) => v === 0)).toBe(true);
  });
});

describe('batched projection: one shared forward, a batch of seeds', () => {
  it('equals one projection at a time, for positions and whole maps, in every mode', async () => {
    const targets = [
      { unit: 2, position: [1, 1] as [number, number] },
      { unit: 2, position: [6, 0] as [number, number] },
      { unit: 40 },
      { unit: 63, position: [7, 7] as [number, number] },
      { unit: 0 },
    ];
    for (const mode of ['deconvnet', 'guided', 'gradient'] as const) {
      // batch 3: two backward passes (3 + 2 seeds) over the one forward
      const all = await projectMany(model, image, { layer: 'relu4', targets, mode, batch: 3 });
      expect(all.shape).toEqual([targets.length, C, H, W]);
      const got = await read(all);
      expect(got.some((v) => v !== 0)).toBe(true);
      for (const [k, t] of targets.entries()) {
        const one = await read(await deconvnet(model, image, { layer: 'relu4', ...t, mode }));
        expectClose(got.subarray(k * C * H * W, (k + 1) * C * H * W), one, { rtol: 1e-4, atol: 1e-6, label: `${mode} target ${k}` });
      }
    }
  });

  it("a position's projection stays inside its receptive field", async () => {
    const got = await read(await deconvnet(model, image, { layer: 'relu3', unit: 5, position: [2, 5] }));
    const f = receptiveField(model, 'relu3', [2, 5]).clipped;
    let inside = 0;
    let outside = 0;
    for (let ch = 0; ch < C; ch++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = Math.abs(got[(ch * H + y) * W + x]);
      if (y >= f.top && y <= f.bottom && x >= f.left && x <= f.right) inside += v;
      else outside += v;
    }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(0);
  });
});

describe('bad input: one-line errors before GPU work', () => {
  it('names what is wrong', async () => {
    await expect(deconvnet(model, image, { layer: 'conv9', unit: 0 })).rejects.toThrow(/no layer 'conv9'. Layers: conv1, relu1/);
    await expect(deconvnet(model, image, { layer: 'relu2', unit: 32 })).rejects.toThrow("layer 'relu2' has units 0..31, got unit 32");
    await expect(deconvnet(model, image, { layer: 'relu2', unit: 0, position: [16, 0] })).rejects.toThrow("position [16, 0] is outside layer 'relu2' map of 16x16");
    await expect(deconvnet(model, image, { layer: 'fc5', unit: 0, position: [0, 0] })).rejects.toThrow(/layer 'fc5' has no spatial map/);
    const small = engine.tensor(new Float32Array(3 * 32 * 32), [1, 3, 32, 32]);
    await expect(deconvnet(model, small, { layer: 'relu2', unit: 0 })).rejects.toThrow(`model 'conceptnet' expects one image [1, 3, 64, 64], got [1, 3, 32, 32]`);
    small.dispose();
    await expect(deconvnet(model, image, { layer: 'relu2', unit: 0, mode: 'inverse' as 'guided' })).rejects.toThrow(/mode must be one of gradient, deconvnet, guided/);
    await expect(projectMany(model, image, { layer: 'relu2', targets: [] })).rejects.toThrow(/no targets/);
  });
});

const size = H;
const pictures: RgbImage[] = Array.from({ length: 6 }, (_, i) => ({ width: size, height: size, rgb: generateImage(21, i, size).rgb }));

describe('top9', () => {
  it('pairs each hit with its receptive-field patch and its own projection', async () => {
    const result = await top9(model, memoryImages(pictures, pictures.map((_, i) => `p${i}.png`)), { layer: 'relu3', units: [4, 9], k: 3, batch: 4 });
    expect(result.units.map((u) => u.unit)).toEqual([4, 9]);
    const field = receptiveField(model, 'relu3', [0, 0]);
    for (const unit of result.units) {
      expect(unit.hits.length).toBe(3);
      for (const hit of unit.hits) {
        expect([hit.patch.width, hit.patch.height]).toEqual([field.width, field.height]);
        expect([hit.projection.width, hit.projection.height]).toEqual([field.width, field.height]);
        expect(hit.name).toBe(`p${hit.image}.png`);
        expect(hit.patch.data).toEqual(cropPadded(rgbToRgba(pictures[hit.image]), receptiveField(model, 'relu3', [hit.row, hit.col])).data);
      }
      // The strongest hit's projection tile is deconvnet() of that activation alone, cropped.
      const best = unit.hits[0];
      const x = engine.tensor(preprocessImage(pictures[best.image], model.spec.input), [1, ...model.inputShape]);
      const alone = await deconvnet(model, x, { layer: 'relu3', unit: unit.unit, position: [best.row, best.col] });
      const tile = projectionImage(await alone.readFloat(), alone.shape, { rect: best.field });
      alone.dispose();
      x.dispose();
      let worst = 0;
      for (let i = 0; i < tile.data.length; i++) worst = Math.max(worst, Math.abs(tile.data[i] - best.projection.data[i]));
      expect(worst).toBeLessThanOrEqual(1); // one grey level of rounding
    }
    // Projections (3 columns for 9; 2 for 3) beside patches, 2-pixel gaps, 6 between the halves.
    const grid = top9Grid(result.units[0]);
    const half = 2 * field.width + 3 * 2;
    expect([grid.width, grid.height]).toEqual([2 * half + 3 * 6, 2 * field.height + 3 * 2 + 2 * 6]);
  });

  it("a linear layer's hits are whole pictures", async () => {
    const result = await top9(model, memoryImages(pictures), { layer: 'fc5', units: [3], k: 2, batch: 6 });
    const [hit] = result.units[0].hits;
    expect([hit.patch.width, hit.patch.height]).toEqual([size, size]);
    expect(hit.patch.data).toEqual(rgbToRgba(pictures[hit.image]).data);
    await expect(top9(model, memoryImages(pictures), { layer: 'fc5', units: [128] })).rejects.toThrow("layer 'fc5' has units 0..127, got unit 128");
  });
});
