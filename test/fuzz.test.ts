// The readers under hostile input: a short run of the fuzzer (src/fuzz/, `npm run fuzz` runs
// 10,000 inputs per format), and each problem a fuzz run found, as a regression case built by hand
// so that it does not depend on the mutation code. No GPU: every reader refuses before GPU work.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpegJs from 'jpeg-js';
import { classify, fuzz, makeInput, PASSING, type Finding } from '../src/fuzz/fuzz.ts';
import { fixPngCrcs } from '../src/fuzz/mutate.ts';
import { makeSeeds, type FileSet } from '../src/fuzz/seeds.ts';
import { writeFileSet } from '../src/fuzz/targets.ts';
import { loadBroden, MAX_CSV_BYTES } from '../src/data/broden.ts';
import { generateDataset } from '../src/data/concepts/index.ts';
import { decodeImageNode } from '../src/data/image-node.ts';
import { decodeLabelPng, encodeRgbPng } from '../src/data/png.ts';
import { checkModel } from '../src/models/model-check.ts';
import { encodeModel, floatTensor } from '../src/models/onnx/onnx-encode.ts';
import { onnxToSpec } from '../src/models/onnx/import.ts';
import { ATTR_TYPE, DATA_TYPE } from '../src/models/onnx/onnx-format.ts';
import { parseSafetensors, writeSafetensors } from '../src/models/safetensors.ts';
import type { ModelSpec } from '../src/models/spec.ts';

const squeezeNet = () => new Uint8Array(readFileSync(new URL('../../shared/models/squeezenet1.1/squeezenet1.1.onnx', import.meta.url)));
const shippedSpec = () => JSON.parse(readFileSync(new URL('../weights/conceptnet.json', import.meta.url), 'utf8')) as ModelSpec;
const shippedWeights = () => parseSafetensors(readFileSync(new URL('../weights/conceptnet.safetensors', import.meta.url)));

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'convsight-fuzz-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the fuzzer', () => {
  it('reads 150 mutated inputs per format, SqueezeNet 1.1 among the ONNX seeds, and every one is accepted or rejected naming the problem', async () => {
    const findings: Finding[] = [];
    const reports = await fuzz({ count: 150, seed: 7, limitMs: 5000, extraOnnx: [squeezeNet()], onFinding: (f) => findings.push(f) });
    for (const r of reports) {
      console.log(`fuzz ${r.format}: ${Object.entries(r.counts).map(([o, n]) => `${o} ${n}`).join(', ')} (slowest ${r.slowestMs.toFixed(0)} ms)`);
      expect(r.inputs).toBe(150);
      // The mutations reach past the first check: some inputs are rejected, and most formats still have readable ones.
      expect(r.counts.rejected).toBeGreaterThan(0);
    }
    expect(findings.map((f) => `${f.outcome} ${f.format} #${f.index} [${f.mutations.join(' ')}]: ${f.message}`)).toEqual([]);
  });

  it('is deterministic by seed, and different inputs differ', async () => {
    const seeds = await makeSeeds(['model']);
    const a = makeInput('model', seeds.model, 3, 17);
    const b = makeInput('model', seeds.model, 3, 17);
    const c = makeInput('model', seeds.model, 3, 18);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    // The seeds themselves are untouched by mutation (a Node Buffer's slice() is a view).
    expect(makeInput('model', seeds.model, 3, 17)).toEqual(a);
  });

  it('classifies leaked JavaScript errors, unnamed errors and large allocations as failures', () => {
    const reply = { id: 0, grownBytes: 0, ms: 1 };
    expect(classify('png', { ...reply, ok: true }, 100)).toBe('accepted');
    expect(classify('png', { ...reply, ok: false, errorClass: 'Error', message: "'a.png' is a damaged PNG image: x" }, 100)).toBe('rejected');
    expect(classify('png', { ...reply, ok: false, errorClass: 'Error', message: 'something went wrong' }, 100)).toBe('unnamed');
    expect(classify('png', { ...reply, ok: false, errorClass: 'TypeError', message: "PNG: Cannot read properties of undefined" }, 100)).toBe('internal');
    expect(classify('png', { ...reply, ok: false, errorClass: 'string', message: 'PNG' }, 100)).toBe('internal');
    expect(classify('png', { ...reply, ok: true, grownBytes: 200 << 20 }, 1000)).toBe('memory');
    expect(PASSING).toEqual(['accepted', 'rejected']);
  });
});

