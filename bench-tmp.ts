import { createEngine } from './src/index.ts';
const e = await createEngine();
const N = 8_000_000;
const x = e.tensor(new Float32Array(N).fill(1), [N]);
const out = e.empty([N]);
const variants: [string, Record<string, number>][] = [
  ['strided WG64 S16', { WG: 64, STEPS: 16, TREE: 0, CONTIG: 0 }],
  ['contig WG64 S16', { WG: 64, STEPS: 16, TREE: 0, CONTIG: 1 }],
  ['strided WG256 S16', { WG: 256, STEPS: 16, TREE: 0, CONTIG: 0 }],
  ['contig WG256 S16', { WG: 256, STEPS: 16, TREE: 0, CONTIG: 1 }],
];
const res: Record<string, number[]> = {};
for (let rep = 0; rep < 5; rep++) {
  for (const [name, o] of variants) {
    const tile = o.STEPS * 4 * o.WG;
    const run = () => e.run('reduce-exp', { bindings: { x, out }, uniforms: { n: N, base: 0, outOffset: 0, scale: 1 }, overrides: o, workgroups: Math.ceil(N / tile) });
    run(); await e.sync();
    const t0 = performance.now();
    run(); run(); await e.sync();
    (res[name] ??= []).push((performance.now() - t0) / 2);
  }
  const t0 = performance.now();
  e.ops.affine(x, 1, 0).dispose(); e.ops.affine(x, 1, 0).dispose(); await e.sync();
  (res['affine'] ??= []).push((performance.now() - t0) / 2);
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(20), v.map((t) => t.toFixed(0)).join(' '));
e.destroy();
