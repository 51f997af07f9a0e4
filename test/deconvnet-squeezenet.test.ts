// DeconvNet on a real network: SqueezeNet 1.1 (../shared/models) projections from fire7 and from
// conv25_relu (the class maps, deeper than fire7) land on the cat of ../shared/images/chelsea.png.
// SqueezeNet is slow on SwiftShader (seconds a pass): five passes in all.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { fitImage, loadOnnx, preprocessImage, readImageFile, type RgbImage } from '../src/index.ts';
import { deconvnet } from '../src/methods/deconvnet/projection.ts';

const engine = await getEngine();
const model = await loadOnnx(engine, readFileSync('../shared/models/squeezenet1.1/squeezenet1.1.onnx'));
const SIZE = 224;
const CATS = [281, 282, 283, 284, 285]; // tabby, tiger cat, Persian, Siamese, Egyptian cat

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The share of the projection's absolute value (all channels) inside the box (inclusive). */
function massInside(p: Float32Array, box: Box): number {
  let inside = 0;
  let all = 0;
  for (let c = 0; c < 3; c++) for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const v = Math.abs(p[(c * SIZE + y) * SIZE + x]);
    all += v;
    if (y >= box.top && y <= box.bottom && x >= box.left && x <= box.right) inside += v;
  }
  return inside / all;
}

async function project(picture: RgbImage, layer: string, unit: number): Promise<Float32Array> {
  const x = engine.tensor(preprocessImage(picture, model.spec.input), [1, 3, SIZE, SIZE]);
  const p = await deconvnet(model, x, { layer, unit });
  x.dispose();
  const data = await p.readFloat();
  p.dispose();
  return data;
}

/** The class scores and fire7's map sums for a picture. */
async function run(picture: RgbImage): Promise<{ scores: Float32Array; fire7: Float32Array }> {
  const x = engine.tensor(preprocessImage(picture, model.spec.input), [1, 3, SIZE, SIZE]);
  const outs = await model.forward(x);
  const scores = await outs.get(model.spec.output)!.readFloat();
  const maps = await outs.get('fire7')!.readFloat();
  for (const t of outs.values()) t.dispose();
  x.dispose();
  const plane = maps.length / 512;
  const fire7 = new Float32Array(512).map((_, k) => maps.subarray(k * plane, (k + 1) * plane).reduce((a, b) => a + b, 0));
  return { scores, fire7 };
}

const argmax = (values: ArrayLike<number>, among: number[]) => among.reduce((a, b) => (values[b] > values[a] ? b : a));

describe('SqueezeNet 1.1 projections land on the cat', () => {
  const photo = readImageFile('../shared/images/chelsea.png');

  it('chelsea.png (stretched to 224x224): the best cat class, from conv25_relu, mostly on the face', async () => {
    const picture = fitImage(await photo, SIZE, SIZE, { fit: 'stretch' });
    const { scores } = await run(picture);
    const unit = argmax(scores, CATS);
    // The face, eyes to chin: x 100..370, y 60..290 of the 451x300 photo, scaled by 224/451 and
    // 224/300: 46% of the picture.
    const face = { left: 50, right: 184, top: 45, bottom: 217 };
    const share = massInside(await project(picture, 'conv25_relu', unit), face);
    expect(share).toBeGreaterThan(0.5);
  });

  it('the cat beside a cup of coffee: projections from fire7 and conv25_relu keep to the cat', async () => {
    // The photo alone fills its frame, so a box around the cat is most of the picture; here the
    // cat (chelsea.png centre-cropped to 112x224) is the left half, coffee.png the right half:
    // the cat's box is columns 0..111, rows 0..223.
    const cat = fitImage(await photo, SIZE / 2, SIZE);
    const cup = fitImage(await readImageFile('../shared/images/coffee.png'), SIZE / 2, SIZE);
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++) {
      rgb.set(cat.rgb.subarray(y * 112 * 3, (y + 1) * 112 * 3), y * SIZE * 3);
      rgb.set(cup.rgb.subarray(y * 112 * 3, (y + 1) * 112 * 3), (y * SIZE + 112) * 3);
    }
    const picture = { width: SIZE, height: SIZE, rgb };
    const box = { left: 0, right: 111, top: 0, bottom: 223 };
    const { scores, fire7 } = await run(picture);
    // The best cat class's map, and fire7's most active unit over the whole picture (chosen
    // without looking at where it fires).
    const byClass = massInside(await project(picture, 'conv25_relu', argmax(scores, CATS)), box);
    const byFire7 = massInside(await project(picture, 'fire7', argmax(fire7, [...fire7.keys()])), box);
    expect(byClass).toBeGreaterThan(0.5);
    expect(byFire7).toBeGreaterThan(0.5);
  });
});