/** A valid 16x16 PNG whose IHDR then claims width x height (CRCs fixed, so only the size is wrong). */
function pngClaiming(width: number, height: number): Uint8Array {
  const png = new Uint8Array(encodeRgbPng({ width: 16, height: 16, rgb: new Uint8Array(16 * 16 * 3).fill(90) }));
  const view = new DataView(png.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return fixPngCrcs(png);
}

describe('regressions: sizes declared larger than the file', () => {
  it('a PNG declaring 100k x 100k pixels is refused before decoding, by both PNG readers', () => {
    const png = pngClaiming(100_000, 100_000);
    expect(() => decodeImageNode(png, 'huge.png')).toThrow("'huge.png' is a damaged PNG image: its header declares 100000x100000 (10000.0 megapixels), more than the limit of 64 megapixels");
    expect(() => decodeLabelPng(png, 'mask.png')).toThrow('more than the limit of 64 megapixels');
  });

  it('a 1 kB PNG declaring 4000 x 4000 pixels (under the cap) is refused: deflate cannot expand it that far (fuzz: png #816 allocated 167 MB)', () => {
    const png = pngClaiming(4000, 4000);
    expect(png.byteLength).toBeLessThan(2000);
    expect(() => decodeImageNode(png, 'bomb.png')).toThrow(/bomb\.png' is a damaged PNG image: its header declares 4000x4000 \(16\.0 megapixels\), 48004000 bytes of pixel data, but its \d+ compressed bytes can hold at most \d+/);
    // The unmodified picture still reads.
    expect(decodeImageNode(pngClaiming(16, 16), 'ok.png').width).toBe(16);
  });

  it('a JPEG whose frame header declares 60000 x 60000 pixels is refused before decoding', () => {
    const rgba = new Uint8Array(24 * 24 * 4).fill(200);
    const jpeg = new Uint8Array(jpegJs.encode({ data: rgba, width: 24, height: 24 }, 80).data);
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    expect(decodeImageNode(jpeg, 'ok.jpg').width).toBe(24);
    for (const [w, h, message] of [
      [60000, 60000, 'more than the limit of 64 megapixels'],
      [4000, 4000, /its header declares 4000x4000 \(16\.0 megapixels\), more than its \d+ bytes can encode/],
    ] as const) {
      const bad = jpeg.slice();
      bad.set([h >> 8, h & 255, w >> 8, w & 255], sof + 5);
      expect(() => decodeImageNode(bad, 'big.jpg')).toThrow(message);
    }
  });

  it('a safetensors file declaring a 100 GB tensor is refused naming the tensor, before allocating', () => {
    const header = JSON.stringify({ 'fc.weight': { dtype: 'F32', shape: [100000, 100000, 5], data_offsets: [0, 200_000_000_000] } });
    const file = new Uint8Array(8 + header.length + 16);
    new DataView(file.buffer).setUint32(0, header.length, true);
    file.set(new TextEncoder().encode(header), 8);
    expect(() => parseSafetensors(file)).toThrow("safetensors: tensor 'fc.weight': data_offsets [0, 200000000000] run past the end of the data (16 bytes; truncated file?)");
  });

  it('an ONNX initializer declaring [100000, 100000, 10] with 16 bytes of data is refused naming the tensor and node', () => {
    const model = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        nodes: [{ name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attributes: [] }],
        initializers: [{ ...floatTensor('w', [100000, 100000, 10], new Float32Array(4)) }],
        inputs: [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: [1, 3, 8, 8] }],
        outputs: [{ name: 'y', elemType: DATA_TYPE.FLOAT }],
      },
    });
    expect(() => onnxToSpec(model, { source: 'big.onnx' })).toThrow("ONNX file 'big.onnx': node 'conv' (Conv): weight: tensor 'w': FLOAT [100000, 100000, 10] needs 100000000000 values, raw_data holds 4");
  });

  it('an ONNX MaxPool with kernel_shape [0, 2] is refused with the file named (fuzz: onnx #3212 got past the importer to the model checks, which did not name the file)', () => {
    const model = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        nodes: [{ name: 'pool', opType: 'MaxPool', domain: '', inputs: ['x'], outputs: ['y'], attributes: [{ name: 'kernel_shape', type: ATTR_TYPE.INTS, ints: [0, 2] }] }],
        initializers: [],
        inputs: [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: [1, 3, 8, 8] }],
        outputs: [{ name: 'y', elemType: DATA_TYPE.FLOAT }],
      },
    });
    expect(() => onnxToSpec(model, { source: 'zero.onnx' })).toThrow("ONNX file 'zero.onnx': model spec: node 'pool': attrs.kernelShape must be [h, w] of integers in 1..65536, got [0,2]");
  });

  it('a Broden CSV over the size limit is refused before it is read (a sparse file: no disk used)', async () => {
    const dir = join(root, 'big-csv');
    await generateDataset(dir, { count: 2, seed: 1, size: 16 });
    truncateSync(join(dir, 'label.csv'), MAX_CSV_BYTES + 1);
    expect(() => loadBroden(dir)).toThrow(`loadBroden: ${join(dir, 'label.csv')} is ${MAX_CSV_BYTES + 1} bytes, more than the 256 MiB a Broden table may have`);
  });
});

