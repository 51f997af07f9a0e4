// train: trains the default model (conceptnet) with the engine's own kernels on the procedural
// concept dataset, and writes weights/conceptnet.{json,safetensors} and weights/training.svg.
// It trains the network with batch normalization after each layer and folds it away before
// saving (see conceptNetSpec), so what it writes is the plain network.

import { createEngine, DeviceLostError } from '../../engine/engine.ts';
import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { loadCheckpoint, saveCheckpoint } from '../../train/checkpoint.ts';
import { conceptNetSpec, conceptNetWeightShapes } from '../../models/default-model.ts';
import { Model } from '../../models/model.ts';
import { foldBatchNorm } from '../../models/fold.ts';
import { writeSafetensors, type HostTensor } from '../../models/safetensors.ts';
import { conceptImages } from '../../train/concept-data.ts';
import { trainingPlotSvg } from '../../train/plot.ts';
import { ProgressBar } from '../../train/progress.ts';
import { evaluate, initialWeights, train, type LearningRateSchedule } from '../../train/trainer.ts';
import { parseOptions, positiveInt } from '../args.ts';

export const usage = `
usage: train [--epochs 36] [--count 4000] [--batch 32] [--lr 0.003] [--schedule exponential] [--decay 0.96] [--seed 1] [--out weights]
             [--held-out 512] [--checkpoint-every 50] [--resume]

  --epochs    epochs of training
  --count     training images per epoch, fresh ones each epoch, generated from the concept dataset
              with --seed (epoch e uses images e*count ... (e+1)*count - 1)
  --batch     minibatch size
  --lr        Adam's learning rate at the first step
  --schedule  'cosine': the rate falls along half a cosine to zero at the last step;
              'exponential': it is multiplied by --decay after each epoch
  --decay     the exponential schedule's factor per epoch
  --seed      seed of the training images and of the initial weights (the run is reproducible)
  --out       folder for conceptnet.json, conceptnet.safetensors and training.svg
  --held-out  images generated with seed + 1000 on which accuracy is measured after each epoch
  --checkpoint-every
              steps between saves of the run's progress (weights, Adam's state, position) to
              OUT/train-checkpoint.safetensors; it is also saved after every epoch
  --resume    continue the interrupted run whose checkpoint is in OUT (same options): the result
              is the one an uninterrupted run gives

Outputs are written atomically; the checkpoint is removed once they are.
`;

