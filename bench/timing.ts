// How long one run of a row's work takes, measured the same way for our engine and for TF.js, which
// share one GPUDevice (and so one queue).
//
// 'timestamp' (when the device has 'timestamp-query'): GPU time between a timestamp written just
// before the work's first command and one written just after its last, both in queue order. The
// opening timestamp goes into the same command encoder as the work (ours: the engine's; TF.js: its
// backend's), so the CPU time spent recording before the first submit is not counted on either side.
// 'wall': CPU wall time from the call until the queue reports the submitted work done.
// Either way the queue is drained first, so earlier work never overlaps a measurement.
//
// A run shorter than MIN_WINDOW_MS (most kernels on a real GPU) is timed in batches: one window
// holds `runs` back-to-back runs, recorded one after another on the same side's encoder and queue,
// and the sample is the window's time divided by `runs`. calibrate() picks `runs` for each side
// (ours and TF.js alike) from its own first timed windows. A batch must reach the GPU in one
// submission: if a side submits part of it early (our engine every 512 dispatches, TF.js every 15),
// a fast GPU finishes that part and waits while the CPU records the rest, and the window would time
// the CPU (on an H200, a ReLU read 6 us a run in batches of 300, and 28 us in batches of 1000).

import type { Engine } from '../src/engine/engine.ts';
import type { Peer } from './peer.ts';

export type TimingMethod = 'timestamp' | 'wall';
export type Side = 'ours' | 'peer';

export interface Timed<T> {
  ms: number;
  result: T;
  /** The side submitted part of the work before the window closed (timestamp timing only). */
  split?: boolean;
}

/** What the batching needs of a Stopwatch (tests give it a fake clock). */
export interface Timer {
  time<T>(side: Side, work: () => T | Promise<T>): Promise<Timed<T>>;
}

/**
 * A window shorter than this is timed again as a batch of runs. Browsers quantize timestamps
 * (Dawn rounds them to 2^16 ns = 0.066 ms there, against timing attacks), and opening and closing
 * a window costs a few microseconds of its own: at 2 ms both are within a few percent.
 */
export const MIN_WINDOW_MS = 2;
/** How long a batched window aims to be: well past MIN_WINDOW_MS, so that noise does not tip it under. */
export const TARGET_WINDOW_MS = 10;
/** At most this many runs in one window: bounds a row whose runs read as zero even batched. */
export const MAX_RUNS_PER_SAMPLE = 1000;
/** How much a window that read as zero (below the timer's resolution) grows at the next try. */
const GROWTH_WHEN_ZERO = 100;

export interface Batch {
  /** The window's time divided by its runs. */
  msPerRun: number;
  /** The batch went to the GPU in more than one submission (see the header). */
  split: boolean;
}

/**
 * Runs `work` `runs` times back to back in one timing window and returns the time per run. Each
 * run's result is released right after the next run is recorded, and the last at the end: commands
 * execute in the order they are recorded, so a buffer released this way (our pool and TF.js's reuse
 * it in queue order) is only overwritten after the run that read it. At most two runs' outputs are
 * alive at once, as in a real loop.
 */
export async function timeBatch(timer: Timer, side: Side, work: () => unknown, runs: number, release: (result: unknown) => void): Promise<Batch> {
  const { ms, result, split } = await timer.time(side, async () => {
    let previous: unknown = undefined;
    for (let i = 0; i < runs; i++) {
      const current = await work();
      release(previous);
      previous = current;
    }
    return previous;
  });
  release(result);
  return { msPerRun: ms / runs, split: split ?? false };
}

export interface Calibrated {
  /** Runs per timing window from now on. */
  runsPerSample: number;
  /**
   * The single run's time when it was long enough alone: it is then the first sample. A batched
   * calibration window is not kept, since the first batch also pays for allocations (the pools'
   * second output buffer, which Dawn clears on first use).
   */
  sample?: number;
}

