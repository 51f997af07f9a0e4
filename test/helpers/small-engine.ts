// An engine with a small storage-binding limit, to exercise the paths for tensors too large to
// bind whole without allocating hundreds of megabytes.

import { createEngine, type Engine } from '../../src/index.ts';

export async function createSmallEngine(bytes = 1 << 20): Promise<Engine> {
  const engine = await createEngine({ limits: { maxStorageBufferBindingSize: bytes } });
  // WebGPU raises a limit requested below its default (128 MiB) back to the default, so the
  // device alone would not enforce it; the engine's own binding check is what the ops obey.
  engine.limits.maxStorageBufferBindingSize = Math.min(engine.limits.maxStorageBufferBindingSize, bytes);
  return engine;
}
