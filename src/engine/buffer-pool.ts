// Storage buffers pooled by size class. A released buffer is reused by later GPU work right away
// (commands run in the order they are recorded), but a CPU upload (queue.writeBuffer) into it must
// wait until the commands recorded before its release have been submitted: the engine checks
// `releasedInEpoch` for that.

export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export interface PooledBuffer {
  buffer: GPUBuffer;
  size: number; // the size class, >= what was asked for
  releasedInEpoch: number;
  /** The submit epoch in which zeros() recorded a clear of it (-1: none). */
  clearedInEpoch?: number;
  refs: number; // tensors viewing this buffer (reshape shares storage)
}

/** Rounds up to a size class: powers of two split into 8 steps, so at most 12.5% is wasted. */
export function sizeClass(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 8;
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private free = new Map<number, PooledBuffer[]>();
  liveBytes = 0; // handed out, not yet released
  pooledBytes = 0; // held in the free lists
  private label: string;

  constructor(private device: GPUDevice, label = 'convsight') {
    this.label = label;
  }

  acquire(bytes: number): PooledBuffer {
    const size = sizeClass(Math.max(4, bytes));
    const list = this.free.get(size);
    let pooled = list?.pop();
    if (pooled) {
      this.pooledBytes -= size;
    } else {
      pooled = {
        buffer: this.device.createBuffer({ size, usage: STORAGE_USAGE, label: `${this.label} tensor ${size}B` }),
        size,
        releasedInEpoch: -1,
        refs: 0,
      };
    }
    pooled.refs = 1;
    this.liveBytes += size;
    return pooled;
  }

  release(pooled: PooledBuffer, epoch: number): void {
    pooled.releasedInEpoch = epoch;
    this.liveBytes -= pooled.size;
    this.pooledBytes += pooled.size;
    let list = this.free.get(pooled.size);
    if (!list) this.free.set(pooled.size, (list = []));
    list.push(pooled);
  }

  /** Destroys every pooled (free) buffer, e.g. after a large job. */
  trim(): void {
    for (const list of this.free.values()) for (const p of list) p.buffer.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }
}
