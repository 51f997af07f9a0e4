// The real SqueezeNet 1.1 through loadOnnx on the GPU: its reference outputs, real photographs,
// and the errors a user meets (bad file, unsupported operator, wrong input size).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnx, decodeTensorProto, tensorToFloat32 } from '../src/models/onnx/index.ts';
import type { Model } from '../src/models/model.ts';
import { imageToTensor, readImageFile } from '../src/data/image.ts';
import { readLabels } from '../src/cli/model-file.ts';
import { topK } from '../src/cli/commands/classify.ts';
import { classProbabilities } from '../src/models/scores.ts';
import { getEngine } from './helpers/engine.ts';
import { buildOnnx, node } from './helpers/onnx.ts';

const shared = (path: string) => new URL(`../../shared/${path}`, import.meta.url);
const modelDir = 'models/squeezenet1.1';
const readTensor = (path: string) => {
  const t = decodeTensorProto(new Uint8Array(readFileSync(shared(path))));
  return { dims: t.dims, data: tensorToFloat32(t) };
};

describe('SqueezeNet 1.1 (ONNX)', () => {
  let model: Model;
  const labels = readLabels(shared(`${modelDir}/labels.txt`).pathname);

  beforeAll(async () => {
    model = await loadOnnx(await getEngine(), readFileSync(shared(`${modelDir}/squeezenet1.1.onnx`)), { labels });
  });
  afterAll(() => model?.dispose());

  it('lists its layers with output shapes', () => {
    expect(model.layers).toHaveLength(65);
    expect(model.layers[0]).toEqual({ name: 'conv0', type: 'conv', outShape: [1, 64, 111, 111] });
    expect(model.layers.find((l) => l.name === 'fire8')).toEqual({ name: 'fire8', type: 'concat', outShape: [1, 512, 13, 13] });
    expect(model.layers.at(-1)).toEqual({ name: 'flatten', type: 'flatten', outShape: [1, 1000] });
    expect(model.labels![285]).toBe('Egyptian cat');
  });

  it('matches the reference outputs of test_data_set_0..2 within 1e-3 (one batch of three)', async () => {
    const engine = await getEngine();
    const sets = [0, 1, 2].map((i) => ({ input: readTensor(`${modelDir}/test_data_set_${i}/input_0.pb`), output: readTensor(`${modelDir}/test_data_set_${i}/output_0.pb`) }));
    expect(sets[0].input.dims).toEqual([1, 3, 224, 224]);
    expect(sets[0].output.dims).toEqual([1, 1000]);
    const batch = new Float32Array(3 * 3 * 224 * 224);
    sets.forEach((s, i) => batch.set(s.input.data, i * s.input.data.length));
    const x = engine.tensor(batch, [3, 3, 224, 224]);
    const outputs = await model.forward(x);
    const logits = await outputs.get('flatten')!.readFloat();
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    sets.forEach((s, i) => {
      let worst = 0;
      for (let k = 0; k < 1000; k++) worst = Math.max(worst, Math.abs(logits[i * 1000 + k] - s.output.data[k]));
      expect(worst, `test_data_set_${i}: max |difference|`).toBeLessThan(1e-3);
    });
  });

  async function classify(image: string): Promise<string[]> {
    const engine = await getEngine();
    const rgb = await readImageFile(shared(`images/${image}`).pathname);
    const x = imageToTensor(engine, rgb.rgb, rgb.width, rgb.height, model.spec.input);
    const outputs = await model.forward(x);
    const probs = classProbabilities(await outputs.get(model.spec.output)!.readFloat(), false);
    for (const t of outputs.values()) t.dispose();
    x.dispose();
    return topK(probs, 5).map((i) => labels[i]);
  }

  it('classifies chelsea.png as a cat and coffee.png as espresso', async () => {
    const cat = await classify('chelsea.png');
    expect(cat.slice(0, 2).some((l) => l === 'Egyptian cat' || l === 'tabby'), `top 5: ${cat.join(', ')}`).toBe(true);
    const coffee = await classify('coffee.png');
    expect(coffee[0], `top 5: ${coffee.join(', ')}`).toBe('espresso');
  });

  it('rejects an input of the wrong size', async () => {
    const engine = await getEngine();
    const x = engine.zeros([1, 3, 200, 200]);
    await expect(model.forward(x)).rejects.toThrow("model 'squeezenet1.1' expects input [N, 3, 224, 224], got [1, 3, 200, 200]");
    x.dispose();
  });
});

describe('loadOnnx errors', () => {
  it('a corrupt or truncated file', async () => {
    const engine = await getEngine();
    const bytes = readFileSync(shared(`${modelDir}/squeezenet1.1.onnx`));
    await expect(loadOnnx(engine, bytes.subarray(0, 2_000_000), { source: 'squeezenet1.1.onnx' })).rejects.toThrow(
      /^ONNX file 'squeezenet1\.1\.onnx': truncated .* \(the file is damaged or is not an ONNX model\)$/,
    );
    await expect(loadOnnx(engine, readFileSync(shared('images/coffee.png')), { source: 'coffee.png' })).rejects.toThrow(/^ONNX file 'coffee\.png': corrupt ModelProto/);
  });

  it('an unsupported operator, with its node', async () => {
    const engine = await getEngine();
    const bytes = buildOnnx({ nodes: [node('Relu', ['x'], ['r'], [], 'act'), node('HardSwish', ['r'], ['y'], [], 'hswish')] });
    await expect(loadOnnx(engine, bytes, { source: 'tiny.onnx' })).rejects.toThrow(/^ONNX file 'tiny\.onnx': unsupported operator: HardSwish \(node 'hswish'\)\. Supported: /);
  });
});