describe('regressions: fields that drive allocations or lookups', () => {
  let dataset: FileSet;
  beforeAll(async () => {
    dataset = (await makeSeeds(['broden'])).broden[0];
  });
  const broden = (edit: (files: FileSet) => void) => {
    const files = { ...dataset };
    edit(files);
    const dir = join(root, 'broden');
    writeFileSet(dir, files);
    return () => loadBroden(dir);
  };
  const replaceIn = (files: FileSet, name: string, from: RegExp, to: string) => {
    files[name] = new TextEncoder().encode(new TextDecoder().decode(files[name]).replace(from, to));
  };

  it('a class label of 10^9 in classes.csv is refused (fuzz: broden #1424 hung building a 10^9-long name array)', () => {
    const load = broden((f) => replaceIn(f, 'classes.csv', /,\d+,/, ',1000000000,'));
    expect(load).toThrow(/loadBroden: .*classes\.csv line 2: label must be at most 65535, got 1000000000/);
  });

  it('an index.csv row declaring a 100000 x 100000 segmentation is refused when the index is read', () => {
    const load = broden((f) => replaceIn(f, 'index.csv', /(\.png,train,\d+,\d+,)\d+,\d+/, '$1100000,100000'));
    expect(load).toThrow(/loadBroden: .*index\.csv line 2: sw x sh = 100000 x 100000 is more than 67108864 pixels/);
  });

  it("a spec attribute named 'constructor' or '__proto__' is an unknown attribute (fuzz: model #2429 leaked a TypeError)", () => {
    for (const key of ['constructor', 'toString']) {
      const spec = shippedSpec();
      (spec.nodes[0].attrs as Record<string, unknown>)[key] = 1;
      expect(() => checkModel(spec, shippedWeights())).toThrow(`model spec: node 'conv1': unknown attribute '${key}'`);
    }
    const spec = JSON.parse(JSON.stringify(shippedSpec()).replace('"kernelShape"', '"__proto__"'));
    expect(() => checkModel(spec, shippedWeights())).toThrow("model spec: node 'conv1': unknown attribute '__proto__'");
  });

  it('spec fields of the wrong type or size are refused naming the field', () => {
    const cases: [(s: Record<string, any>) => void, string][] = [
      [(s) => (s.input.shape = [3, 1e9, 1e9]), 'model spec: input.shape must be [C, H, W], integers in 1..65536, got [3,1000000000,1000000000]'],
      [(s) => (s.nodes = {}), 'model spec: nodes must be a non-empty list, got {}'],
      [(s) => (s.nodes[3].inputs = 'pool1'), `model spec: node 'conv2': inputs must be a non-empty list of names, got "pool1"`],
      [(s) => (s.nodes[0].attrs.pads = [2, 2, -1, 2]), "model spec: node 'conv1': attrs.pads must be [top, left, bottom, right] of integers in 0..65536, got [2,2,-1,2]"],
      [(s) => (s.nodes[0].type = 'deconv'), "model spec: node 'conv1': unknown type \"deconv\""],
      [(s) => (s.input.preprocessing.std = [0, 1, 1]), 'model spec: input.preprocessing.std must not be 0'],
      [(s) => (s.nodes[2].attrs.kernelShape = [2, 1.5]), "model spec: node 'pool1': attrs.kernelShape must be [h, w] of integers in 1..65536, got [2,1.5]"],
      // fuzz --gpu: model #1777 passed the checks and was refused by conv2d on the GPU side.
      [(s) => (s.nodes[0].attrs.kernelShape = [65536, 5]), "model node 'conv1' (conv): attrs.kernelShape [65536, 5] does not match its weight [16, 3, 5, 5]"],
    ];
    for (const [edit, message] of cases) {
      const spec = shippedSpec() as unknown as Record<string, any>;
      edit(spec);
      expect(() => checkModel(spec, shippedWeights())).toThrow(message);
    }
    // Pads within the limits that still make an output too large for a tensor.
    const spec = shippedSpec() as unknown as Record<string, any>;
    spec.input.shape = [3, 65536, 65536];
    expect(() => checkModel(spec, shippedWeights())).toThrow('model spec: input.shape [3,65536,65536] has more than 1073741824 values');
    expect(checkModel(shippedSpec(), shippedWeights()).get('fc6')).toEqual([1, shippedWeights().get('fc6.weight')!.shape[0]]);
  });
});

