// The fuzzer's optional GPU stage (--gpu): a model input that the readers accepted is uploaded and
// run once (a forward pass on a zero image) on one engine for the whole run, so that what passes the
// checks is also what the engine can run. Models whose layers are large are skipped: a mutated pad
// of 60,000 can pass the checks (2^30 values per layer) and would take gigabytes of the machine's
// memory under SwiftShader.

import type { Engine } from '../engine/engine.ts';
import { buildModel } from '../models/model.ts';
import { checkModel } from '../models/model-check.ts';
import { onnxToSpec } from '../models/onnx/import.ts';
import { parseSafetensors, type HostTensor } from '../models/safetensors.ts';
import type { ModelSpec } from '../models/spec.ts';
import type { FileSet, FormatName } from './seeds.ts';

/** Layers up to this many values (16 MiB of float32) are run; larger models are skipped. */
const MAX_RUN_ELEMENTS = 1 << 22;

export type GpuOutcome = 'ran' | 'skipped' | 'rejected' | 'failed';

const GPU_INTERNAL = /GPU (validation error|out of memory)|device (was )?lost|failed to compile/i;

export async function runOnGpu(engine: Engine, format: FormatName, files: FileSet): Promise<{ outcome: GpuOutcome; message?: string }> {
  let spec: ModelSpec;
  let weights: Map<string, HostTensor>;
  if (format === 'onnx') ({ spec, weights } = onnxToSpec(Object.values(files)[0]));
  else if (format === 'model') {
    spec = JSON.parse(new TextDecoder().decode(files['model.json']));
    weights = parseSafetensors(files['model.safetensors']);
  } else return { outcome: 'skipped' };
  const shapes = checkModel(spec, weights);
  if ([...shapes.values()].some((s) => s.reduce((a, b) => a * b, 1) > MAX_RUN_ELEMENTS)) return { outcome: 'skipped' };
  try {
    const model = await buildModel(engine, spec, weights);
    const x = engine.zeros([1, ...spec.input.shape]);
    try {
      const outputs = await model.forward(x);
      await outputs.get(spec.output)!.read();
      for (const t of outputs.values()) t.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
    return { outcome: 'ran' };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const internal = !(e instanceof Error) || e.constructor !== Error || GPU_INTERNAL.test(message);
    return { outcome: internal ? 'failed' : 'rejected', message };
  }
}
