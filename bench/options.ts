// Bench options, shared by the command line (run-node.ts) and the page (page.ts, from the URL).

import type { BenchOptions } from './harness.ts';
import type { TimingMethod } from './timing.ts';
import type { Tuning } from '../src/engine/engine.ts';

export interface CliOptions extends BenchOptions {
  quick: boolean;
  /** Also the rows too slow for a default run on a CPU adapter (see rows/index.ts). */
  full: boolean;
  /** Run without the TF.js peer. */
  noPeer: boolean;
  json?: string;
  list: boolean;
  /** Print the table as Markdown. */
  markdown: boolean;
  /** Print the table of an earlier run's JSON instead of running. */
  from?: string;
  /** Kernel variants (see EngineOptions.tuning): the adapter's own by default. */
  tuning: 'auto' | Tuning;
}

export const USAGE = `npm run bench -- [options]
  --quick           small shapes and few runs, for smoke runs
  --full            also the heaviest rows (VGG conv1_2 and conv4_2, more backward and batch-8 rows)
  --filter TEXT     only rows whose layer, operation or shape contains TEXT (case-insensitive)
  --reps N          timed runs per side, at most (default 5; quick 2)
  --budget MS       stop adding runs to a side after MS ms of timed runs, once 2 are done (default 4000)
  --timing METHOD   'timestamp' (GPU timestamp queries, the default when the device has them) or 'wall'
  --tuning KIND     'cpu' or 'gpu': our kernel variants for that kind of adapter, whatever this one is
                    (default: the adapter's own)
  --no-peer         our engine only, without TF.js
  --json PATH       where to write the results (default bench/results/<adapter>-<date>.json)
  --markdown        print the table as Markdown
  --from PATH       print the table of an earlier run's JSON instead of running
  --list            list the rows and exit`;

export function defaultOptions(quick: boolean): CliOptions {
  return { quick, full: false, reps: quick ? 2 : 5, minReps: quick ? 1 : 2, warmup: 1, budgetMs: quick ? 0 : 4000, noPeer: false, list: false, markdown: false, tuning: 'auto' };
}

/** Parses command-line arguments; throws with the usage on a bad one. */
export function parseArgs(args: string[]): CliOptions {
  const o = defaultOptions(args.includes('--quick'));
  const value = (i: number, flag: string) => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n\n${USAGE}`);
    return v;
  };
  const positive = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got '${v}'\n\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    switch (flag) {
      case '--quick':
        break;
      case '--full':
        o.full = true;
        break;
      case '--filter':
        o.filter = value(i++, flag);
        break;
      case '--reps':
        o.reps = Math.max(1, positive(value(i++, flag), flag));
        o.minReps = Math.min(o.minReps, o.reps);
        break;
      case '--budget':
        o.budgetMs = positive(value(i++, flag), flag);
        break;
      case '--timing': {
        const m = value(i++, flag);
        if (m !== 'timestamp' && m !== 'wall') throw new Error(`--timing must be 'timestamp' or 'wall', got '${m}'`);
        o.timing = m as TimingMethod;
        break;
      }
      case '--tuning': {
        const t = value(i++, flag);
        if (t !== 'cpu' && t !== 'gpu' && t !== 'auto') throw new Error(`--tuning must be 'cpu', 'gpu' or 'auto', got '${t}'`);
        o.tuning = t;
        break;
      }
      case '--no-peer':
        o.noPeer = true;
        break;
      case '--json':
        o.json = value(i++, flag);
        break;
      case '--list':
        o.list = true;
        break;
      case '--markdown':
        o.markdown = true;
        break;
      case '--from':
        o.from = value(i++, flag);
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option '${flag}'\n\n${USAGE}`);
    }
  }
  return o;
}

/** The page's options from its URL: ?quick&full&filter=conv&reps=3&timing=wall&tuning=gpu&nopeer */
export function optionsFromSearch(search: string): CliOptions {
  const p = new URLSearchParams(search);
  const o = defaultOptions(p.has('quick'));
  o.full = p.has('full');
  if (p.get('filter')) o.filter = p.get('filter')!;
  const reps = Number(p.get('reps'));
  if (Number.isInteger(reps) && reps > 0) {
    o.reps = reps;
    o.minReps = Math.min(o.minReps, reps);
  }
  const timing = p.get('timing');
  if (timing === 'wall' || timing === 'timestamp') o.timing = timing;
  const tuning = p.get('tuning');
  if (tuning === 'cpu' || tuning === 'gpu') o.tuning = tuning;
  o.noPeer = p.has('nopeer');
  return o;
}
