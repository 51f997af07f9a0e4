// A training run's progress on disk, so that an interrupted run (Ctrl-C, a killed process, a lost
// device) resumes to the same result as an uninterrupted one. One safetensors file, written
// atomically: every model tensor (weights, biases, batch-norm running statistics) as
// `model/<name>`, Adam's moments as `adam.m/<name>` and `adam.v/<name>`, and in its metadata the
// position (epoch, steps finished in it, global step), the shuffling generator's state at the
// epoch's start, the epoch's running loss and accuracy sums, the finished epochs' summaries, the
// options the run was started with (a resume with other options is refused), and the caller's own
// state (the train command's held-out accuracies).

import { writeFileAtomicSync } from '../data/atomic-write.ts';
import { parseSafetensors, safetensorsMetadata, writeSafetensors, type HostTensor } from '../models/safetensors.ts';
import type { EpochSummary } from './trainer.ts';

export interface TrainState {
  /** The epoch in progress (1-based). */
  epoch: number;
  /** Steps of that epoch already done. */
  stepInEpoch: number;
  /** Steps done over the whole run (Adam's step counter and the schedule's position). */
  globalStep: number;
  /** The shuffling generator's state when the epoch began (its order is drawn again on resume). */
  epochRngState: number;
  lossSum: number;
  correct: number;
  history: EpochSummary[];
  /** The options that shape the result; a resume must match them. */
  fingerprint: string;
  /** The caller's own JSON state. */
  extra: unknown;
  model: Map<string, HostTensor>;
  /** Adam's first and second moments, by trainable tensor name. */
  moments: Map<string, { m: HostTensor; v: HostTensor }>;
}

const FORMAT = 'convsight-train-checkpoint/1';

export function saveCheckpoint(path: string, state: TrainState): void {
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of state.model) tensors.set(`model/${name}`, t);
  for (const [name, { m, v }] of state.moments) {
    tensors.set(`adam.m/${name}`, m);
    tensors.set(`adam.v/${name}`, v);
  }
  const { model: _model, moments: _moments, ...rest } = state;
  writeFileAtomicSync(path, writeSafetensors(tensors, { format: FORMAT, state: JSON.stringify(rest) }));
}

/** Reads a checkpoint; errors name the file. */
export function loadCheckpoint(path: string): TrainState {
  const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`cannot resume: no checkpoint '${path}' (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file; run without --resume to start' : (e as Error).message})`);
  }
  try {
    const meta = safetensorsMetadata(bytes);
    if (meta.format !== FORMAT) throw new Error(`it is not a training checkpoint (format '${meta.format ?? 'none'}', expected '${FORMAT}')`);
    const rest = JSON.parse(meta.state) as Omit<TrainState, 'model' | 'moments'>;
    const tensors = parseSafetensors(bytes);
    const model = new Map<string, HostTensor>();
    const moments = new Map<string, { m: HostTensor; v: HostTensor }>();
    for (const [key, t] of tensors) {
      const [kind, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      if (kind === 'model') model.set(name, t);
      else if (kind === 'adam.m' || kind === 'adam.v') {
        const entry = moments.get(name) ?? ({} as { m: HostTensor; v: HostTensor });
        entry[kind === 'adam.m' ? 'm' : 'v'] = t;
        moments.set(name, entry);
      } else throw new Error(`unexpected tensor '${key}'`);
    }
    for (const [name, e] of moments) if (!e.m || !e.v) throw new Error(`tensor '${name}' has only one of Adam's two moments`);
    return { ...rest, model, moments };
  } catch (e) {
    throw new Error(`checkpoint '${path}' is damaged: ${(e as Error).message}`);
  }
}
