// What dissect and dissect-merge share: opening the model and the dataset, state files, the report.

import { writeFileAtomicSync } from '../../data/atomic-write.ts';
import { createEngine, type Engine } from '../../engine/engine.ts';
import { loadBroden, type Dataset } from '../../data/broden.ts';
import { loadDefaultModel } from '../../models/default-model.ts';
import { buildModel, type Model } from '../../models/model.ts';
import { conceptDataset } from '../../methods/dissection/concept-dataset.ts';
import { QUANTILE_KIND, TALLY_KIND, type QuantileState, type TallyState } from '../../methods/dissection/state.ts';
import { readModelFile } from '../model-file.ts';
import { UsageError } from '../args.ts';

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');

/** 'default' (the shipped model), a spec .json or an .onnx file. */
export async function openModel(engine: Engine, name: string, preprocessing?: string): Promise<Model> {
  if (name === 'default') return loadDefaultModel(engine);
  const { spec, weights } = readModelFile(name, undefined, preprocessing);
  return buildModel(engine, spec, weights);
}

/** A Broden-format directory, or concepts:COUNT[:SEED[:SIZE]] for a generated set held in memory. */
export function openDataset(name: string): Dataset {
  const m = /^concepts:(\d+)(?::(\d+))?(?::(\d+))?$/.exec(name);
  if (m) return conceptDataset({ count: Number(m[1]), seed: m[2] ? Number(m[2]) : 1, size: m[3] ? Number(m[3]) : 64 });
  if (name.startsWith('concepts:')) throw new UsageError(`--dataset ${name}: write concepts:COUNT[:SEED[:SIZE]], e.g. concepts:500:7`);
  return loadBroden(name);
}

export async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine();
  try {
    return await fn(engine);
  } finally {
    engine.destroy();
  }
}

/** Reads a quantile or tally state file, naming the file in any error. */
export function readState(path: string): QuantileState | TallyState {
  let text: string;
  try {
    text = fs().readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read state file '${path}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let state: { kind?: string; version?: number };
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new Error(`state file '${path}' is not valid JSON: ${(e as Error).message}`);
  }
  if (state?.kind !== QUANTILE_KIND && state?.kind !== TALLY_KIND) throw new Error(`'${path}' is not a dissect state file (kind must be ${QUANTILE_KIND} or ${TALLY_KIND})`);
  if (state.version !== 1) throw new Error(`'${path}' is a version ${state.version} state; this build reads version 1`);
  return state as QuantileState | TallyState;
}

export function writeJson(path: string, value: unknown): void {
  const { dirname } = process.getBuiltinModule('node:path') as typeof import('node:path');
  fs().mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, JSON.stringify(value));
}

/** The per-layer lines printed at the end: detectors by category. */
export function summaryLines(result: { layers: { layer: string; units: number; detectors: number; uniqueConcepts: number; byCategory: Record<string, { detectors: number; unique: number }> }[]; quantile: number; iouThreshold: number; images: number }): string[] {
  return [
    `${result.images} images, quantile ${result.quantile}, IoU > ${result.iouThreshold}:`,
    ...result.layers.map((l) => `  ${l.layer.padEnd(10)} ${String(l.detectors).padStart(4)}/${l.units} detectors, ${l.uniqueConcepts} unique  (${Object.entries(l.byCategory).map(([c, v]) => `${c} ${v.detectors}/${v.unique}`).join(', ')})`),
  ];
}
