// train-inverter: trains the up-convolutional decoder of Dosovitskiy & Brox (2016) that maps one
// layer of the default model back to images (src/methods/inversion/decoder.ts), and writes
// weights/inverter-<layer>.{json,safetensors} and its loss plot weights/inverter-<layer>.svg.

import { createEngine } from '../../engine/engine.ts';
import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { writeSafetensors, type HostTensor } from '../../models/safetensors.ts';
import { conceptImages } from '../../train/concept-data.ts';
import { ProgressBar } from '../../train/progress.ts';
import { linePlotSvg } from '../../viz/line-plot.ts';
import { DEFAULT_DECODER_LAYER, decoderError, meanImage, trainDecoder } from '../../methods/inversion/decoder.ts';
import { parseOptions, positiveInt } from '../args.ts';

export const summary = 'train the up-convolutional decoder that inverts a layer of the default model, write weights/';

export const usage = `
usage: train-inverter [--layer ${DEFAULT_DECODER_LAYER}] [--steps 400] [--batch 16] [--lr 0.01] [--count 1024] [--held-out 128] [--seed 2] [--out weights]

  --layer     the default model's layer the decoder inverts (its map must be the image's size
              divided by a power of two)
  --steps     Adam steps (the rate falls along half a cosine to 5% of --lr)
  --batch     images per step
  --lr        Adam's first learning rate
  --count     training images: the concept dataset's images 0..count-1 with --seed (the default
              model was trained with seed 1, so seed 2's are new to it), made once
  --held-out  images with seed + 1000 on which the decoder's error and the mean-image baseline's
              are measured at the end
  --seed      seed of the images, the initial weights and the batch order (the run is reproducible)
  --out       folder for inverter-<layer>.json, .safetensors and .svg (the loss per step)
`;

export const TRAIN_INVERTER_DEFAULTS = { steps: 400, batch: 16, lr: 0.01, count: 1024, heldOut: 128, seed: 2 };

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('train-inverter', usage, args, {
    layer: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    count: { type: 'string' },
    'held-out': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  if (!opts) return;
  const d = TRAIN_INVERTER_DEFAULTS;
  const layer = opts.layer ?? DEFAULT_DECODER_LAYER;
  const steps = positiveInt('train-inverter', 'steps', opts.steps, d.steps);
  const batchSize = positiveInt('train-inverter', 'batch', opts.batch, d.batch);
  const count = positiveInt('train-inverter', 'count', opts.count, d.count);
  const heldOutCount = positiveInt('train-inverter', 'held-out', opts['held-out'], d.heldOut);
  const seed = positiveInt('train-inverter', 'seed', opts.seed, d.seed);
  const learningRate = opts.lr === undefined ? d.lr : Number(opts.lr);
  if (!(learningRate > 0)) throw new Error(`train-inverter: --lr must be a positive number, got '${opts.lr}'`);
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const outDir = opts.out ?? 'weights';

  const engine = await createEngine();
  try {
    const model = await loadDefaultModel(engine);
    model.layerShape(layer); // a wrong name fails here, listing the layers
    const size = model.inputShape[1];
    console.log(`making ${count} training images (seed ${seed}) and ${heldOutCount} held-out ones (seed ${seed + 1000})`);
    const images = conceptImages(seed, count, size);
    const heldOut = conceptImages(seed + 1000, heldOutCount, size);
    const bar = new ProgressBar(steps);
    let smooth = NaN;
    const started = performance.now();
    const { decoder, losses } = await trainDecoder(model, {
      layer,
      steps,
      batchSize,
      learningRate,
      seed,
      images,
      onStep: (step, loss) => {
        smooth = Number.isNaN(smooth) ? loss : 0.9 * smooth + 0.1 * loss;
        bar.update(step, `loss ${smooth.toFixed(4)}`);
      },
    });
    bar.done();
    const seconds = (performance.now() - started) / 1000;
    const errors = await decoderError(model, decoder, heldOut, meanImage(model, images));
    console.log(
      `held-out mean squared error per input value: decoder ${errors.decoder.toFixed(4)}, mean image ${errors.meanImage.toFixed(4)} ` +
        `(${(errors.decoder / errors.meanImage).toFixed(3)} of the baseline); trained in ${seconds.toFixed(0)} s`,
    );
    const host = new Map<string, HostTensor>();
    for (const [name, t] of decoder.weights) host.set(name, { shape: t.shape, data: await t.readFloat() });
    const meta = {
      trainer: 'convsight npm run train-inverter',
      command: ['npm run train-inverter --', ...args].join(' '),
      layer,
      steps: String(steps),
      batch: String(batchSize),
      lr: String(learningRate),
      count: String(count),
      seed: String(seed),
      heldOutMse: errors.decoder.toFixed(5),
      meanImageMse: errors.meanImage.toFixed(5),
    };
    fs.mkdirSync(outDir, { recursive: true });
    const stem = path.join(outDir, `inverter-${layer}`);
    writeFileAtomicSync(`${stem}.safetensors`, writeSafetensors(host, meta));
    writeFileAtomicSync(`${stem}.json`, JSON.stringify(decoder.spec, null, 2) + '\n');
    const plot = linePlotSvg([{ label: 'training loss (MSE per input value)', values: losses }, { label: `held-out mean-image baseline ${errors.meanImage.toFixed(3)}`, values: losses.map(() => errors.meanImage), dashed: true }], {
      title: `decoder from ${model.spec.name} ${layer}: held-out MSE ${errors.decoder.toFixed(3)} vs mean image ${errors.meanImage.toFixed(3)}`,
      xLabel: 'step',
      yLabel: 'MSE',
    });
    writeFileAtomicSync(`${stem}.svg`, plot);
    console.log(`wrote ${stem}.json, ${stem}.safetensors, ${stem}.svg`);
    decoder.dispose();
  } finally {
    engine.destroy();
  }
}
