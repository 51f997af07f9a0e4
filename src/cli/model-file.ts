// Reading a model from disk for the CLI: an ONNX file, or our format (spec.json with the weights
// beside it: same stem, .safetensors). CPU only: the caller uploads it (buildModel) if it runs it.

import { PREPROCESSING_PRESETS, type ModelSpec } from '../models/spec.ts';
import type { HostTensor } from '../models/safetensors.ts';
import { parseSafetensors } from '../models/safetensors.ts';
import { onnxToSpec, resolvePreprocessing } from '../models/onnx/import.ts';
import { inferShapes } from '../models/shapes.ts';

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const pathModule = () => process.getBuiltinModule('node:path') as typeof import('node:path');

function readFile(path: string, what: string): Uint8Array {
  try {
    return fs().readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/**
 * Class names, one per line. Lines like `n01440764<TAB>tench` or `n01440764 tench` (a WordNet id
 * first) keep only the name.
 */
export function readLabels(path: string): string[] {
  const text = new TextDecoder().decode(readFile(path, 'labels file'));
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((line) => line.replace(/^n\d{8}[\t ]+/, '').replace(/^[^\t]*\t/, '').trim());
}

function presetName(name: string): keyof typeof PREPROCESSING_PRESETS {
  if (!(name in PREPROCESSING_PRESETS)) throw new Error(`unknown preprocessing '${name}' (known: ${Object.keys(PREPROCESSING_PRESETS).join(', ')})`);
  return name as keyof typeof PREPROCESSING_PRESETS;
}

export interface ModelFile {
  spec: ModelSpec;
  weights: Map<string, HostTensor>;
}

/**
 * Loads FILE.onnx or spec.json (+ spec.safetensors). Labels come from `labelsPath`, else from the
 * spec, else (ONNX) from a labels.txt beside the model, if there is one. `preprocessing` (a preset
 * name) replaces the spec's, or ONNX's default ('imagenet').
 */
export function readModelFile(path: string, labelsPath?: string, preprocessing?: string): ModelFile {
  const labels = labelsPath ? readLabels(labelsPath) : undefined;
  const lower = path.toLowerCase();
  if (lower.endsWith('.onnx')) {
    const model = onnxToSpec(readFile(path, 'model'), { source: path, labels, preprocessing: preprocessing ? presetName(preprocessing) : undefined });
    const beside = pathModule().join(pathModule().dirname(path), 'labels.txt');
    if (!labels && fs().existsSync(beside)) {
      // A labels.txt found beside the model is used when it has one name per output unit.
      const found = readLabels(beside);
      const shapes = inferShapes(model.spec, new Map([...model.weights].map(([k, t]) => [k, t.shape])));
      if (found.length === shapes.get(model.spec.output)![1]) model.spec.labels = found;
    }
    return model;
  }
  if (lower.endsWith('.json')) {
    let spec: ModelSpec;
    try {
      spec = JSON.parse(new TextDecoder().decode(readFile(path, 'model spec')));
    } catch (e) {
      if ((e as Error).message.startsWith('cannot read')) throw e;
      throw new Error(`model spec '${path}' is not valid JSON: ${(e as Error).message}`);
    }
    const weightsPath = path.replace(/\.json$/i, '.safetensors');
    let weights: Map<string, HostTensor>;
    try {
      weights = parseSafetensors(readFile(weightsPath, 'weights file'));
    } catch (e) {
      throw new Error(`${(e as Error).message} (the weights of '${path}' are read from '${weightsPath}')`);
    }
    if (labels) spec.labels = labels;
    if (preprocessing) spec.input.preprocessing = resolvePreprocessing(presetName(preprocessing));
    return { spec, weights };
  }
  throw new Error(`'${path}' is neither an ONNX model (.onnx) nor a model spec (.json)`);
}
