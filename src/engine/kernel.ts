// A kernel is one WGSL shader file with one compute entry point. Its bindings and its uniform
// struct are read from the source with wgsl_reflect, so bind group layouts and uniform packing
// (with WGSL's alignment rules) are derived, never written by hand at the call site.

import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { shaderSource } from './shader-sources.ts';

export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

interface UniformMember {
  name: string;
  offset: number;
  scalar: 'f32' | 'u32' | 'i32';
  count: number; // 1 for scalars, N for vecN
}

export interface KernelInfo {
  name: string;
  code: string;
  entryPoint: string;
  /** Storage bindings, by name. The uniform struct, if any, is bound separately. */
  storage: BindingInfo[];
  uniform: { binding: number; size: number; members: UniformMember[] } | null;
  overrides: string[];
}

const cache = new Map<string, KernelInfo>();

export function kernelInfo(name: string): KernelInfo {
  let info = cache.get(name);
  if (!info) {
    info = reflectKernel(name, shaderSource(name));
    cache.set(name, info);
  }
  return info;
}

function reflectKernel(name: string, code: string): KernelInfo {
  const reflect = new WgslReflect(code);
  const entries = reflect.entry.compute;
  if (entries.length !== 1) throw new Error(`shaders/${name}.wgsl must have exactly one @compute entry point, has ${entries.length}`);
  for (const v of [...reflect.uniforms, ...reflect.storage]) {
    if (v.group !== 0) throw new Error(`shaders/${name}.wgsl: binding '${v.name}' is in group ${v.group}; kernels use group 0 only`);
  }
  if (reflect.uniforms.length > 1) throw new Error(`shaders/${name}.wgsl: one uniform struct per shader, found ${reflect.uniforms.length}`);
  const storage = reflect.storage.map((v) => ({
    name: v.name,
    binding: v.binding,
    kind: (v.access === 'read_write' ? 'storage' : 'read-only-storage') as BindingKind,
  }));
  let uniform: KernelInfo['uniform'] = null;
  const u = reflect.uniforms[0];
  if (u) {
    const members: UniformMember[] = (u.members ?? []).map((m) => {
      const typeName = m.type.name;
      const format = m.format?.name ?? typeName;
      const vec = /^vec([234])/.exec(typeName);
      const scalar = (vec ? format : typeName) as UniformMember['scalar'];
      if (!['f32', 'u32', 'i32'].includes(scalar)) {
        throw new Error(`shaders/${name}.wgsl: uniform member '${m.name}' has type ${typeName}; use f32, u32, i32 or their vectors`);
      }
      return { name: m.name, offset: m.offset, scalar, count: vec ? Number(vec[1]) : 1 };
    });
    uniform = { binding: u.binding, size: Math.max(16, Math.ceil(u.size / 16) * 16), members };
  }
  return {
    name,
    code,
    entryPoint: entries[0].name,
    storage,
    uniform,
    overrides: reflect.overrides.map((o) => o.name),
  };
}

export type UniformValues = Record<string, number | number[]>;

/** Packs a JS object into the shader's uniform struct; a missing or unknown field is an Error. */
export function packUniforms(info: KernelInfo, values: UniformValues): ArrayBuffer {
  const u = info.uniform!;
  const bytes = new ArrayBuffer(u.size);
  const f32 = new Float32Array(bytes);
  const u32 = new Uint32Array(bytes);
  const i32 = new Int32Array(bytes);
  const known = new Set(u.members.map((m) => m.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) throw new Error(`${info.name}: uniform '${key}' is not a member of the shader's uniform struct (${[...known].join(', ')})`);
  }
  for (const m of u.members) {
    const v = values[m.name];
    if (v === undefined) throw new Error(`${info.name}: uniform '${m.name}' was not given`);
    const list = typeof v === 'number' ? [v] : v;
    if (list.length !== m.count) throw new Error(`${info.name}: uniform '${m.name}' needs ${m.count} value(s), got ${list.length}`);
    const view = m.scalar === 'f32' ? f32 : m.scalar === 'u32' ? u32 : i32;
    list.forEach((x, i) => {
      if (m.scalar !== 'f32' && !Number.isInteger(x)) throw new Error(`${info.name}: uniform '${m.name}' must be an integer, got ${x}`);
      if (m.scalar === 'u32' && x < 0) throw new Error(`${info.name}: uniform '${m.name}' must be >= 0, got ${x}`);
      view[m.offset / 4 + i] = x;
    });
  }
  return bytes;
}
