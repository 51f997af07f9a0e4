// The fuzzer's worker thread: reads one input at a time with its format's target and reports what
// happened. It runs apart from the fuzzer so that a hang can be stopped (the worker is terminated)
// and a crash (out of memory, a native fault) takes down only the worker.

import { parentPort, threadId } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { TARGETS } from './targets.ts';
import type { FileSet, FormatName } from './seeds.ts';

export interface WorkerRequest {
  id: number;
  format: FormatName;
  files: FileSet;
}

export interface WorkerReply {
  id: number;
  ok: boolean;
  /** The thrown value's class name ('Error', 'TypeError', ...), or its typeof when it is no Error. */
  errorClass?: string;
  message?: string;
  /** Growth of ArrayBuffer memory while reading (not collected in between): what the input made the reader allocate. */
  grownBytes: number;
  ms: number;
}

const scratch = join(tmpdir(), `convsight-fuzz-${process.pid}-${threadId}`);

parentPort!.on('message', (request: WorkerRequest) => {
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let reply: Omit<WorkerReply, 'grownBytes' | 'ms'>;
  try {
    TARGETS[request.format].run(request.files, scratch);
    reply = { id: request.id, ok: true };
  } catch (e) {
    reply = {
      id: request.id,
      ok: false,
      errorClass: e instanceof Error ? e.constructor.name : typeof e,
      message: e instanceof Error ? e.message : String(e),
    };
  }
  const ms = performance.now() - start;
  parentPort!.postMessage({ ...reply, grownBytes: process.memoryUsage().arrayBuffers - before, ms } satisfies WorkerReply);
});

process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
