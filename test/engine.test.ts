// The engine core: reflected bindings and uniforms are checked at the call site, GPU errors become
// Errors naming the op, and a destroyed engine says so.

import { describe, expect, it } from 'vitest';
import { createEngine, isCpuAdapter } from '../src/index.ts';
import { getEngine } from './helpers/engine.ts';
import { sizeClass } from '../src/engine/buffer-pool.ts';

describe('engine', () => {
  it('reports the adapter', async () => {
    const engine = await getEngine();
    expect(engine.adapterInfo.vendor.length + engine.adapterInfo.architecture.length).toBeGreaterThan(0);
    expect(engine.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('rejects a missing or extra binding, and unknown or missing uniforms, at the call site', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, 2, 3], [3]);
    const y = engine.empty([3]);
    const uniforms = { n: 3, op: 0, a: 0, b: 0 };
    expect(() => engine.run('unary', { bindings: { x }, uniforms, workgroups: 1 })).toThrow(/unary: binding 'y' was not given \(the shader declares x, y\)/);
    expect(() => engine.run('unary', { bindings: { x, y, z: x }, uniforms, workgroups: 1 })).toThrow(/unary: binding\(s\) z are not declared by the shader/);
    expect(() => engine.run('unary', { bindings: { x, y }, uniforms: { ...uniforms, gain: 2 }, workgroups: 1 })).toThrow(/uniform 'gain' is not a member/);
    expect(() => engine.run('unary', { bindings: { x, y }, uniforms: { n: 3, op: 0, a: 0 }, workgroups: 1 })).toThrow(/uniform 'b' was not given/);
    expect(() => engine.run('no-such-kernel', { bindings: {}, workgroups: 1 })).toThrow(/No shader named 'no-such-kernel'/);
  });

  it('turns a GPU validation error into an Error naming the op', async () => {
    const engine = await getEngine();
    const x = engine.tensor([1, 2, 3, 4], [4]);
    // Binding the same buffer as read-only and read-write storage in one dispatch is invalid WebGPU.
    engine.scoped('aliasing test op', () => engine.run('unary', { bindings: { x, y: x }, uniforms: { n: 4, op: 0, a: 0, b: 0 }, workgroups: 1 }));
    await expect(engine.sync()).rejects.toThrow(/aliasing test op|GPU validation error/);
    // The engine stays usable afterwards.
    expect(Array.from(await engine.ops.relu(engine.tensor([-1, 2], [2])).read())).toEqual([0, 2]);
  });

  it('rejects bad tensors before GPU work', async () => {
    const engine = await getEngine();
    expect(() => engine.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => engine.tensor([1], [0])).toThrow(/must be positive integers/);
    const t = engine.tensor([1, 2], [2]);
    t.dispose();
    expect(() => engine.ops.relu(t)).toThrow(/disposed/);
  });

  it('pools buffers by size class and frees storage only when the last view is disposed', async () => {
    const engine = await getEngine();
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1100)).toBe(1152);
    const before = engine.pool.liveBytes;
    const a = engine.tensor(new Float32Array(1000), [10, 100]);
    const view = a.reshape([1000]);
    a.dispose();
    expect(engine.pool.liveBytes).toBe(before + 4096);
    view.dispose();
    expect(engine.pool.liveBytes).toBe(before);
  });

  it('a destroyed engine says so instead of failing obscurely', async () => {
    const engine = await createEngine();
    engine.destroy();
    expect(() => engine.tensor([1], [1])).toThrow(/The engine was destroyed/);
  });
});

describe('kernel family by adapter', () => {
  it('recognizes CPU implementations of WebGPU, and nothing else', () => {
    expect(isCpuAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'mesa', description: 'lavapipe' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'microsoft', architecture: 'warp' })).toBe(true);
    expect(isCpuAdapter({ vendor: 'unknown', isFallbackAdapter: true })).toBe(true);
    expect(isCpuAdapter({ vendor: 'nvidia', architecture: '', description: 'NVIDIA: 580.159.04 580.159.4.0' })).toBe(false);
    expect(isCpuAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
    expect(isCpuAdapter({})).toBe(false);
  });

  it("picks 'cpu' on this machine's adapter when it is SwiftShader, and obeys an explicit choice", async () => {
    const engine = await getEngine();
    expect(engine.tuning).toBe(isCpuAdapter(engine.adapterInfo) ? 'cpu' : 'gpu');
    const forced = await createEngine({ tuning: 'gpu' });
    expect(forced.tuning).toBe('gpu');
    forced.destroy();
  });
});
