// The bench harness: rows, how each is measured, and what is reported. The same code runs in Node
// (run-node.ts) and on the page (page.ts).
//
// A row is one operation at one shape: our engine's version and, where TF.js has the same
// operation, the peer's. A row prepares its inputs once (outside the timing), then each side is
// run once to warm up (pipeline compilation, TF.js's first upload) and then repeatedly; the
// median is reported with the spread. A side whose run is too short to time alone (under
// MIN_WINDOW_MS, see timing.ts) is timed in windows of several back-to-back runs, and its samples
// are times per run. Anything that can be called as "run it once" can be a row:
// a kernel, a whole network, a training step, or later one step of a visualization method.

import type { AdapterInfo, Engine, Tuning } from '../src/engine/engine.ts';
import type { Peer } from './peer.ts';
import { calibrate, Stopwatch, timeBatch, type Side, type Timer, type TimingMethod } from './timing.ts';
import { copyInto } from './copy.ts';

/**
 * 'compute' rows report GFLOP/s; 'memory' rows GB/s, and their speed as a fraction of the copy
 * kernel's moving the same number of bytes (measured beside each memory row, so that cache effects
 * at small sizes favour neither).
 */
export type RowKind = 'compute' | 'memory';

/** What the row should reach (GitHub issue 6): a speed-up over TF.js, or a fraction of copy bandwidth. */
export type Goal = { kind: 'speedup'; min: number } | { kind: 'bandwidth'; min: number };

/** Runs the operation once; may return tensors (ours or TF.js's), which the harness disposes. */
export type Work = () => unknown;

export interface Prepared {
  ours: Work;
  /** The same operation in TF.js, when it has one. */
  peer?: Work;
  /** Anything a reader of the table should know, e.g. how the peer's version differs. */
  note?: string;
  /** Figures only known once the inputs exist (e.g. a loaded model's FLOPs); they replace the row's. */
  shape?: string;
  flops?: number;
  bytes?: number;
  dispose(): void;
}

export interface Row {
  /** The layer or network, e.g. 'AlexNet conv2'. */
  group: string;
  /** The operation, e.g. 'conv2d forward'. */
  name: string;
  /** Human-readable shape, e.g. '8x96x27x27 -> 256, 5x5 p2 g2'. */
  shape: string;
  kind: RowKind;
  /** Floating-point operations of one run (multiply-add = 2), for compute rows. */
  flops?: number;
  /** Bytes one run must read and write at least, for memory rows. */
  bytes?: number;
  goal?: Goal;
  /** Creates the inputs; throw Skip when the row cannot run here (a kernel not written yet, a missing model). */
  prepare(ctx: BenchContext): Prepared | Promise<Prepared>;
}

export interface BenchContext {
  engine: Engine;
  /** TF.js on the engine's device, or null when it could not be started (rows then run without a peer). */
  peer: Peer | null;
  quick: boolean;
  /** Reads a file the bench may use when present (e.g. ../shared/models/...); null when absent. */
  loadAsset(path: string): Promise<Uint8Array | null>;
}

/** Thrown by Row.prepare: the row is listed as skipped, with this message as its note. */
export class Skip extends Error {}

export interface Stats {
  /** Milliseconds per run (0 when even a batch of runs was below the timer's resolution). */
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  samples: number[];
  /** The warm-up run (includes pipeline compilation). */
  firstMs: number;
  /** Runs timed together in each sample's window (1 unless a run is shorter than MIN_WINDOW_MS). */
  runsPerSample: number;
}

export interface RowResult {
  group: string;
  name: string;
  shape: string;
  kind: RowKind;
  flops?: number;
  bytes?: number;
  goal?: Goal;
  status: 'ok' | 'skipped' | 'error';
  note?: string;
  ours?: Stats;
  peer?: Stats;
  /** Peer median time / our median time. */
  speedup?: number;
  gflops?: number;
  gbps?: number;
  /** Memory rows: the copy kernel moving the same bytes (half read, half written). */
  copy?: Stats;
  /** Memory rows: copy time / our time, i.e. our GB/s over the copy kernel's at the same size. */
  copyFraction?: number;
  /** Whether the goal is met; undefined when the row has no goal or it could not be measured. */
  met?: boolean;
}

