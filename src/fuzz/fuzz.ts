// The readers' fuzzer: mutated copies of valid files (seeds.ts, mutate.ts) read by each format's
// target (targets.ts) in a worker thread, one input at a time under a watchdog. Deterministic: input
// i of a format is a pure function of (seed, format, i), so a finding is replayed from its number.
//
// Outcomes of an input:
//   accepted  the reader read it (a mutation can leave a file valid)
//   rejected  it threw an Error whose message names the format or file (what we want for bad input)
//   unnamed   it threw an Error whose message does not say which file or format is at fault
//   internal  it leaked a JavaScript error (TypeError, RangeError, ...) or threw a non-Error
//   memory    reading it allocated more than MEMORY_FACTOR times the input's size (and 16 MiB)
//   hang      no answer within the per-input time limit (the worker is terminated and replaced)
//   crash     the worker died (out of memory, a native fault)
// Only the first two are passes.

import { Worker } from 'node:worker_threads';
import { hashSeed, Random } from '../data/concepts/random.ts';
import { mutate, type MutationName } from './mutate.ts';
import { FORMATS, makeSeeds, type FileSet, type FormatName } from './seeds.ts';
import { TARGETS } from './targets.ts';
import type { WorkerReply } from './worker.ts';
import type { Engine } from '../engine/engine.ts';
import { runOnGpu, type GpuOutcome } from './gpu-stage.ts';

export const OUTCOMES = ['accepted', 'rejected', 'unnamed', 'internal', 'memory', 'hang', 'crash'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const PASSING: readonly Outcome[] = ['accepted', 'rejected'];

/** An input may make a reader allocate this many times its own size (a PNG inflates ~1000x at most). */
export const MEMORY_FACTOR = 2048;
const MEMORY_FLOOR = 16 << 20;
const INTERNAL_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError', 'InternalError']);

export interface FuzzOptions {
  formats?: readonly FormatName[];
  /** Inputs per format. */
  count: number;
  /** Time box per format, in seconds (the run stops at count or at this, whichever comes first). */
  seconds?: number;
  seed: number;
  /** Per-input time limit, ms. */
  limitMs?: number;
  /** More ONNX seeds (tests: SqueezeNet 1.1). */
  extraOnnx?: Uint8Array[];
  onProgress?: (format: FormatName, done: number, counts: Record<Outcome, number>) => void;
  /** Called with each failing input (to save it as a regression case). */
  onFinding?: (finding: Finding, files: FileSet) => void;
  /** Also upload and run (on this engine) every model input the readers accepted (gpu-stage.ts). */
  gpu?: Engine;
}

export interface Finding {
  format: FormatName;
  index: number;
  outcome: Outcome;
  mutations: string[];
  message: string;
}

export interface FormatReport {
  format: FormatName;
  inputs: number;
  seconds: number;
  counts: Record<Outcome, number>;
  /** Slowest input, ms. */
  slowestMs: number;
  /** With options.gpu: what became of the accepted model inputs on the GPU. */
  gpu?: Record<GpuOutcome, number>;
  findings: Finding[];
}

const FORMAT_SALT: Record<FormatName, number> = { onnx: 1, model: 2, png: 3, jpeg: 4, broden: 5 };

/** Input `index` of a format: a seed file set with 1-2 of its files mutated. */
export function makeInput(format: FormatName, seeds: FileSet[], seed: number, index: number): { files: FileSet; mutations: string[] } {
  const rng = new Random(hashSeed(hashSeed(seed, FORMAT_SALT[format]), index));
  const base = rng.pick(seeds);
  const files: FileSet = { ...base };
  const names = Object.keys(base);
  // CSV files carry the dataset's structure; pick them more often than the many mask PNGs.
  const weighted = names.flatMap((n) => (n.endsWith('.csv') || n.endsWith('.json') ? [n, n, n, n, n, n] : [n]));
  const mutations: string[] = [];
  const times = names.length > 1 && rng.next() < 0.2 ? 2 : 1;
  for (let k = 0; k < times; k++) {
    const name = rng.pick(weighted);
    const others = seeds.map((s) => s[name]).filter((b): b is Uint8Array => !!b && b !== files[name]);
    const { bytes, mutations: applied } = mutate(files[name], rng, TARGETS[format].kind(name), others);
    files[name] = bytes;
    mutations.push(...applied.map((m: MutationName) => `${m}(${name})`));
  }
  return { files, mutations };
}

export function classify(format: FormatName, reply: WorkerReply, inputBytes: number): Outcome {
  if (reply.grownBytes > Math.max(MEMORY_FLOOR, MEMORY_FACTOR * inputBytes)) return 'memory';
  if (reply.ok) return 'accepted';
  if (!reply.errorClass || INTERNAL_ERRORS.has(reply.errorClass) || reply.errorClass !== 'Error' && !reply.errorClass.endsWith('Error')) return 'internal';
  if (!reply.message || !TARGETS[format].named.test(reply.message)) return 'unnamed';
  return 'rejected';
}

/** A worker that runs the TypeScript target under tsx's loader. */
function startWorker(): Worker {
  const url = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, {
    eval: true,
    // A reader that builds huge JS arrays dies here ('crash') instead of taking the fuzzer with it.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
    stdout: true,
    stderr: true,
  });
}

