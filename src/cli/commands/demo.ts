// demo: the main job. Runs the shipped default model on held-out concept images and writes pictures:
// the images with the model's predictions, their saliency maps (gradient of the class score) and
// guided-backpropagation maps, and the first-layer filters.

import { createEngine } from '../../engine/engine.ts';
import { rgbToRgba, writePng } from '../../data/image.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { conceptImages } from '../../train/concept-data.ts';
import { argmaxRows, batchTensor } from '../../train/trainer.ts';
import { filterImages, heatMap, imageGrid, saliency, signedImage } from '../../viz/pictures.ts';
import { parseOptions, positiveInt } from '../args.ts';

export const usage = `
usage: demo [--out out/demo] [--count 8] [--seed 3]

Runs the default model (weights/conceptnet) on --count held-out concept images and writes PNGs
into --out: predictions.png (top: the images; middle: saliency |d score/d image|; bottom: guided
backpropagation), filters.png (the 16 first-layer filters).
`;

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('demo', usage, args, { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' } });
  if (!opts) return;
  const outDir = opts.out ?? 'out/demo';
  const count = positiveInt('demo', 'count', opts.count, 8);
  const seed = positiveInt('demo', 'seed', opts.seed, 3);
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  fs.mkdirSync(outDir, { recursive: true });

  const engine = await createEngine();
  try {
    const { vendor, architecture, description } = engine.adapterInfo;
    console.log(`WebGPU adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}`);
    const model = await loadDefaultModel(engine);
    const labels = model.labels!;
    const size = model.inputShape[1];
    console.log(`model: ${model.spec.name}, ${model.layers.length} layers, classes: ${labels.join(', ')}`);

    const data = conceptImages(seed, count, size);
    const x = batchTensor(engine, model.spec, data, Int32Array.from({ length: count }, (_, i) => i));
    const outputs = await model.forward(x);
    const logits = await outputs.get(model.spec.output)!.readFloat();
    for (const t of outputs.values()) t.dispose();

    const pictures = [];
    const saliencyTiles = [];
    const guidedTiles = [];
    let correct = 0;
    const predictions = argmaxRows(logits, count, labels.length);
    for (let i = 0; i < count; i++) {
      const row = logits.subarray(i * labels.length, (i + 1) * labels.length);
      const predicted = predictions[i];
      const probs = softmax(row);
      correct += predicted === data.labels[i] ? 1 : 0;
      console.log(`  image ${i}: ${labels[data.labels[i]].padEnd(9)} -> ${labels[predicted].padEnd(9)} (${(probs[predicted] * 100).toFixed(1)}%)${predicted === data.labels[i] ? '' : '  <- wrong'}`);

      const one = batchTensor(engine, model.spec, data, [i]);
      pictures.push(rgbToRgba({ width: size, height: size, rgb: data.rgb.subarray(i * size * size * 3, (i + 1) * size * size * 3) }));
      const gradient = await model.inputGradient(one, { layer: model.spec.output, unit: predicted, relu: 'gradient' });
      saliencyTiles.push(heatMap(saliency(await gradient.readFloat(), gradient.shape), size, size));
      const guided = await model.inputGradient(one, { layer: model.spec.output, unit: predicted, relu: 'guided' });
      guidedTiles.push(signedImage(await guided.readFloat(), guided.shape));
      for (const t of [one, gradient, guided]) t.dispose();
    }
    x.dispose();
    console.log(`${correct}/${count} correct`);

    await writePng(`${outDir}/predictions.png`, imageGrid([...pictures, ...saliencyTiles, ...guidedTiles], count, 4, 2));
    const w = model.weight('conv1', 'weight')!;
    await writePng(`${outDir}/filters.png`, imageGrid(filterImages(await w.readFloat(), w.shape), 8, 2, 12));
    console.log(`wrote ${outDir}/predictions.png and ${outDir}/filters.png`);
  } finally {
    engine.destroy();
  }
}

function softmax(row: Float32Array): number[] {
  const max = Math.max(...row);
  const e = Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
