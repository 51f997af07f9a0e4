// Dosovitskiy & Brox's data-driven inversion: the decoder shipped in weights/ (npm run
// train-inverter) reconstructs held-out concept images (seed 1002: neither the decoder's training
// images, seed 2, nor the default model's, seed 1) from the default model's pool2 with a mean
// squared error at most 0.95 of the mean-image baseline's (the best a decoder that ignored its
// input could do); measured when the weights were made: see weights/inverter-pool2.safetensors'
// metadata. It also inverts in one pass, and refuses a model whose layer does not fit it.

import { describe, expect, it } from 'vitest';
import { getEngine, randomArray } from './helpers/engine.ts';
import { buildModel, loadDefaultModel, preprocessImage, type ModelSpec } from '../src/index.ts';
import { decoderError, invertWithDecoder, loadDefaultDecoder, meanImage } from '../src/methods/inversion/index.ts';
import { conceptImages } from '../src/train/concept-data.ts';

const engine = await getEngine();

/** The margin the decoder must keep below the mean-image baseline. */
const MARGIN = 0.95;

describe('the trained decoder (Dosovitskiy & Brox)', () => {
  it(`beats the mean-image baseline on held-out concept images (MSE <= ${MARGIN} of it)`, async () => {
    const model = await loadDefaultModel(engine);
    const decoder = await loadDefaultDecoder(engine);
    const mean = meanImage(model, conceptImages(2, 256, 64));
    const errors = await decoderError(model, decoder, conceptImages(1002, 64, 64), mean);
    expect(errors.meanImage).toBeGreaterThan(0.5);
    expect(errors.decoder).toBeLessThan(MARGIN * errors.meanImage);
    decoder.dispose();
    model.dispose();
  });

  it('inverts one image in one pass, with the representation error at its layer', async () => {
    const model = await loadDefaultModel(engine);
    const decoder = await loadDefaultDecoder(engine);
    const picture = conceptImages(1002, 1, 64);
    const x = engine.tensor(preprocessImage({ width: 64, height: 64, rgb: picture.rgb }, model.spec.input), [1, 3, 64, 64]);
    const r = await invertWithDecoder(model, decoder, x);
    expect(r.layer).toBe('pool2');
    expect(r.image.shape).toEqual([1, 3, 64, 64]);
    expect(r.relativeError).toBeGreaterThan(0);
    expect(r.relativeError).toBeLessThan(1.5);
    expect(r.rgba.width).toBe(64);
    r.image.dispose();
    x.dispose();
    decoder.dispose();
    model.dispose();
  });

  it('refuses a model whose layer does not give the features the decoder takes', async () => {
    const decoder = await loadDefaultDecoder(engine);
    const spec: ModelSpec = {
      name: 'other',
      input: { name: 'x', shape: [3, 64, 64], preprocessing: { channelOrder: 'RGB', range: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } },
      nodes: [{ name: 'pool2', type: 'maxpool', inputs: ['x'], attrs: { kernelShape: [8, 8], strides: [8, 8] } }],
      output: 'pool2',
    };
    const other = await buildModel(engine, spec, new Map());
    const x = engine.tensor(randomArray(3 * 64 * 64, 1), [1, 3, 64, 64]);
    await expect(invertWithDecoder(other, decoder, x)).rejects.toThrow(/decoder takes \[32,8,8\] features from layer 'pool2', but model 'other' gives \[3,8,8\] there/);
    x.dispose();
    decoder.dispose();
  });
});