export interface BenchOptions {
  /** Timed runs per side (after the warm-up), at most. */
  reps: number;
  /** Timed runs per side at least, even past the time budget (one when the warm-up took over 3 budgets). */
  minReps: number;
  warmup: number;
  /** Stop adding runs to a side once its timed runs have taken this long (and minReps are done). */
  budgetMs: number;
  /** Only rows whose group, name or shape contains this (case-insensitive). */
  filter?: string;
  timing?: TimingMethod;
}

export interface BenchReport {
  date: string;
  adapter: AdapterInfo;
  /** Which of our kernel variants ran (see EngineOptions.tuning); absent in older reports. */
  tuning?: Tuning;
  timing: TimingMethod;
  quick: boolean;
  peer: string | null;
  options: BenchOptions;
  /** The copy probe row's bandwidth, GB/s: the adapter's headline figure. */
  copyGBps?: number;
  rows: RowResult[];
}

export interface Progress {
  done: number;
  total: number;
  /** The row being measured now, or null when finished. */
  current: string | null;
  last?: RowResult;
}

/** The row whose bandwidth is the 100% of the memory rows. */
export const COPY_PROBE = { group: 'copy probe', name: 'copy kernel' };

export function isCopyProbe(row: Pick<Row, 'group' | 'name'>): boolean {
  return row.group === COPY_PROBE.group && row.name === COPY_PROBE.name;
}

export function rowLabel(row: Pick<Row, 'group' | 'name'>): string {
  return `${row.group} ${row.name}`;
}

export function selectRows(rows: Row[], filter?: string): Row[] {
  if (!filter) return rows;
  const f = filter.toLowerCase();
  return rows.filter((r) => `${r.group} ${r.name} ${r.shape}`.toLowerCase().includes(f));
}

export async function runBench(ctx: BenchContext, allRows: Row[], options: BenchOptions, onProgress?: (p: Progress) => void): Promise<BenchReport> {
  const rows = selectRows(allRows, options.filter);
  const watch = new Stopwatch(ctx.engine, ctx.peer, options.timing);
  const results: RowResult[] = [];
  let copyGBps: number | undefined;
  try {
    for (const row of rows) {
      onProgress?.({ done: results.length, total: rows.length, current: rowLabel(row) });
      const result = await measureRow(ctx, watch, row, options);
      if (isCopyProbe(row) && result.ours && result.ours.median > 0) copyGBps = row.bytes! / (result.ours.median / 1000) / 1e9;
      results.push(result);
      onProgress?.({ done: results.length, total: rows.length, current: null, last: result });
    }
  } finally {
    watch.destroy();
  }
  for (const r of results) judge(r);
  return {
    date: new Date().toISOString(),
    adapter: ctx.engine.adapterInfo,
    tuning: ctx.engine.tuning,
    timing: watch.method,
    quick: ctx.quick,
    peer: ctx.peer ? 'TensorFlow.js tfjs-backend-webgpu (same GPUDevice)' : null,
    options,
    copyGBps,
    rows: results,
  };
}

async function measureRow(ctx: BenchContext, watch: Stopwatch, row: Row, options: BenchOptions): Promise<RowResult> {
  const { prepare: _prepare, ...description } = row;
  const result: RowResult = { ...description, status: 'ok' };
  let prepared: Prepared | null = null;
  try {
    prepared = await row.prepare(ctx);
    result.note = prepared.note;
    result.shape = prepared.shape ?? result.shape;
    result.flops = prepared.flops ?? result.flops;
    result.bytes = prepared.bytes ?? result.bytes;
    result.ours = await measureSide(watch, 'ours', prepared.ours, options);
    if (prepared.peer && ctx.peer) {
      // A failure of TF.js's version leaves our measurement standing.
      try {
        result.peer = await measureSide(watch, 'peer', prepared.peer, options);
      } catch (e) {
        result.note = [result.note, `TF.js failed: ${e instanceof Error ? e.message : e}`].filter(Boolean).join('; ');
        await watch.drain().catch(() => {});
      }
    }
    if (row.kind === 'memory' && row.bytes && !isCopyProbe(row)) result.copy = await measureCopy(ctx, watch, result.bytes!, options);
  } catch (e) {
    result.status = e instanceof Skip ? 'skipped' : 'error';
    const message = e instanceof Error ? e.message : String(e);
    result.note = result.note ? `${message} (${result.note})` : message;
    // Leave the device clean for the next row: drop GPU errors this row left behind.
    await watch.drain().catch(() => {});
  } finally {
    prepared?.dispose();
  }
  return result;
}