/**
 * Finds how many runs one window needs: a single run first, then, while the window is shorter
 * than MIN_WINDOW_MS, a batch sized to fill TARGET_WINDOW_MS, up to MAX_RUNS_PER_SAMPLE runs, then
 * halved until the batch goes to the GPU in one submission (so TF.js, which submits every 15
 * dispatches, gets short windows: exact in Node, where Dawn does not quantize; see device.ts).
 * A single run is taken as long enough alone only when the warm-up run (`warmupMs`, which pays for
 * compilation too, so is not shorter) was as well: one run of a short kernel sometimes takes
 * milliseconds on a busy CPU adapter. On a CPU adapter, where runs take longer, that single run is
 * simply the first sample, so a default run there costs nothing more.
 */
export async function calibrate(timer: Timer, side: Side, work: () => unknown, release: (result: unknown) => void, warmupMs = Infinity): Promise<Calibrated> {
  let runs = 1;
  let batch = await timeBatch(timer, side, work, runs, release);
  if (Math.min(batch.msPerRun, warmupMs) >= MIN_WINDOW_MS) return { runsPerSample: 1, sample: batch.msPerRun };
  do {
    const ms = batch.msPerRun;
    const wanted = ms > 0 ? Math.ceil(TARGET_WINDOW_MS / ms) : runs * GROWTH_WHEN_ZERO;
    runs = Math.min(MAX_RUNS_PER_SAMPLE, Math.max(wanted, 2 * runs));
    batch = await timeBatch(timer, side, work, runs, release);
  } while (!batch.split && batch.msPerRun * runs < MIN_WINDOW_MS && runs < MAX_RUNS_PER_SAMPLE);
  while (batch.split && runs > 1) {
    runs = Math.floor(runs / 2);
    batch = await timeBatch(timer, side, work, runs, release);
  }
  return { runsPerSample: runs };
}

export class Stopwatch implements Timer {
  readonly method: TimingMethod;
  private querySet: GPUQuerySet | null = null;
  private resolveBuffer: GPUBuffer | null = null;
  private readBuffer: GPUBuffer | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly peer: Peer | null,
    method?: TimingMethod,
  ) {
    this.method = method ?? (engine.hasTimestamps ? 'timestamp' : 'wall');
    if (this.method === 'timestamp') {
      if (!engine.hasTimestamps) throw new Error("bench: timestamp timing needs the device feature 'timestamp-query'");
      const device = engine.device;
      this.querySet = device.createQuerySet({ type: 'timestamp', count: 2, label: 'bench timestamps' });
      this.resolveBuffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'bench timestamps' });
      this.readBuffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'bench timestamps' });
    }
  }

  /** Runs `work` once (it records GPU work on `side` and may return tensors) and times it. */
  async time<T>(side: Side, work: () => T | Promise<T>): Promise<Timed<T>> {
    if (side === 'peer' && !this.peer) throw new Error('bench: no peer to time');
    await this.drain();
    return this.method === 'timestamp' ? this.timeWithTimestamps(side, work) : this.timeWall(side, work);
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }

  /** Submits everything both sides recorded and waits until the GPU is idle. */
  async drain(): Promise<void> {
    this.peer?.submit();
    await this.engine.sync();
  }

  private async timeWall<T>(side: Side, work: () => T | Promise<T>): Promise<Timed<T>> {
    const start = performance.now();
    const result = await work();
    if (side === 'peer') this.peer!.submit();
    await this.engine.sync(); // submits ours and waits for the whole queue
    return { ms: performance.now() - start, result };
  }

  private async timeWithTimestamps<T>(side: Side, work: () => T | Promise<T>): Promise<Timed<T>> {
    const querySet = this.querySet!;
    const opening = side === 'ours' ? this.engine.commandEncoder() : this.peer!.commandEncoder();
    opening.beginComputePass({ label: 'bench start', timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();

    const result = await work();

    // Each side replaces its encoder when it submits: another encoder now means part of the work
    // already went to the GPU.
    const split = (side === 'ours' ? this.engine.commandEncoder() : this.peer!.commandEncoder()) !== opening;
    if (side === 'peer') this.peer!.submit();
    const closing = this.engine.commandEncoder();
    closing.beginComputePass({ label: 'bench end', timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
    closing.resolveQuerySet(querySet, 0, 2, this.resolveBuffer!, 0);
    closing.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16);
    await this.engine.sync();
    await this.readBuffer!.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(this.readBuffer!.getMappedRange().slice(0));
    this.readBuffer!.unmap();
    return { ms: Number(end - begin) / 1e6, result, split };
  }
}