export const TRAIN_DEFAULTS = { epochs: 36, count: 4000, batch: 32, lr: 0.003, schedule: 'exponential', decay: 0.96, seed: 1 };

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions('train', usage, args, {
    epochs: { type: 'string' },
    count: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    schedule: { type: 'string' },
    decay: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'held-out': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'boolean' },
  });
  if (!opts) return;
  const epochs = positiveInt('train', 'epochs', opts.epochs, TRAIN_DEFAULTS.epochs);
  const count = positiveInt('train', 'count', opts.count, TRAIN_DEFAULTS.count);
  const batchSize = positiveInt('train', 'batch', opts.batch, TRAIN_DEFAULTS.batch);
  const seed = positiveInt('train', 'seed', opts.seed, TRAIN_DEFAULTS.seed);
  const learningRate = opts.lr === undefined ? TRAIN_DEFAULTS.lr : Number(opts.lr);
  if (!(learningRate > 0)) throw new Error(`train: --lr must be a positive number, got '${opts.lr}'`);
  const decay = opts.decay === undefined ? TRAIN_DEFAULTS.decay : Number(opts.decay);
  if (!(decay > 0 && decay <= 1)) throw new Error(`train: --decay must be a number in (0, 1], got '${opts.decay}'`);
  const scheduleName = opts.schedule ?? TRAIN_DEFAULTS.schedule;
  if (scheduleName !== 'cosine' && scheduleName !== 'exponential') throw new Error(`train: --schedule must be 'cosine' or 'exponential', got '${scheduleName}'`);
  const schedule: LearningRateSchedule = scheduleName === 'cosine' ? { kind: 'cosine' } : { kind: 'exponential', decay };
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  const path = process.getBuiltinModule('node:path') as typeof import('node:path');
  const outDir = opts.out ?? 'weights';
  const heldOutCount = positiveInt('train', 'held-out', opts['held-out'], 512);
  const checkpointEvery = positiveInt('train', 'checkpoint-every', opts['checkpoint-every'], 50);
  const checkpointPath = path.join(outDir, 'train-checkpoint.safetensors');
  const resume = opts.resume ? loadCheckpoint(checkpointPath) : undefined;
  if (!resume && fs.existsSync(checkpointPath)) {
    throw new Error(`train: ${checkpointPath} holds an interrupted run; continue it with --resume, or delete it to start over`);
  }

  const spec = conceptNetSpec(undefined, { training: true });
  const size = spec.input.shape[1];
  const heldOut = conceptImages(seed + 1000, heldOutCount, size);

  const engine = await createEngine();
  try {
    console.log(`adapter: ${engine.adapterInfo.vendor} ${engine.adapterInfo.architecture} ${engine.adapterInfo.description}`.trim());
    const model = new Model(engine, spec, initialWeights(engine, conceptNetWeightShapes(spec), seed, spec.output));
    const stepsPerEpoch = Math.floor(count / batchSize);
    const bar = new ProgressBar(epochs * stepsPerEpoch);
    let smoothLoss = NaN;
    let smoothAcc = NaN;
    const heldOutAccuracy: number[] = resume ? [...((resume.extra as { heldOutAccuracy?: number[] } | null)?.heldOutAccuracy ?? [])] : [];
    if (resume) console.log(`resuming from ${checkpointPath}: epoch ${resume.epoch}, step ${resume.stepInEpoch} of it (${resume.globalStep} steps done)`);
    fs.mkdirSync(outDir, { recursive: true });
    let saved = resume ? `epoch ${resume.epoch}, step ${resume.stepInEpoch}` : 'nothing yet';
    // Ctrl-C: the last checkpoint is on disk; say so and how to continue.
    const onInterrupt = () => {
      bar.done();
      console.error(`\ninterrupted; progress saved up to ${saved} in ${checkpointPath}. Continue with: npm run train -- ${[...args.filter((a) => a !== '--resume'), '--resume'].join(' ')}`);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    const imagesOfEpoch = (epoch: number) => conceptImages(seed, count, size, undefined, (epoch - 1) * count);
    const history = await train(model, imagesOfEpoch, {
      epochs,
      batchSize,
      learningRate,
      schedule,
      weightDecay: 1e-4,
      seed,
      resume,
      checkpoint: {
        every: checkpointEvery,
        extra: () => ({ heldOutAccuracy }),
        save: (state) => {
          saveCheckpoint(checkpointPath, state);
          saved = `epoch ${state.epoch}, step ${state.stepInEpoch}`;
        },
      },
      onStep: (p) => {
        smoothLoss = Number.isNaN(smoothLoss) ? p.loss : 0.95 * smoothLoss + 0.05 * p.loss;
        smoothAcc = Number.isNaN(smoothAcc) ? p.accuracy : 0.95 * smoothAcc + 0.05 * p.accuracy;
        bar.update((p.epoch - 1) * stepsPerEpoch + p.step, `epoch ${p.epoch}/${epochs} loss ${smoothLoss.toFixed(3)} acc ${(smoothAcc * 100).toFixed(1)}%`);
      },
      onEpoch: async (e) => {
        const { accuracy } = await evaluate(model, heldOut);
        heldOutAccuracy.push(accuracy);
        bar.done();
        console.log(`epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)}, train accuracy ${(e.trainAccuracy * 100).toFixed(1)}%, held-out ${(accuracy * 100).toFixed(1)}%, ${e.seconds.toFixed(0)} s`);
      },
    });

    process.off('SIGINT', onInterrupt);
    const trained = new Map<string, HostTensor>();
    for (const [name, t] of model.weights) trained.set(name, { shape: t.shape, data: await t.readFloat() });
    const { spec: shipped, weights: host } = foldBatchNorm(spec, trained);
    const meta = { trainer: 'convsight npm run train', epochs: String(epochs), count: String(count), batch: String(batchSize), lr: String(learningRate), schedule: scheduleName, ...(schedule.kind === 'exponential' ? { decay: String(decay) } : {}), seed: String(seed) };
    writeFileAtomicSync(path.join(outDir, 'conceptnet.safetensors'), writeSafetensors(host, meta));
    writeFileAtomicSync(path.join(outDir, 'conceptnet.json'), JSON.stringify(shipped, null, 2) + '\n');
    writeFileAtomicSync(path.join(outDir, 'training.svg'), trainingPlotSvg(history, heldOutAccuracy));
    fs.rmSync(checkpointPath, { force: true });
    console.log(`wrote ${outDir}/conceptnet.json, ${outDir}/conceptnet.safetensors, ${outDir}/training.svg`);
  } catch (e) {
    if (e instanceof DeviceLostError) throw new Error(`train: ${e.message.replace(/ Create a new engine to continue\.$/, '')}; progress is saved in ${checkpointPath}: run the same command with --resume to continue`);
    throw e;
  } finally {
    engine.destroy();
  }
}
