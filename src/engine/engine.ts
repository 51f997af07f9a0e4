// The engine: one GPUDevice, a buffer pool, a pipeline cache, and one command encoder that
// batches every dispatch until a result is read back (or flush() is called).

import { acquireDevice, type AcquiredDevice } from './device.ts';
import { BufferPool, type PooledBuffer } from './buffer-pool.ts';
import { kernelInfo, packUniforms, type KernelInfo, type UniformValues } from './kernel.ts';
import { Tensor, shapeSize, shapeString, type DType } from './tensor.ts';
import { createOps, createGrads, type Ops, type Grads } from '../ops/index.ts';

export interface EngineOptions {
  /** Use this device instead of requesting one. */
  device?: GPUDevice;
  /** Lower the device's limits, e.g. { maxStorageBufferBindingSize: 1 << 20 } to test the large-tensor paths. */
  limits?: Partial<Record<string, number>>;
  /**
   * Which kernel variants to use where there are two: 'cpu' (large register tiles, no barriers:
   * what a CPU driver such as SwiftShader runs fastest) or 'gpu' (workgroup-shared tiles and many
   * threads: what a real GPU needs). 'auto' (the default) picks by the adapter; tests set it to
   * exercise both variants on one machine.
   */
  tuning?: 'auto' | Tuning;
}

export type Tuning = 'cpu' | 'gpu';

