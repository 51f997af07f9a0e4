// An engine with a small storage-binding limit, to exercise the paths for tensors too large to
// bind whole without allocating hundreds of megabytes.

import { createEngine, type Engine } from '../../src/index.ts';
import type { Tuning } from '../../src/engine/engine.ts';

export async function createSmallEngine(bytes = 1 << 20, tuning: 'auto' | Tuning = 'auto'): Promise<Engine> {
  // The engine applies a limit below WebGPU's default itself (the device never goes below 128 MiB).
  return createEngine({ limits: { maxStorageBufferBindingSize: bytes }, tuning });
}
