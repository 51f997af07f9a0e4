// `npm run bench`: the bench in Node, on Dawn (a GPU when there is one, SwiftShader otherwise).
// Prints the table, writes the JSON, and destroys the device so the process exits.

import { createEngine } from '../src/engine/engine.ts';
import { runBench, type BenchContext, type BenchReport, type RowResult, type Stats } from './harness.ts';
import { parseArgs } from './options.ts';
import { createPeer, type Peer } from './peer.ts';
import { formatMarkdown, formatTable, msFigure, resultFileName } from './report.ts';
import { benchRows } from './rows/index.ts';
import { selectRows } from './harness.ts';

const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
// Lets Node load tfjs-core's gradients (ES modules with extension-less imports); see the hook.
(process.getBuiltinModule('node:module') as typeof import('node:module')).register('./tfjs-resolve-hook.mjs', import.meta.url);
const path = process.getBuiltinModule('node:path') as typeof import('node:path');

/** ../shared (beside the repository), where test models live; the bench runs without it. */
const SHARED = new URL('../../shared/', import.meta.url);

async function loadAsset(relative: string): Promise<Uint8Array | null> {
  const file = new URL(relative, SHARED);
  return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : null;
}

function progressLine(r: RowResult): string {
  if (r.status !== 'ok') return `${r.status}: ${r.note ?? ''}`;
  const t = (s?: Stats) => {
    if (!s) return '-';
    const batch = s.runsPerSample > 1 ? ` (batches of ${s.runsPerSample})` : '';
    return `${s.median > 0 ? `${msFigure(s.median)} ms` : 'below resolution'}${batch}`;
  };
  const ratio = r.peer && r.ours && r.peer.median > 0 && r.ours.median > 0 ? `, ${(r.peer.median / r.ours.median).toFixed(2)}x` : '';
  const speedup = r.peer ? `, TF.js ${t(r.peer)}${ratio}` : '';
  return `ours ${t(r.ours)}${speedup}`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const print = (report: BenchReport) => console.log(options.markdown ? formatMarkdown(report) : formatTable(report));
  if (options.from) {
    print(JSON.parse(fs.readFileSync(options.from, 'utf8')) as BenchReport);
    return;
  }
  const rows = benchRows(options);
  if (options.list) {
    for (const r of selectRows(rows, options.filter)) console.log(`${r.group} ${r.name}  [${r.shape}]`);
    return;
  }
  const engine = await createEngine({ tuning: options.tuning });
  let peer: Peer | null = null;
  try {
    if (!options.noPeer) {
      try {
        peer = await createPeer(engine);
      } catch (e) {
        console.error(`TF.js could not start (${e instanceof Error ? e.message : e}); running without the peer`);
      }
    }
    const ctx: BenchContext = { engine, peer, quick: options.quick, loadAsset };
    const started = performance.now();
    const report = await runBench(ctx, rows, options, (p) => {
      if (p.current) process.stderr.write(`[${p.done + 1}/${p.total}] ${p.current} ... `);
      else if (p.last) process.stderr.write(`${progressLine(p.last)}\n`);
    });
    print(report);
    const file = options.json ?? path.join('bench', 'results', resultFileName(report));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\nWrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    peer?.dispose();
    engine.destroy();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
