// Long jobs lose nothing: a training run interrupted midway (an error thrown from a step here; a
// killed `train` process below) and resumed from its checkpoint ends with exactly the weights of an
// uninterrupted run. Tiny runs (64x64 conceptnet, batches of 8, a few steps) keep it quick.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEngine } from './helpers/engine.ts';
import { conceptNetSpec, conceptNetWeightShapes } from '../src/models/default-model.ts';
import { Model } from '../src/models/model.ts';
import { foldBatchNorm } from '../src/models/fold.ts';
import { parseSafetensors, type HostTensor } from '../src/models/safetensors.ts';
import { conceptImages } from '../src/train/concept-data.ts';
import { loadCheckpoint, saveCheckpoint, type TrainState } from '../src/train/checkpoint.ts';
import { initialWeights, train, type TrainOptions } from '../src/train/trainer.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// What `train --epochs 2 --count 16 --batch 8 --seed 3` runs (src/cli/commands/train.ts): 2 steps an epoch.
const [EPOCHS, COUNT, BATCH, SEED] = [2, 16, 8, 3];
const spec = conceptNetSpec(undefined, { training: true });
const imagesOfEpoch = (epoch: number) => conceptImages(SEED, COUNT, 64, undefined, (epoch - 1) * COUNT);
const options: TrainOptions = { epochs: EPOCHS, batchSize: BATCH, learningRate: 0.003, schedule: { kind: 'exponential', decay: 0.96 }, weightDecay: 1e-4, seed: SEED };

let root: string;
let uninterrupted: Map<string, HostTensor>;

async function freshModel(): Promise<Model> {
  const engine = await getEngine();
  return new Model(engine, spec, initialWeights(engine, conceptNetWeightShapes(spec), SEED, spec.output));
}

async function hostWeights(model: Model): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of model.weights) out.set(name, { shape: t.shape, data: await t.readFloat() });
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'convsight-resume-'));
  const model = await freshModel();
  await train(model, imagesOfEpoch, options);
  uninterrupted = await hostWeights(model);
  model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('train --resume', () => {
  it('a run stopped at its last step and resumed from its last checkpoint (mid-epoch) ends with the uninterrupted weights, bit for bit', async () => {
    const path = join(root, 'in-process.safetensors');
    const saves: string[] = [];
    const first = await freshModel();
    const stop = new Error('simulated crash');
    await expect(
      train(first, imagesOfEpoch, {
        ...options,
        checkpoint: { every: 1, save: (s: TrainState) => {
            saveCheckpoint(path, s);
            saves.push(`${s.epoch}:${s.stepInEpoch}`);
          }, extra: () => ({ note: 'kept' }) },
        onStep: (p) => {
          if (p.epoch === 2 && p.step === 2) throw stop; // the last step: checkpoints were saved after every earlier one
        },
      }),
    ).rejects.toBe(stop);
    first.dispose();
    expect(saves).toEqual(['1:1', '2:0', '2:1']);
    const state = loadCheckpoint(path);
    expect([state.epoch, state.stepInEpoch, state.globalStep, state.history.length, state.extra]).toEqual([2, 1, 3, 1, { note: 'kept' }]);

    const second = await freshModel(); // fresh initial weights: the checkpoint must replace them all
    const history = await train(second, imagesOfEpoch, { ...options, resume: state });
    expect(history.map((e) => e.epoch)).toEqual([1, 2]);
    const resumed = await hostWeights(second);
    second.dispose();
    for (const [name, t] of uninterrupted) expect(resumed.get(name)!.data, name).toEqual(t.data);

    // A checkpoint from other options is refused, naming them.
    const other = await freshModel();
    await expect(train(other, imagesOfEpoch, { ...options, learningRate: 0.01, resume: state })).rejects.toThrow(/cannot resume: the checkpoint's run had options .*"learningRate":0.003.*this one has .*"learningRate":0.01/);
    other.dispose();
  });

  it('a killed `train` process resumes with --resume and writes the uninterrupted run\'s weights', async () => {
    const out = join(root, 'cli');
    const args = ['tsx', 'src/cli/main.ts', 'train', '--epochs', String(EPOCHS), '--count', String(COUNT), '--batch', String(BATCH), '--seed', String(SEED), '--held-out', '8', '--checkpoint-every', '1', '--out', out];
    const checkpoint = join(out, 'train-checkpoint.safetensors');
    // Kill (SIGKILL: no chance to clean up) once a checkpoint is on disk.
    const child = spawn('npx', args, { cwd: repo, stdio: 'ignore', detached: true });
    const killedAt = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        try {
          if (!existsSync(checkpoint)) return;
          const s = loadCheckpoint(checkpoint);
          if (s.globalStep >= 1) {
            clearInterval(poll);
            process.kill(-child.pid!, 'SIGKILL');
            resolve(`${s.epoch}:${s.stepInEpoch}`);
          }
        } catch {
          // Never a half-written checkpoint (atomic rename); a read racing the rename just retries.
        }
      }, 100);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error('train finished before it could be killed'));
      });
    });
    expect(['1:1', '2:0', '2:1']).toContain(killedAt);
    expect(existsSync(join(out, 'conceptnet.safetensors'))).toBe(false);

    const again = spawnSync('npx', args, { cwd: repo, encoding: 'utf8' });
    expect(again.stderr + again.stdout).toContain('holds an interrupted run; continue it with --resume');
    expect(again.status).toBe(1);
    const resumed = spawnSync('npx', [...args, '--resume'], { cwd: repo, encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming from .*train-checkpoint\.safetensors: epoch \d, step \d of it/);
    expect(existsSync(checkpoint)).toBe(false);

    const written = parseSafetensors(readFileSync(join(out, 'conceptnet.safetensors')));
    const expected = foldBatchNorm(spec, uninterrupted).weights;
    expect([...written.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, t] of expected) expect(written.get(name)!.data, name).toEqual(t.data);
  });
});
