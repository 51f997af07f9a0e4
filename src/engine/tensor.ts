import type { Engine } from './engine.ts';
import type { PooledBuffer } from './buffer-pool.ts';

export type DType = 'f32' | 'i32';

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A GPU-resident array. Created by the engine; freed by dispose(), never by the garbage collector. */
export class Tensor {
  readonly shape: number[];
  readonly size: number;
  private pooled: PooledBuffer | null;

  constructor(
    readonly engine: Engine,
    pooled: PooledBuffer,
    shape: readonly number[],
    readonly dtype: DType,
  ) {
    this.shape = [...shape];
    this.size = shapeSize(shape);
    this.pooled = pooled;
  }

  get byteLength(): number {
    return this.size * 4;
  }

  get disposed(): boolean {
    return this.pooled === null;
  }

  /** The underlying buffer; throws if the tensor was disposed. */
  get buffer(): GPUBuffer {
    if (!this.pooled) throw new Error(`Tensor ${shapeString(this.shape)} was used after dispose()`);
    return this.pooled.buffer;
  }

  /** @internal */
  get pooledBuffer(): PooledBuffer {
    if (!this.pooled) throw new Error(`Tensor ${shapeString(this.shape)} was used after dispose()`);
    return this.pooled;
  }

  read(): Promise<Float32Array | Int32Array> {
    return this.engine.read(this);
  }

  /** Reads a float tensor; throws for an int tensor. */
  async readFloat(): Promise<Float32Array> {
    const data = await this.engine.read(this);
    if (!(data instanceof Float32Array)) throw new Error(`readFloat() on an i32 tensor ${shapeString(this.shape)}`);
    return data;
  }

  /**
   * A tensor sharing this one's storage under another shape of the same size (no copy).
   * Each view is disposed on its own; the storage is freed when the last one is.
   */
  reshape(shape: number[]): Tensor {
    if (shapeSize(shape) !== this.size || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new Error(`reshape: cannot view ${shapeString(this.shape)} (${this.size} elements) as ${shapeString(shape)}`);
    }
    const pooled = this.pooledBuffer;
    pooled.refs++;
    return new Tensor(this.engine, pooled, shape, this.dtype);
  }

  dispose(): void {
    if (!this.pooled) return;
    if (--this.pooled.refs === 0) this.engine.release(this.pooled);
    this.pooled = null;
  }
}
