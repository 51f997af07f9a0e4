// Weights larger than a storage binding may hold: VGG16's fc6 (a 4096 x 25088 Gemm, 411 MB) in a
// generated ONNX model, on an engine limited to WebGPU's default 128 MiB binding size, and a
// transB = 0 Gemm (transposed on import) over a 16 MiB limit. Checked against float64 dot products.

import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/index.ts';
import { loadOnnx } from '../src/models/onnx/index.ts';
import { attr, buildOnnx, f32, node } from './helpers/onnx.ts';
import { floatTensor } from '../src/models/onnx/onnx-encode.ts';
import { randomArray } from './helpers/engine.ts';

const engines: Engine[] = [];
afterAll(() => engines.forEach((e) => e.destroy()));

async function engineWithBindingLimit(bytes: number): Promise<Engine> {
  const engine = await createEngine({ limits: { maxStorageBufferBindingSize: bytes } });
  engines.push(engine);
  expect(engine.limits.maxStorageBufferBindingSize).toBe(bytes);
  return engine;
}

/** Cheap deterministic weights in [-0.5, 0.5) (an integer hash: 100M values in well under a second). */
function patterned(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let h = Math.imul(i ^ seed, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    out[i] = ((h >>> 8) / 16777216) - 0.5;
  }
  return out;
}

describe('ONNX models with weights over the binding limit', () => {
  it('VGG16 fc6: Gemm 25088 -> 4096 (411 MB of weights) under a 128 MiB binding limit', async () => {
    const engine = await engineWithBindingLimit(128 * 1024 * 1024);
    const [inFeatures, outFeatures] = [512 * 7 * 7, 4096];
    const weight = patterned(outFeatures * inFeatures, 1);
    expect(weight.byteLength).toBeGreaterThan(engine.limits.maxStorageBufferBindingSize);
    const bias = randomArray(outFeatures, 2);
    const bytes = buildOnnx({
      input: { name: 'pool5', shape: ['N', 512, 7, 7] },
      nodes: [node('Flatten', ['pool5'], ['flat'], [], 'flatten'), node('Gemm', ['flat', 'fc6_w', 'fc6_b'], ['fc6'], [attr.int('transB', 1)], 'fc6')],
      initializers: [floatTensor('fc6_w', [outFeatures, inFeatures], weight), f32('fc6_b', [outFeatures], bias)],
    });
    expect(bytes.byteLength).toBeGreaterThan(411_000_000);
    const model = await loadOnnx(engine, bytes);
    expect(model.layers.map((l) => [l.name, l.outShape])).toEqual([
      ['flatten', [1, 25088]],
      ['fc6', [1, 4096]],
    ]);

    const xData = randomArray(inFeatures, 3);
    const x = engine.tensor(xData, [1, 512, 7, 7]);
    const outputs = await model.forward(x);
    const y = await outputs.get('fc6')!.readFloat();
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    model.dispose();

    // A sample of outputs, including both ends and the rows around every 128 MiB piece boundary.
    const rowsPerPiece = Math.floor((128 * 1024 * 1024) / (inFeatures * 4));
    const rows = new Set([0, 1, 2, 1000, 2047, 2048, 4094, 4095]);
    for (let r = rowsPerPiece; r < outFeatures; r += rowsPerPiece) [r - 1, r, r + 1].forEach((k) => k < outFeatures && rows.add(k));
    for (const j of rows) {
      let s = bias[j];
      for (let k = 0; k < inFeatures; k++) s += weight[j * inFeatures + k] * xData[k];
      expect(Math.abs(y[j] - s), `output ${j}: got ${y[j]}, expected ${s}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(s)));
    }
  }, 300_000);

  it('a transB = 0 Gemm, transposed on import, over a 16 MiB binding limit (every output checked)', async () => {
    const engine = await engineWithBindingLimit(1 << 24);
    const [inFeatures, outFeatures] = [8 * 25 * 25, 1001];
    const b = patterned(inFeatures * outFeatures, 7); // [in, out]: ONNX's B without transB
    const c = randomArray(outFeatures, 8);
    const model = await loadOnnx(
      engine,
      buildOnnx({
        input: { name: 'x', shape: [1, 8, 25, 25] },
        nodes: [node('Flatten', ['x'], ['f'], [], 'flat'), node('Gemm', ['f', 'B', 'C'], ['y'], [attr.float('alpha', 0.5)], 'fc')],
        initializers: [floatTensor('B', [inFeatures, outFeatures], b), f32('C', [outFeatures], c)],
      }),
    );
    expect(model.weight('fc', 'weight')!.shape).toEqual([outFeatures, inFeatures]);
    const xData = randomArray(2 * inFeatures, 9);
    const x = engine.tensor(xData, [2, 8, 25, 25]);
    const outputs = await model.forward(x);
    const y = await outputs.get('fc')!.readFloat();
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    model.dispose();
    for (let n = 0; n < 2; n++) {
      for (let j = 0; j < outFeatures; j++) {
        let s = c[j];
        for (let k = 0; k < inFeatures; k++) s += 0.5 * b[k * outFeatures + j] * xData[n * inFeatures + k];
        const got = y[n * outFeatures + j];
        if (Math.abs(got - s) > 1e-3 * Math.max(1, Math.abs(s))) expect.fail(`image ${n} output ${j}: got ${got}, expected ${s}`);
      }
    }
  });
});