/** Thrown by every engine call (and pending read) once the GPU device is lost; a new engine works. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** Whether an adapter is a CPU implementation of WebGPU (SwiftShader, lavapipe, llvmpipe, WARP). */
export function isCpuAdapter(info: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean }): boolean {
  if (info.isFallbackAdapter) return true;
  return /swiftshader|lavapipe|llvmpipe|warp/i.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`);
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
}

/** A storage binding: a whole tensor, or a byte range of one (to bind pieces of tensors too large to bind whole). */
export type Binding = Tensor | { tensor: Tensor; offset: number; size: number };

export interface DispatchSpec {
  /** Storage bindings by the names declared in the shader. Every one must be given, and no other. */
  bindings: Record<string, Binding>;
  uniforms?: UniformValues;
  /** Values for the shader's `override` constants (e.g. workgroup size); part of the pipeline cache key. */
  overrides?: Record<string, number>;
  /** Workgroup count: a number is folded into 2-D when it exceeds the per-dimension limit. */
  workgroups: number | [number, number, number?];
}

const DISPATCHES_PER_SUBMIT = 512;

export class Engine {
  readonly device: GPUDevice;
  readonly adapterInfo: AdapterInfo;
  readonly limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxStorageBuffersPerShaderStage: number; maxComputeWorkgroupsPerDimension: number; minStorageBufferOffsetAlignment: number };
  readonly hasTimestamps: boolean;
  /** The kernel variants in use (see EngineOptions.tuning). */
  readonly tuning: Tuning;
  readonly pool: BufferPool;
  readonly ops: Ops;
  readonly grad: Grads;

  private instance: unknown; // keeps Dawn's GPU object alive
  private pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInEncoder = 0;
  private kernelsInEncoder: string[] = [];
  private epoch = 0; // number of submits so far
  private uniformFree = new Map<number, GPUBuffer[]>();
  private uniformInFlight: GPUBuffer[] = [];
  private pendingErrors: Promise<Error | null>[] = [];
  private uncaptured: Error | null = null;
  private lostMessage: string | null = null;
  private destroyed = false;

  constructor(acquired: AcquiredDevice, options: EngineOptions = {}) {
    const limitOverride = options.limits ?? {};
    this.device = acquired.device;
    this.instance = acquired.instance;
    const info = acquired.adapter?.info ?? (this.device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    this.adapterInfo = {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      description: info?.description ?? '',
    };
    this.tuning = options.tuning && options.tuning !== 'auto' ? options.tuning : isCpuAdapter(info ?? {}) ? 'cpu' : 'gpu';
    const l = this.device.limits;
    this.limits = {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
    };
    // WebGPU never gives a device less than the default limits (128 MiB bindings), so a lower
    // limit asked for (to exercise the large-tensor splits in tests) is applied by the engine itself.
    for (const [name, value] of Object.entries(limitOverride)) {
      if (value !== undefined && name in this.limits) {
        const key = name as keyof Engine['limits'];
        this.limits[key] = Math.min(this.limits[key], value);
      }
    }
    this.hasTimestamps = this.device.features.has('timestamp-query');
    this.pool = new BufferPool(this.device);
    this.device.lost.then((lost) => {
      if (!this.destroyed) this.lostMessage = `the GPU device was lost (${lost.reason === 'destroyed' ? 'destroyed' : 'driver reset or removed'}: ${lost.message || 'no reason given'})`;
    });
    this.device.addEventListener('uncapturederror', (event) => {
      this.uncaptured ??= new Error(`GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
    this.ops = createOps(this);
    this.grad = createGrads(this);
  }

  /** Throws if the device is gone; every entry point calls this before GPU work. */
  assertAlive(): void {
    if (this.destroyed) throw new Error('The engine was destroyed');
    if (this.lostMessage) throw new DeviceLostError(`${this.lostMessage}. Create a new engine to continue.`);
  }

  // ---- tensors -------------------------------------------------------------------------------

  tensor(data: Float32Array | Int32Array | number[], shape: number[], dtype?: DType): Tensor {
    this.assertAlive();
    validateShape('tensor', shape);
    const kind: DType = dtype ?? (data instanceof Int32Array ? 'i32' : 'f32');
    const typed = data instanceof Float32Array || data instanceof Int32Array ? data : kind === 'i32' ? Int32Array.from(data) : Float32Array.from(data);
    if ((kind === 'i32') !== typed instanceof Int32Array) throw new Error(`tensor: data is ${typed.constructor.name} but dtype is ${kind}`);
    if (typed.length !== shapeSize(shape)) {
      throw new Error(`tensor: ${typed.length} values do not fill shape ${shapeString(shape)} (${shapeSize(shape)} elements)`);
    }
    const t = this.empty(shape, kind);
    this.upload(t, typed);
    return t;
  }

  /** A tensor with undefined contents, for a kernel to write. */
  empty(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    this.assertAlive();
    validateShape('empty', shape);
    const bytes = shapeSize(shape) * 4;
    if (bytes > this.limits.maxBufferSize) {
      throw new Error(`Tensor ${shapeString([...shape])} needs ${bytes} bytes, more than this device's maxBufferSize (${this.limits.maxBufferSize})`);
    }
    return new Tensor(this, this.pool.acquire(bytes), shape, dtype);
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = this.empty(shape, dtype);
    this.endPass();
    this.getEncoder().clearBuffer(t.buffer, 0, Math.ceil(t.byteLength / 4) * 4);
    // The clear waits in the encoder; an upload into this tensor before it is submitted must not
    // be overtaken by it (upload() checks this mark).
    t.pooledBuffer.clearedInEpoch = this.epoch;
    return t;
  }

  /** Writes CPU data into a tensor's buffer. */
  upload(t: Tensor, data: Float32Array | Int32Array, elementOffset = 0): void {
    this.assertAlive();
    // A buffer released while commands are still unsubmitted may still be read by them; an upload
    // would overtake those commands, so submit them first.
    // Likewise a clear recorded by zeros() and not yet submitted would run after the upload.
    if ((t.pooledBuffer.releasedInEpoch === this.epoch || t.pooledBuffer.clearedInEpoch === this.epoch) && this.encoder) this.flush();
    this.device.queue.writeBuffer(t.buffer, elementOffset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  /** @internal called by Tensor.dispose */
  release(pooled: PooledBuffer): void {
    if (this.destroyed) return;
    this.pool.release(pooled, this.epoch);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    this.assertAlive();
    const staging = this.device.createBuffer({ size: Math.ceil(t.byteLength / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'read-back' });
    this.endPass();
    this.getEncoder().copyBufferToBuffer(t.buffer, 0, staging, 0, t.byteLength);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      // A lost device fails the map first and resolves device.lost after: wait briefly for it,
      // so that the error says the device was lost rather than that a map was aborted.
      await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
      await Promise.resolve();
      this.assertAlive();
      await this.checkErrors();
      throw e;
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    await this.checkErrors();
    return t.dtype === 'i32' ? new Int32Array(bytes, 0, t.size) : new Float32Array(bytes, 0, t.size);
  }

  // ---- dispatch ------------------------------------------------------------------------------

  /**
   * Runs `fn` (which records dispatches) under GPU error scopes, so that a validation error or an
   * out-of-memory becomes an Error naming `op` at the next read or sync.
   */
  scoped<T>(op: string, fn: () => T): T {
    this.assertAlive();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      return fn();
    } finally {
      const validation = this.device.popErrorScope();
      const oom = this.device.popErrorScope();
      this.pendingErrors.push(
        Promise.all([validation, oom]).then(([v, o]) => {
          const e = v ?? o;
          return e ? new Error(`${op}: GPU ${o && !v ? 'out of memory' : 'validation error'}: ${e.message}`) : null;
        }),
      );
    }
  }

  /** Throws the first GPU error recorded since the last check. */
  async checkErrors(): Promise<void> {
    const pending = this.pendingErrors;
    this.pendingErrors = [];
    const errors = (await Promise.all(pending)).filter((e): e is Error => e !== null);
    if (errors.length) throw errors[0];
    if (this.uncaptured) {
      const e = this.uncaptured;
      this.uncaptured = null;
      throw e;
    }
    this.assertAlive();
  }

  /** Records one dispatch of shaders/<kernel>.wgsl. */
  run(kernel: string, spec: DispatchSpec): void {
    this.assertAlive();
    const info = kernelInfo(kernel);
    const overrides = spec.overrides ?? {};
    const { pipeline, layout } = this.pipeline(info, overrides);

    const given = new Set(Object.keys(spec.bindings));
    const entries: GPUBindGroupEntry[] = [];
    for (const b of info.storage) {
      const binding = spec.bindings[b.name];
      if (!binding) throw new Error(`${kernel}: binding '${b.name}' was not given (the shader declares ${info.storage.map((s) => s.name).join(', ')})`);
      given.delete(b.name);
      entries.push({ binding: b.binding, resource: this.bufferResource(kernel, b.name, binding) });
    }
    if (given.size) throw new Error(`${kernel}: binding(s) ${[...given].join(', ')} are not declared by the shader`);
    if (info.uniform) {
      const bytes = packUniforms(info, spec.uniforms ?? {});
      const buffer = this.uniformBuffer(bytes.byteLength);
      this.device.queue.writeBuffer(buffer, 0, bytes);
      entries.push({ binding: info.uniform.binding, resource: { buffer } });
    } else if (spec.uniforms && Object.keys(spec.uniforms).length) {
      throw new Error(`${kernel}: uniforms were given but the shader has no uniform struct`);
    }

    const [x, y, z] = this.foldWorkgroups(kernel, spec.workgroups);
    if (x === 0 || y === 0 || z === 0) return;
    const bindGroup = this.device.createBindGroup({ layout, entries, label: kernel });
    const pass = this.getPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.kernelsInEncoder.push(kernel);
    if (++this.dispatchesInEncoder >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    // Errors in recorded commands surface when the encoder is finished, not when they are recorded.
    const kernels = [...new Set(this.kernelsInEncoder)].join(', ');
    this.device.pushErrorScope('validation');
    this.device.queue.submit([this.encoder.finish()]);
    this.pendingErrors.push(this.device.popErrorScope().then((e) => (e ? new Error(`GPU validation error in submitted work (kernels: ${kernels}): ${e.message}`) : null)));
    this.encoder = null;
    this.dispatchesInEncoder = 0;
    this.kernelsInEncoder = [];
    this.epoch++;
    for (const b of this.uniformInFlight) {
      let list = this.uniformFree.get(b.size);
      if (!list) this.uniformFree.set(b.size, (list = []));
      list.push(b);
    }
    this.uniformInFlight = [];
  }

  /** Submits and waits until the GPU has finished everything; throws any GPU error. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  /** The open command encoder (for copies and timestamp queries); any open compute pass is ended. */
  commandEncoder(): GPUCommandEncoder {
    this.endPass();
    return this.getEncoder();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.trim();
    this.device.destroy();
    this.instance = null;
  }

  // ---- internals -----------------------------------------------------------------------------

  private pipeline(info: KernelInfo, overrides: Record<string, number>) {
    const key = `${info.name}|${JSON.stringify(overrides)}`;
    let cached = this.pipelines.get(key);
    if (cached) return cached;
    for (const name of Object.keys(overrides)) {
      if (!info.overrides.includes(name)) throw new Error(`${info.name}: override '${name}' is not declared by the shader`);
    }
    if (info.storage.length > this.limits.maxStorageBuffersPerShaderStage) {
      throw new Error(`${info.name}: ${info.storage.length} storage buffers exceed this device's limit of ${this.limits.maxStorageBuffersPerShaderStage}`);
    }
    const layoutEntries: GPUBindGroupLayoutEntry[] = info.storage.map((b) => ({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.kind as GPUBufferBindingType },
    }));
    if (info.uniform) layoutEntries.push({ binding: info.uniform.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: info.code, label: info.name });
    const layout = this.device.createBindGroupLayout({ entries: layoutEntries, label: info.name });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: info.name }),
      compute: { module, entryPoint: info.entryPoint, constants: overrides },
      label: info.name,
    });
    this.pendingErrors.push(this.device.popErrorScope().then((e) => (e ? new Error(`shaders/${info.name}.wgsl failed to compile: ${e.message}`) : null)));
    cached = { pipeline, layout };
    this.pipelines.set(key, cached);
    return cached;
  }

  private bufferResource(kernel: string, name: string, binding: Binding): GPUBufferBinding {
    const whole = binding instanceof Tensor;
    const tensor = whole ? binding : binding.tensor;
    // Bindings are rounded up to whole 16 bytes, so that a kernel can view any tensor as
    // array<vec4<f32>> (the binding must then hold whole vec4s): a whole tensor is bound so, and a
    // range may end there. The last vec4 then reads, and may write, up to 3 floats past the
    // tensor's end, which belong to no tensor: its pooled buffer has that room (size classes are
    // multiples of 32 bytes). Uploads and read-backs stay exact.
    const padded = Math.ceil(tensor.byteLength / 16) * 16;
    const offset = whole ? 0 : binding.offset;
    const size = whole ? padded : binding.size;
    if (size > this.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `${kernel}: '${name}' binds ${size} bytes (tensor ${shapeString(tensor.shape)}), more than maxStorageBufferBindingSize ` +
          `(${this.limits.maxStorageBufferBindingSize}); this op has no split for it`,
      );
    }
    if (offset % this.limits.minStorageBufferOffsetAlignment !== 0) throw new Error(`${kernel}: '${name}' offset ${offset} is not aligned`);
    if (offset + size > padded) throw new Error(`${kernel}: '${name}' range ${offset}+${size} is outside the tensor`);
    return { buffer: tensor.buffer, offset, size };
  }

  private foldWorkgroups(kernel: string, workgroups: DispatchSpec['workgroups']): [number, number, number] {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (typeof workgroups === 'number') {
      if (workgroups <= max) return [workgroups, 1, 1];
      const y = Math.ceil(workgroups / max);
      if (y > max) throw new Error(`${kernel}: ${workgroups} workgroups is more than one dispatch can hold`);
      // Shaders index linear workgroups as wid.x + wid.y * num_workgroups.x and skip the overhang.
      return [Math.ceil(workgroups / y), y, 1];
    }
    const [x, y, z = 1] = workgroups;
    if (x > max || y > max || z > max) throw new Error(`${kernel}: workgroup grid [${x}, ${y}, ${z}] exceeds ${max} per dimension`);
    return [x, y, z];
  }

  private uniformBuffer(size: number): GPUBuffer {
    const buffer =
      this.uniformFree.get(size)?.pop() ??
      this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniforms' });
    this.uniformInFlight.push(buffer);
    return buffer;
  }

  private getEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'convsight' });
    return this.encoder;
  }

  private getPass(): GPUComputePassEncoder {
    this.pass ??= this.getEncoder().beginComputePass({ label: 'convsight' });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
}

export function validateShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${op}: shape ${shapeString(shape as number[])} must be positive integers`);
  }
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options.device) return new Engine({ device: options.device, adapter: null, instance: null }, options);
  return new Engine(await acquireDevice(options.limits), options);
}
