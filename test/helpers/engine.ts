// One engine per test file (vitest runs files in parallel, each in its own worker).

import { afterAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.ts';
import type { Tuning } from '../../src/engine/engine.ts';

/** Both kernel families, for tests that run every case with each whatever the adapter. */
export const TUNINGS = ['cpu', 'gpu'] as const;

const engines = new Map<string, Promise<Engine>>();

/**
 * The file's engine: the adapter's own kernel variants, or with `tuning` those for the other kind
 * of adapter (a test of the GPU variants on SwiftShader asks for 'gpu').
 */
export function getEngine(tuning: 'auto' | Tuning = 'auto'): Promise<Engine> {
  let engine = engines.get(tuning);
  if (!engine) {
    const created = createEngine({ tuning });
    engines.set(tuning, created);
    afterAll(async () => (await created).destroy());
    engine = created;
  }
  return engine;
}

/** Deterministic pseudo-random floats in [lo, hi) (mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Max |a - b| / (atol/rtol scaled) check with a readable failure message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-4, atol = 1e-5, label = '' } = {}): void {
  if (actual.length !== expected.length) throw new Error(`${label} length ${actual.length} != expected ${expected.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label} mismatch at index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
