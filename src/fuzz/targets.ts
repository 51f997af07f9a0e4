// What the fuzzer feeds each format to: the same reading and checking a user's file gets before any
// GPU work (onnxToSpec + checkModel; JSON.parse + parseSafetensors + checkModel; decodeImageNode
// and decodeLabelPng; loadBroden and every image's picture and masks). `named` is what an error's
// message must mention for the error to count as naming the file's problem.

import { decodeImageNode } from '../data/image-node.ts';
import { decodeLabelPng } from '../data/png.ts';
import { loadBroden } from '../data/broden.ts';
import { onnxToSpec } from '../models/onnx/import.ts';
import { parseSafetensors } from '../models/safetensors.ts';
import { checkModel } from '../models/model-check.ts';
import type { FileSet, FormatName } from './seeds.ts';

const fs = () => process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = () => process.getBuiltinModule('node:path') as typeof import('node:path');

export interface Target {
  /** How files of this format are mutated. */
  kind: (file: string) => 'binary' | 'png' | 'protobuf' | 'text';
  named: RegExp;
  /** Reads the input; `scratch` is a directory the target may fill (it is emptied first). */
  run: (files: FileSet, scratch: string) => void;
}

function only(files: FileSet): [string, Uint8Array] {
  return Object.entries(files)[0];
}

/** Writes a file set under `dir` (subfolders as needed). */
export function writeFileSet(dir: string, files: FileSet): void {
  fs().rmSync(dir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    const file = path().join(dir, name);
    fs().mkdirSync(path().dirname(file), { recursive: true });
    fs().writeFileSync(file, bytes);
  }
}

export const TARGETS: Record<FormatName, Target> = {
  onnx: {
    kind: () => 'protobuf',
    named: /ONNX/,
    run: (files) => {
      const [name, bytes] = only(files);
      const { spec, weights } = onnxToSpec(bytes, { source: name });
      checkModel(spec, weights);
    },
  },
  model: {
    kind: (file) => (file.endsWith('.json') ? 'text' : 'binary'),
    named: /model spec|model node|model output|safetensors|weights/,
    run: (files) => {
      let spec: unknown;
      try {
        spec = JSON.parse(new TextDecoder().decode(files['model.json']));
      } catch (e) {
        throw new Error(`model spec 'model.json' is not valid JSON: ${(e as Error).message}`);
      }
      checkModel(spec, parseSafetensors(files['model.safetensors']));
    },
  },
  png: {
    kind: () => 'png',
    named: /PNG|image/,
    run: (files) => {
      const [name, bytes] = only(files);
      decodeImageNode(bytes, name);
      decodeLabelPng(bytes, name);
    },
  },
  jpeg: {
    kind: () => 'binary',
    named: /JPEG|image/,
    run: (files) => {
      const [name, bytes] = only(files);
      decodeImageNode(bytes, name);
    },
  },
  broden: {
    kind: (file) => (file.endsWith('.csv') ? 'text' : file.endsWith('.png') ? 'png' : 'binary'),
    // Errors from a picture or mask name its path (and PNG/JPEG); those from the tables, loadBroden.
    named: /loadBroden|loadImage|loadLabelMasks|PNG|JPEG/,
    run: (files, scratch) => {
      writeFileSet(scratch, files);
      const data = loadBroden(scratch);
      // Every row is parsed; pictures and masks are decoded for the first 8 rows and the last. A
      // mutation that repeats a row 2000 times makes an index of 2000 images, and decoding them
      // all is work in proportion to the input (seconds), not a hang: fuzz time is better spent elsewhere.
      const n = data.images.length;
      for (const i of new Set([...Array(Math.min(8, n)).keys(), n - 1])) {
        if (i < 0) continue;
        data.loadImage(i);
        for (const c of data.categories) data.loadLabelMasks(i, c.name);
      }
    },
  },
};
