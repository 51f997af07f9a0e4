// The peer: TensorFlow.js's WebGPU backend, running on OUR GPUDevice, so both sides of every ratio
// use the same adapter, the same queue and the same timing (see timing.ts). TF.js is a dev
// dependency of the bench only; nothing under src/ may import it.
//
// TF.js is NHWC with HWIO filters; our tensors are NCHW with OIHW weights. The rows hand TF.js its
// inputs already in its own layout (converted once, on the CPU, at setup), so no timed work is a
// layout conversion that only one side needs.

import type * as TfCore from '@tensorflow/tfjs-core';
import type { Engine } from '../src/engine/engine.ts';

export type Tf = typeof TfCore;
export type TfTensor = TfCore.Tensor;
export type TfTensor4D = TfCore.Tensor4D;

/** The parts of tfjs-backend-webgpu's WebGPUBackend the bench touches (public JS members, not in its typings). */
interface WebGpuBackend {
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export class Peer {
  constructor(
    readonly tf: Tf,
    private readonly backend: WebGpuBackend,
  ) {}

  /** TF.js's open command encoder (its compute pass ended), for the timing's opening timestamp. */
  commandEncoder(): GPUCommandEncoder {
    this.backend.ensureCommandEncoderReady();
    this.backend.endComputePassEncoder();
    return this.backend.commandEncoder!;
  }

  /** Submits whatever TF.js has recorded but not yet submitted. */
  submit(): void {
    if (!this.backend.commandEncoder) return;
    this.backend.endComputePassEncoder();
    this.backend.submitQueue();
  }

  /** An NCHW array as a TF.js NHWC tensor. */
  nhwc(data: Float32Array, [n, c, h, w]: number[]): TfTensor4D {
    const out = new Float32Array(data.length);
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++)
        for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = data[(b * c + ch) * h * w + i];
    return this.tf.tensor4d(out, [n, h, w, c]);
  }

  /** OIHW conv weights as a TF.js HWIO filter. */
  hwio(data: Float32Array, [o, i, kh, kw]: number[]): TfTensor4D {
    const out = new Float32Array(data.length);
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++)
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = data[((a * i + b) * kh + y) * kw + x];
    return this.tf.tensor4d(out, [kh, kw, i, o]);
  }

  dispose(): void {
    this.submit();
    this.tf.disposeVariables();
    this.tf.removeBackend('webgpu'); // disposes the backend's buffers; the device is ours and stays
  }
}

/**
 * Loads TF.js and registers its WebGPU backend on `engine.device`. The backend checks for
 * navigator.gpu when it is constructed; Node has no navigator, so one is lent for that moment.
 */
export async function createPeer(engine: Engine): Promise<Peer> {
  const lentNavigator = !('navigator' in globalThis) || !(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu;
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  if (lentNavigator) {
    const gpu = { requestAdapter: () => Promise.reject(new Error('bench: TF.js must use the engine device')) };
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
  }
  try {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    // tfjs-core alone has no gradients (the @tensorflow/tfjs bundle registers them): tf.grad and
    // the optimizers need them. The registry is global, so this module instance serves both.
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    const { WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
      WebGPUBackend: new (device: GPUDevice, info?: { vendor: string; architecture: string }) => TfCore.KernelBackend;
    };
    // Importing the package registered a 'webgpu' backend that would request its own device:
    // replace it by one on ours (the kernels are registered under the name 'webgpu', so keep it).
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(engine.device, engine.adapterInfo), 10);
    if (!(await tf.setBackend('webgpu'))) throw new Error('bench: TF.js could not start its WebGPU backend on the engine device');
    await tf.ready();
    // Small tensors would otherwise be computed on the CPU; the bench compares GPU kernels.
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    return new Peer(tf, tf.backend() as unknown as WebGpuBackend);
  } finally {
    if (lentNavigator) {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  }
}
