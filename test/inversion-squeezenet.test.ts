// Network inversion on a real network: SqueezeNet 1.1 (../shared/models) and
// ../shared/images/chelsea.png. From the first conv layer (conv0) the reconstruction matches the
// representation to within 10% in 30 steps; from fire3, after two pooling stages (pool0, pool1),
// the same 30 steps leave a much larger error (the paper's finding: less of the image survives
// deeper). SqueezeNet is slow on SwiftShader (about 1 s a step to conv0, 3 s to fire3 on a busy
// 2-core machine), so the runs are short; the first steps are where the gap opens.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { fitImage, loadOnnx, preprocessImage, readImageFile } from '../src/index.ts';
import { invertEveryLayer } from '../src/methods/inversion/index.ts';

const engine = await getEngine();

describe('invertRepresentation on SqueezeNet 1.1', () => {
  it('conv0 reconstructs chelsea.png with relativeError < 0.1; fire3 (after two pools) keeps less', async () => {
    const model = await loadOnnx(engine, readFileSync('../shared/models/squeezenet1.1/squeezenet1.1.onnx'));
    const picture = fitImage(await readImageFile('../shared/images/chelsea.png'), 224, 224);
    const x = engine.tensor(preprocessImage(picture, model.spec.input), [1, 3, 224, 224]);
    const [first, deep] = await invertEveryLayer(model, x, { layers: ['conv0', 'fire3'], steps: 30, seed: 1 });
    x.dispose();
    expect(first.error).toBeUndefined();
    expect(deep.error).toBeUndefined();
    expect(first.relativeError!).toBeLessThan(0.1);
    expect(deep.relativeError!).toBeGreaterThan(2 * first.relativeError!);
    for (const r of [first, deep]) r.image!.dispose();
    model.dispose();
  }, 600_000);
});