describe('non-finite weights are reported at load, naming the tensor', () => {
  it('safetensors', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const weights = shippedWeights();
      weights.get('conv2.weight')!.data[37] = bad;
      const reread = parseSafetensors(writeSafetensors(weights));
      expect(() => checkModel(shippedSpec(), reread)).toThrow(`weights: tensor 'conv2.weight' holds ${bad} at index 37 (of shape [32, 16, 3, 3]); weights must be finite`);
    }
  });

  it('ONNX (raw_data and float_data)', () => {
    const onnx = (w: ReturnType<typeof floatTensor>) =>
      encodeModel({
        irVersion: 8,
        opsets: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          nodes: [{ name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'conv.w'], outputs: ['y'], attributes: [{ name: 'kernel_shape', type: ATTR_TYPE.INTS, ints: [1, 1] }] }],
          initializers: [w],
          inputs: [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: [1, 2, 4, 4] }],
          outputs: [{ name: 'y', elemType: DATA_TYPE.FLOAT }],
        },
      });
    const data = Float32Array.of(1, 2, NaN, 4);
    expect(() => onnxToSpec(onnx(floatTensor('conv.w', [2, 2, 1, 1], data)), { source: 'nan.onnx' })).toThrow("ONNX file 'nan.onnx': node 'conv' (Conv): weight 'conv.w' holds NaN at index 2; weights must be finite");
    const inf = { name: 'conv.w', dims: [2, 2, 1, 1], dataType: DATA_TYPE.FLOAT, floatData: Float32Array.of(1, -Infinity, 3, 4) };
    expect(() => onnxToSpec(onnx(inf), { source: 'inf.onnx' })).toThrow("ONNX file 'inf.onnx': node 'conv' (Conv): weight 'conv.w' holds -Infinity at index 1; weights must be finite");
    expect(onnxToSpec(onnx(floatTensor('conv.w', [2, 2, 1, 1], Float32Array.of(1, 2, 3, 4)))).spec.nodes).toHaveLength(1);
  });
});