/** The copy kernel moving `bytes` (half read, half written), measured like a row. */
async function measureCopy(ctx: BenchContext, watch: Stopwatch, bytes: number, options: BenchOptions): Promise<Stats> {
  const size = Math.max(4, Math.ceil(bytes / 8 / 4) * 4);
  const src = ctx.engine.zeros([size]);
  const dst = ctx.engine.zeros([size]);
  try {
    return await measureSide(watch, 'ours', () => copyInto(ctx.engine, src, dst), options);
  } finally {
    src.dispose();
    dst.dispose();
  }
}

/** Measures one side of a row: warm-up, calibration (how many runs a window needs), then samples. */
export async function measureSide(watch: Timer, side: Side, work: Work, options: BenchOptions): Promise<Stats> {
  let firstMs = NaN;
  for (let i = 0; i < Math.max(1, options.warmup); i++) {
    const { ms, result } = await watch.time(side, work);
    release(result);
    if (i === 0) firstMs = ms;
  }
  // A side whose warm-up alone took longer than three budgets (TF.js's slowest kernels on a CPU
  // adapter) gets one timed run: its spread is then that single run.
  const minReps = firstMs > 3 * options.budgetMs && options.budgetMs > 0 ? 1 : options.minReps;
  const { runsPerSample, sample } = await calibrate(watch, side, work, release, firstMs);
  const samples: number[] = sample === undefined ? [] : [sample];
  let spent = sample ?? 0;
  while (samples.length < options.reps && (samples.length < minReps || spent < options.budgetMs)) {
    const { msPerRun } = await timeBatch(watch, side, work, runsPerSample, release);
    samples.push(msPerRun);
    spent += msPerRun * runsPerSample;
  }
  return { ...summarize(samples), firstMs, runsPerSample };
}

/** Disposes what a run returned: tensors of either side, in arrays, maps or plain objects. */
export function release(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof (value as { dispose?: unknown }).dispose === 'function') {
    (value as { dispose(): void }).dispose();
  } else if (Array.isArray(value)) {
    value.forEach(release);
  } else if (value instanceof Map) {
    value.forEach(release);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    Object.values(value).forEach(release);
  }
}

export function summarize(samples: number[]): Omit<Stats, 'firstMs' | 'runsPerSample'> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return { median: at(0.5), min: sorted[0], max: sorted[sorted.length - 1], q1: at(0.25), q3: at(0.75), samples };
}

/**
 * Fills in the derived figures and whether the goal is met. A median of 0 (below the timer's
 * resolution even batched) gives no rate or ratio, and so no verdict.
 */
export function judge(r: RowResult): void {
  if (r.status !== 'ok' || !r.ours || !(r.ours.median > 0)) return;
  const seconds = r.ours.median / 1000;
  if (r.peer && r.peer.median > 0) r.speedup = r.peer.median / r.ours.median;
  if (r.flops) r.gflops = r.flops / seconds / 1e9;
  if (r.bytes) r.gbps = r.bytes / seconds / 1e9;
  if (r.copy && r.copy.median > 0) r.copyFraction = r.copy.median / r.ours.median;
  if (r.goal?.kind === 'speedup' && r.speedup !== undefined) r.met = r.speedup >= r.goal.min;
  if (r.goal?.kind === 'bandwidth' && r.copyFraction !== undefined) r.met = r.copyFraction >= r.goal.min;
}
