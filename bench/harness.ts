// The bench harness: rows, how each is measured, and what is reported. The same code runs in Node
// (run-node.ts) and on the page (page.ts).
//
// A row is one operation at one shape: our engine's version and, where TF.js has the same
// operation, the peer's. A row prepares its inputs once (outside the timing), then each side is
// run once to warm up (pipeline compilation, TF.js's first upload) and then repeatedly, the sides'
// samples taken in turn (so that a slow spell of the machine falls on each side alike); the
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
    // Ours, TF.js's and (for memory-bound rows) the copy kernel's, sampled in turn.
    const sides: SideWork[] = [{ side: 'ours', work: prepared.ours }];
    const peerAt = prepared.peer && ctx.peer
      ? sides.push({
        side: 'peer', work: prepared.peer, optional: true,
        // A failure of TF.js's version leaves our measurement standing.
        onError: async (e) => {
          result.note = [result.note, `TF.js failed: ${e instanceof Error ? e.message : e}`].filter(Boolean).join('; ');
          await watch.drain().catch(() => {});
        },
      }) - 1
      : -1;
    const copy = row.kind === 'memory' && row.bytes && !isCopyProbe(row) ? copyWork(ctx, result.bytes!) : null;
    const copyAt = copy ? sides.push({ side: 'ours', work: copy.work }) - 1 : -1;
    try {
      const stats = await measureSides(watch, sides, options);
      result.ours = stats[0]!;
      if (peerAt >= 0) result.peer = stats[peerAt] ?? undefined;
      if (copyAt >= 0) result.copy = stats[copyAt]!;
    } finally {
      copy?.dispose();
    }
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

/** The copy kernel moving `bytes` (half read, half written), as a side of a row. */
function copyWork(ctx: BenchContext, bytes: number): { work: Work; dispose(): void } {
  const size = Math.max(4, Math.ceil(bytes / 8 / 4) * 4);
  const src = ctx.engine.zeros([size]);
  const dst = ctx.engine.zeros([size]);
  return {
    work: () => copyInto(ctx.engine, src, dst),
    dispose: () => {
      src.dispose();
      dst.dispose();
    },
  };
}

/** One side of a row to measure; an optional side's failure drops it (after onError) instead of the row. */
interface SideWork {
  side: Side;
  work: Work;
  optional?: boolean;
  onError?: (e: unknown) => Promise<void>;
}

/** A side warmed up and calibrated, collecting samples. */
interface SideRun {
  source: SideWork;
  firstMs: number;
  minReps: number;
  runsPerSample: number;
  samples: number[];
  spent: number;
}

/** Measures one side of a row: warm-up, calibration (how many runs a window needs), then samples. */
export async function measureSide(watch: Timer, side: Side, work: Work, options: BenchOptions): Promise<Stats> {
  const [stats] = await measureSides(watch, [{ side, work }], options);
  return stats!;
}

/**
 * Measures several sides of a row: each is warmed up and calibrated, then their samples are taken
 * in turn until each has its repetitions (or has spent its time budget). Stats in the order given;
 * null for an optional side that failed.
 */
export async function measureSides(watch: Timer, sides: SideWork[], options: BenchOptions): Promise<(Stats | null)[]> {
  const runs: (SideRun | null)[] = [];
  for (const s of sides) runs.push(await guarded(s, () => startSide(watch, s, options)));
  for (;;) {
    const pending = runs.filter((r): r is SideRun => r !== null && wantsMore(r, options));
    if (pending.length === 0) break;
    for (const run of pending) {
      const ok = await guarded(run.source, async () => {
        const { msPerRun } = await timeBatch(watch, run.source.side, run.source.work, run.runsPerSample, release);
        run.samples.push(msPerRun);
        run.spent += msPerRun * run.runsPerSample;
        return true;
      });
      if (!ok) runs[runs.indexOf(run)] = null;
    }
  }
  return runs.map((r) => (r ? { ...summarize(r.samples), firstMs: r.firstMs, runsPerSample: r.runsPerSample } : null));
}

/** Runs f for side s; an optional side's failure is reported to its onError and gives null. */
async function guarded<T>(s: SideWork, f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (!s.optional) throw e;
    await s.onError?.(e);
    return null;
  }
}

/** Warms side s up and calibrates how many runs a sample takes (calibration may yield a sample). */
async function startSide(watch: Timer, s: SideWork, options: BenchOptions): Promise<SideRun> {
  let firstMs = NaN;
  for (let i = 0; i < Math.max(1, options.warmup); i++) {
    const { ms, result } = await watch.time(s.side, s.work);
    release(result);
    if (i === 0) firstMs = ms;
  }
  // A side whose warm-up alone took longer than three budgets (TF.js's slowest kernels on a CPU
  // adapter) gets one timed run: its spread is then that single run.
  const minReps = firstMs > 3 * options.budgetMs && options.budgetMs > 0 ? 1 : options.minReps;
  const { runsPerSample, sample } = await calibrate(watch, s.side, s.work, release, firstMs);
  return { source: s, firstMs, minReps, runsPerSample, samples: sample === undefined ? [] : [sample], spent: sample ?? 0 };
}

function wantsMore(r: SideRun, options: BenchOptions): boolean {
  return r.samples.length < options.reps && (r.samples.length < r.minReps || r.spent < options.budgetMs);
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
