import { describe, expect, it } from 'vitest';
import { parseSafetensors, safetensorsMetadata, writeSafetensors, type HostTensor } from '../src/models/safetensors.ts';
import { halfToFloat } from '../src/models/float-formats.ts';
import { loadModel } from '../src/models/model.ts';
import type { ModelSpec } from '../src/models/spec.ts';
import { getEngine, randomArray, expectClose } from './helpers/engine.ts';

/** A safetensors file from a header object and raw data bytes, written by hand (not by our writer). */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const bytesOf = (values: number[], type: 'f32' | 'f64' | 'u16') => {
  const size = { f32: 4, f64: 8, u16: 2 }[type];
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => (type === 'f32' ? view.setFloat32(i * 4, v, true) : type === 'f64' ? view.setFloat64(i * 8, v, true) : view.setUint16(i * 2, v, true)));
  return new Uint8Array(view.buffer);
};

describe('safetensors', () => {
  it('round-trips float32 tensors of awkward shapes, with metadata', () => {
    const tensors = new Map<string, HostTensor>([
      ['conv1.weight', { shape: [3, 2, 3, 3], data: randomArray(54, 1) }],
      ['conv1.bias', { shape: [3], data: randomArray(3, 2) }],
      ['scalar', { shape: [], data: Float32Array.of(7.5) }],
      ['fc.weight', { shape: [5, 7], data: randomArray(35, 3) }],
    ]);
    const file = writeSafetensors(tensors, { format: 'pt', note: 'hello' });
    // The data starts 8-byte aligned, as the format recommends.
    const headerLength = new DataView(file.buffer).getUint32(0, true);
    expect((8 + headerLength) % 8).toBe(0);
    const back = parseSafetensors(file);
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(back.get(name)!.data)).toEqual(Array.from(t.data));
    }
    expect(safetensorsMetadata(file)).toEqual({ format: 'pt', note: 'hello' });
    // ArrayBuffer input and an unaligned view give the same result.
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(Array.from(parseSafetensors(shifted.subarray(3)).get('fc.weight')!.data)).toEqual(Array.from(tensors.get('fc.weight')!.data));
    expect(parseSafetensors(file.slice().buffer).size).toBe(4);
  });

  it('reads a hand-made file with F32, F16, BF16 and F64 tensors', () => {
    const f32 = bytesOf([1.5, -2], 'f32');
    const f16 = bytesOf([0x3c00, 0xc000, 0x3555, 0x0001], 'u16'); // 1, -2, 0.333251953125, 2^-24
    const bf16 = bytesOf([0x3f80, 0xc0a0], 'u16'); // 1, -5
    const f64 = bytesOf([0.25], 'f64');
    const data = new Uint8Array([...f32, ...f16, ...bf16, ...f64]);
    const file = handMade(
      {
        __metadata__: { a: 'b' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] },
        c: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
        d: { dtype: 'F64', shape: [1, 1], data_offsets: [20, 28] },
      },
      data,
    );
    const t = parseSafetensors(file);
    expect(Array.from(t.get('a')!.data)).toEqual([1.5, -2]);
    expect(Array.from(t.get('b')!.data)).toEqual([1, -2, 0.333251953125, 2 ** -24]);
    expect(t.get('b')!.shape).toEqual([2, 2]);
    expect(Array.from(t.get('c')!.data)).toEqual([1, -5]);
    expect(Array.from(t.get('d')!.data)).toEqual([0.25]);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });

  it('rejects a truncated file, naming the tensor', () => {
    const file = writeSafetensors(new Map([['w', { shape: [4, 4], data: randomArray(16, 4) }]]));
    expect(() => parseSafetensors(file.subarray(0, file.length - 4))).toThrow(/safetensors: tensor 'w': data_offsets \[0, 64\] run past the end of the data \(60 bytes; truncated file\?\)/);
    expect(() => parseSafetensors(file.subarray(0, 20))).toThrow(/header of \d+ bytes does not fit in a file of 20 bytes \(truncated\?\)/);
    expect(() => parseSafetensors(file.subarray(0, 5))).toThrow(/too short to hold the 8-byte header length/);
  });

  it('rejects a bad header', () => {
    const notJson = handMade({ abc: 1 });
    notJson.set(new TextEncoder().encode('{"abc"=1'), 8);
    expect(() => parseSafetensors(notJson)).toThrow(/safetensors: header is not valid JSON/);
    expect(() => parseSafetensors(handMade([1, 2]))).toThrow(/header is not a JSON object/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true); // 2^32 bytes of header
    expect(() => parseSafetensors(huge)).toThrow(/header length 4294967296 is implausible/);
    expect(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: 'x', data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(/tensor 'w': shape "x" is not a list of sizes/);
    expect(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)))).toThrow(/tensor 'w': data_offsets \[4,0\] must be \[begin, end\]/);
    expect(() => parseSafetensors(handMade({ w: 3 }))).toThrow(/tensor 'w': header entry is not an object/);
  });

  it('rejects overlapping byte ranges', () => {
    const file = handMade(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    );
    expect(() => parseSafetensors(file)).toThrow(/tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/);
  });

  it('rejects an unknown or unsupported dtype, and a size that does not match the shape', () => {
    expect(() => parseSafetensors(handMade({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(
      /tensor 'w': dtype I64 is not supported \(F32, F16, BF16, F64\)/,
    );
    expect(() => parseSafetensors(handMade({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(/tensor 'w': missing dtype/);
    expect(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(
      /tensor 'w': F32 \[3\] needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    );
  });

  it('writeSafetensors rejects data that does not fill the shape', () => {
    expect(() => writeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]))).toThrow(/tensor 'w' has 3 values for shape \[2, 2\]/);
  });
});

describe('loadModel (our format)', () => {
  it('runs a spec with weights from a safetensors file', async () => {
    const engine = await getEngine();
    const spec: ModelSpec = {
      name: 'tiny',
      input: { name: 'x', shape: [2, 3, 3], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
      nodes: [
        { name: 'flat', type: 'flatten', inputs: ['x'] },
        { name: 'fc', type: 'linear', inputs: ['flat'] },
        { name: 'act', type: 'relu', inputs: ['fc'] },
      ],
      output: 'act',
    };
    const w = randomArray(5 * 18, 5);
    const b = randomArray(5, 6);
    const model = await loadModel(engine, spec, writeSafetensors(new Map([['fc.weight', { shape: [5, 18], data: w }], ['fc.bias', { shape: [5], data: b }]])));
    const xData = randomArray(2 * 18, 7);
    const x = engine.tensor(xData, [2, 2, 3, 3]);
    const outputs = await model.forward(x);
    const y = await outputs.get('act')!.readFloat();
    const expected = new Float32Array(10);
    for (let n = 0; n < 2; n++) {
      for (let o = 0; o < 5; o++) {
        let s = b[o];
        for (let k = 0; k < 18; k++) s += w[o * 18 + k] * xData[n * 18 + k];
        expected[n * 5 + o] = Math.max(0, s);
      }
    }
    expectClose(y, expected, { label: 'linear+relu' });
    expect(model.layers.map((l) => [l.name, l.outShape])).toEqual([
      ['flat', [1, 18]],
      ['fc', [1, 5]],
      ['act', [1, 5]],
    ]);
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    model.dispose();
  });

  it('rejects weights that do not fit the spec before uploading', async () => {
    const engine = await getEngine();
    const spec: ModelSpec = {
      name: 'tiny',
      input: { name: 'x', shape: [1, 2, 2], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0], std: [1] } },
      nodes: [
        { name: 'flat', type: 'flatten', inputs: ['x'] },
        { name: 'fc', type: 'linear', inputs: ['flat'] },
      ],
      output: 'fc',
    };
    const file = writeSafetensors(new Map([['fc.weight', { shape: [3, 5], data: new Float32Array(15) }]]));
    await expect(loadModel(engine, spec, file)).rejects.toThrow(/model node 'fc' \(linear\): weight \[3, 5\] must be \[out, 4\]/);
  });
});
