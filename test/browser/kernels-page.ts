// Runs a conv, a max-pool with switches and an unpool on the browser's WebGPU and compares each
// with the CPU reference, then the conv again with the kernel variants of the other kind of
// adapter (see EngineOptions.tuning). Playwright reads window.kernelResults.

import { createEngine } from '../../src/index.ts';
import * as convRef from '../../src/reference/conv.ts';
import * as poolRef from '../../src/reference/pool.ts';

interface Result { name: string; maxError: number; ok: boolean }

function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

async function main(): Promise<{ adapter: string; tuning: string; results: Result[] }> {
  const engine = await createEngine();
  const results: Result[] = [];
  const xShape = [2, 3, 13, 11];
  const wShape = [5, 3, 3, 3];
  const xData = pseudoRandom(2 * 3 * 13 * 11, 1);
  const wData = pseudoRandom(5 * 3 * 3 * 3, 2);
  const bData = pseudoRandom(5, 3);
  const attrs = { strides: [2, 1] as [number, number], pads: [1, 0, 1, 2] as [number, number, number, number], dilations: [1, 1] as [number, number], group: 1 };
  const x = engine.tensor(xData, xShape);
  const w = engine.tensor(wData, wShape);
  const b = engine.tensor(bData, [5]);
  const y = engine.ops.conv2d(x, w, b, attrs);
  const yRef = convRef.conv2d(xData, xShape, wData, wShape, bData, attrs);
  const convErr = maxError(await y.read(), yRef.data);
  results.push({ name: 'conv2d', maxError: convErr, ok: convErr < 1e-4 });

  const poolAttrs = { kernelShape: [3, 3] as [number, number], strides: [2, 2] as [number, number] };
  const { y: pooled, switches } = engine.ops.maxPool2d(x, poolAttrs);
  const pooledRef = poolRef.maxPool2d(xData, xShape, poolAttrs);
  const poolErr = maxError(await pooled.read(), pooledRef.y);
  const switchesMatch = maxError(await switches.read(), pooledRef.switches) === 0;
  results.push({ name: 'maxPool2d', maxError: poolErr, ok: poolErr < 1e-6 });
  results.push({ name: 'maxPool2d switches', maxError: switchesMatch ? 0 : 1, ok: switchesMatch });

  const unpooled = engine.ops.maxUnpool2d(pooled, switches, { ...poolAttrs, outputShape: xShape });
  const unpoolRef = poolRef.maxUnpool2d(pooledRef.y, pooledRef.switches, pooled.shape, xShape);
  const unpoolErr = maxError(await unpooled.read(), unpoolRef);
  results.push({ name: 'maxUnpool2d', maxError: unpoolErr, ok: unpoolErr < 1e-6 });

  const adapter = `${engine.adapterInfo.vendor} ${engine.adapterInfo.architecture}`;
  const tuning = engine.tuning;
  engine.destroy();

  const other = await createEngine({ tuning: tuning === 'cpu' ? 'gpu' : 'cpu' });
  const y2 = other.ops.conv2d(other.tensor(xData, xShape), other.tensor(wData, wShape), other.tensor(bData, [5]), attrs);
  const otherErr = maxError(await y2.read(), yRef.data);
  results.push({ name: `conv2d, ${other.tuning} kernels`, maxError: otherErr, ok: otherErr < 1e-4 });
  other.destroy();
  return { adapter, tuning, results };
}

const log = document.getElementById('log')!;
main().then(
  (r) => {
    log.textContent = `adapter: ${r.adapter} (${r.tuning} kernels)\n` + r.results.map((x) => `${x.ok ? 'ok  ' : 'FAIL'} ${x.name} (max rel. error ${x.maxError.toExponential(2)})`).join('\n');
    (window as unknown as { kernelResults: unknown }).kernelResults = r;
  },
  (e) => {
    log.textContent = `error: ${e instanceof Error ? e.message : e}`;
    (window as unknown as { kernelResults: unknown }).kernelResults = { error: String(e) };
  },
);
