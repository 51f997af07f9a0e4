// Activation Maximization on SqueezeNet 1.1 at its own 224x224 input (../shared/models): for 5
// ImageNet classes, optimised as one batch (one class per image), the AM image's score before
// the softmax must beat the highest score that class gets on the shared photographs, and the
// model must classify the AM image as that class, for at least 4 of the 5.
//
// SqueezeNet on SwiftShader costs a few seconds per forward + backward of a batch of 5, so the
// step count is small: Adam at 0.1 input units per step raises the scores fast from a grey start.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { buildModel } from '../src/index.ts';
import { readModelFile } from '../src/cli/model-file.ts';
import { decodeImage } from '../src/data/image.ts';
import { imageBatches, memoryImages } from '../src/methods/common/image-set.ts';
import { activationMaximization, classIndex, classScore, perImage } from '../src/methods/activation-maximization/index.ts';

const shared = (p: string) => new URL(`../../shared/${p}`, import.meta.url).pathname;
const PHOTOS = ['astronaut', 'camera', 'chelsea', 'coffee', 'horse'];
const CLASSES = ['goldfish', 'flamingo', 'pineapple', 'volcano', 'daisy'];

describe('activationMaximization on SqueezeNet 1.1 (224x224)', () => {
  it('reaches, for at least 4 of 5 classes, a score above the class\'s best on the shared photos, classified as that class', async () => {
    const engine = await getEngine();
    const { spec, weights } = readModelFile(shared('models/squeezenet1.1/squeezenet1.1.onnx'));
    const model = await buildModel(engine, spec, weights);
    expect(model.inputShape).toEqual([3, 224, 224]);
    const photos = await Promise.all(PHOTOS.map((n) => decodeImage(readFileSync(shared(`images/${n}.png`)), n)));
    const set = memoryImages(photos, PHOTOS);
    const indices = CLASSES.map((c) => classIndex(model, c));
    // Each class's highest score over the photos (one forward pass of the five).
    const best = indices.map(() => ({ value: -Infinity, name: '' }));
    for await (const batch of imageBatches(model, set, { batch: 5 })) {
      const out = await model.forward(batch.tensor);
      const s = await out.get(spec.output)!.readFloat();
      for (const t of out.values()) t.dispose();
      batch.tensor.dispose();
      for (let n = 0; n < batch.pictures.length; n++) {
        indices.forEach((cls, b) => {
          if (s[n * 1000 + cls] > best[b].value) best[b] = { value: s[n * 1000 + cls], name: PHOTOS[batch.start + n] };
        });
      }
    }

    const result = await activationMaximization(model, {
      objective: perImage(indices.map((i) => classScore(i))),
      restarts: indices.length,
      keep: 'all',
      steps: 5,
      seed: 1,
      learningRate: 0.1,
    });
    const out = await model.forward(result.image);
    const logits = await out.get(spec.output)!.readFloat();
    for (const t of out.values()) t.dispose();
    result.image.dispose();

    const report: string[] = [];
    let passed = 0;
    for (const [b, cls] of indices.entries()) {
      const row = logits.subarray(b * 1000, (b + 1) * 1000);
      const predicted = row.indexOf(Math.max(...row));
      const ok = row[cls] > best[b].value && predicted === cls;
      if (ok) passed++;
      report.push(`${CLASSES[b]}: AM ${row[cls].toFixed(2)} vs photos' best ${best[b].value.toFixed(2)} (${best[b].name}), predicted ${spec.labels![predicted]}`);
      expect(result.activations[b]).toBeCloseTo(row[cls], 2);
    }
    expect(passed, report.join('; ')).toBeGreaterThanOrEqual(4);
    model.dispose();
  }, 900_000); // SwiftShader on a shared 2-core machine: 1-3 minutes alone, more under load
});
