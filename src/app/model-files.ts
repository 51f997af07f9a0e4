// The user's own model, from files picked or dropped on the page and read locally (nothing is
// uploaded): an ONNX file, or our format (a spec .json with its .safetensors), each optionally with
// a labels.txt. The page's counterpart of the CLI's readModelFile, on bytes instead of paths; both
// end in the library's onnxToSpec / parseSafetensors / buildModel, so the reasons a file is
// refused are the library's own words.

import { onnxToSpec } from '../models/onnx/index.ts';
import { parseSafetensors, type HostTensor } from '../models/safetensors.ts';
import type { ModelSpec } from '../models/spec.ts';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export interface ModelFiles {
  spec: ModelSpec;
  weights: Map<string, HostTensor>;
  /** What the model is called on the page: the main file's name. */
  name: string;
  /** 'sha256:<16 hex>' of the files' bytes (in name order): the URL's model key. */
  key: string;
}

export async function readDroppedFiles(files: FileList | File[]): Promise<NamedBytes[]> {
  return Promise.all(Array.from(files).map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** Class names, one per line; a leading WordNet id (`n01440764 tench`) is dropped. */
export function parseLabels(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((line) => line.replace(/^n\d{8}[\t ]+/, '').trim());
}

/** A short content hash, so that a shared URL names the file without holding it. */
export async function fileKey(files: NamedBytes[]): Promise<string> {
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  const total = sorted.reduce((n, f) => n + f.bytes.length, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const f of sorted) {
    all.set(f.bytes, offset);
    offset += f.bytes.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return `sha256:${[...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const ext = (name: string) => name.toLowerCase().replace(/^.*\./, '.');

/** Reads the picked files as a model (CPU only: the session uploads it). Throws with the reason in words. */
export async function modelFromFiles(files: NamedBytes[]): Promise<ModelFiles> {
  if (!files.length) throw new Error('no file was given');
  const labelsFile = files.find((f) => ext(f.name) === '.txt');
  const labels = labelsFile ? parseLabels(new TextDecoder().decode(labelsFile.bytes)) : undefined;
  const onnx = files.find((f) => ext(f.name) === '.onnx');
  const json = files.find((f) => ext(f.name) === '.json');
  const safetensors = files.find((f) => ext(f.name) === '.safetensors');
  const key = await fileKey(files);
  if (onnx) {
    const { spec, weights } = onnxToSpec(onnx.bytes, { source: onnx.name, labels });
    return { spec, weights, name: onnx.name, key };
  }
  if (json) {
    if (!safetensors) throw new Error(`'${json.name}' is a model spec: open its .safetensors weights file together with it (select both files)`);
    let spec: ModelSpec;
    try {
      spec = JSON.parse(new TextDecoder().decode(json.bytes)) as ModelSpec;
    } catch (e) {
      throw new Error(`model spec '${json.name}' is not valid JSON: ${(e as Error).message}`);
    }
    if (!spec || typeof spec !== 'object' || !Array.isArray(spec.nodes) || !spec.input) {
      throw new Error(`'${json.name}' is JSON but not a model spec (it needs "input" and "nodes")`);
    }
    let weights: Map<string, HostTensor>;
    try {
      weights = parseSafetensors(safetensors.bytes);
    } catch (e) {
      throw new Error(`weights file '${safetensors.name}': ${(e as Error).message}`);
    }
    if (labels) spec.labels = labels;
    return { spec, weights, name: json.name, key };
  }
  const names = files.map((f) => `'${f.name}'`).join(', ');
  throw new Error(`${names}: open an ONNX model (.onnx), or a model spec (.json) with its weights (.safetensors)`);
}