/** One input through a worker, under the time limit. The worker is replaced after a hang or crash. */
class Runner {
  private worker: Worker | null = null;

  constructor(private readonly limitMs: number) {}

  async run(id: number, format: FormatName, files: FileSet): Promise<{ reply?: WorkerReply; outcome?: 'hang' | 'crash'; message?: string }> {
    const worker = (this.worker ??= startWorker());
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: { reply?: WorkerReply; outcome?: 'hang' | 'crash'; message?: string }, dead: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (dead) {
          void worker.terminate();
          this.worker = null;
        }
        resolve(result);
      };
      const onMessage = (reply: WorkerReply) => reply.id === id && finish({ reply }, false);
      const onError = (e: Error) => finish({ outcome: 'crash', message: `worker died: ${e.message}` }, true);
      const onExit = (code: number) => finish({ outcome: 'crash', message: `worker exited with code ${code}` }, true);
      // The first input also waits for the worker to start (tsx compiles the readers): allow for it.
      const timer = setTimeout(() => finish({ outcome: 'hang', message: `no answer within ${this.limitMs} ms` }, true), this.limitMs + (id === 0 ? 30_000 : 0));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, format, files });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

export async function fuzz(options: FuzzOptions): Promise<FormatReport[]> {
  const formats = options.formats ?? FORMATS;
  const limitMs = options.limitMs ?? 10_000;
  const seeds = await makeSeeds(formats, options.extraOnnx);
  const reports: FormatReport[] = [];
  const runner = new Runner(limitMs);
  let id = 0;
  try {
    for (const format of formats) {
      const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
      const report: FormatReport = { format, inputs: 0, seconds: 0, counts, slowestMs: 0, findings: [] };
      const start = performance.now();
      for (let i = 0; i < options.count; i++) {
        if (options.seconds !== undefined && performance.now() - start > options.seconds * 1000) break;
        const { files, mutations } = makeInput(format, seeds[format], options.seed, i);
        const size = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
        const result = await runner.run(id++, format, files);
        const outcome = result.outcome ?? classify(format, result.reply!, size);
        counts[outcome]++;
        report.inputs++;
        if (result.reply) report.slowestMs = Math.max(report.slowestMs, result.reply.ms);
        if (!PASSING.includes(outcome)) {
          const finding: Finding = { format, index: i, outcome, mutations, message: result.message ?? `${result.reply!.errorClass ?? 'ok'}: ${result.reply!.message ?? `grew ${result.reply!.grownBytes} bytes`}` };
          report.findings.push(finding);
          options.onFinding?.(finding, files);
        }
        if (options.gpu && outcome === 'accepted' && (format === 'onnx' || format === 'model')) {
          const gpu = await runOnGpu(options.gpu, format, files);
          report.gpu ??= { ran: 0, skipped: 0, rejected: 0, failed: 0 };
          report.gpu[gpu.outcome]++;
          if (gpu.outcome === 'failed') {
            const finding: Finding = { format, index: i, outcome: 'crash', mutations, message: `on the GPU: ${gpu.message}` };
            report.findings.push(finding);
            options.onFinding?.(finding, files);
          }
        }
        options.onProgress?.(format, report.inputs, counts);
      }
      report.seconds = (performance.now() - start) / 1000;
      reports.push(report);
    }
  } finally {
    await runner.close();
  }
  return reports;
}

/** The summary table: one row per format, one column per outcome. */
export function formatReports(reports: FormatReport[]): string {
  const head = ['format', 'inputs', ...OUTCOMES, 'slowest ms', 'seconds'];
  const rows = reports.map((r) => [r.format, String(r.inputs), ...OUTCOMES.map((o) => String(r.counts[o])), r.slowestMs.toFixed(0), r.seconds.toFixed(0)]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const table = [head, ...rows].map((r) => r.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ')).join('\n');
  const gpu = reports.filter((r) => r.gpu).map((r) => `${r.format} accepted inputs on the GPU: ${Object.entries(r.gpu!).map(([o, n]) => `${n} ${o}`).join(', ')}`);
  return [table, ...gpu].join('\n');
}
