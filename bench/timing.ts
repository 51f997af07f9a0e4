// How long one run of a row's work takes, measured the same way for our engine and for TF.js, which
// share one GPUDevice (and so one queue).
//
// 'timestamp' (when the device has 'timestamp-query'): GPU time between a timestamp written just
// before the work's first command and one written just after its last, both in queue order. The
// opening timestamp goes into the same command encoder as the work (ours: the engine's; TF.js: its
// backend's), so the CPU time spent recording before the first submit is not counted on either side.
// 'wall': CPU wall time from the call until the queue reports the submitted work done.
// Either way the queue is drained first, so earlier work never overlaps a measurement.

import type { Engine } from '../src/engine/engine.ts';
import type { Peer } from './peer.ts';

export type TimingMethod = 'timestamp' | 'wall';
export type Side = 'ours' | 'peer';

export interface Timed<T> {
  ms: number;
  result: T;
}

export class Stopwatch {
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

    if (side === 'peer') this.peer!.submit();
    const closing = this.engine.commandEncoder();
    closing.beginComputePass({ label: 'bench end', timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
    closing.resolveQuerySet(querySet, 0, 2, this.resolveBuffer!, 0);
    closing.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16);
    await this.engine.sync();
    await this.readBuffer!.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(this.readBuffer!.getMappedRange().slice(0));
    this.readBuffer!.unmap();
    return { ms: Number(end - begin) / 1e6, result };
  }
}
