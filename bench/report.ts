// The bench's results as a table (terminal and page share the cells) and as a JSON file name.

import type { BenchReport, Goal, RowResult, Stats } from './harness.ts';
import { MIN_WINDOW_MS } from './timing.ts';

export const COLUMNS = ['row', 'shape', 'ours ms', 'TF.js ms', 'speed-up', 'GFLOP/s | GB/s', '% of copy', 'goal', 'met?'] as const;

/** Milliseconds: two decimals down to 0.01, then two significant digits (a batched GPU kernel's microseconds). */
export function msFigure(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.01 || v <= 0) return v.toFixed(2);
  return v.toPrecision(2);
}

/** A side's median and range; a median of 0 was below the timer's resolution, even batched. */
export function msText(s: Stats | undefined): string {
  if (!s) return '-';
  const median = s.median > 0 ? msFigure(s.median) : '< resolution';
  return `${median} (${msFigure(s.min)}-${msFigure(s.max)})`;
}

/** Three significant digits, without exponents for the ranges the bench sees. */
function figure(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 1) return v.toPrecision(3);
  return v > 0 ? v.toFixed(Math.min(6, 2 - Math.floor(Math.log10(v)))) : '0';
}

function goalText(g: Goal | undefined): string {
  if (!g) return '';
  return g.kind === 'speedup' ? `>= ${g.min}x TF.js` : `>= ${g.min * 100}% copy`;
}

/** One row's cells, in COLUMNS order. */
export function cells(r: RowResult): string[] {
  const label = `${r.group} ${r.name}`;
  if (r.status !== 'ok') return [label, r.shape, r.status, '', '', '', '', goalText(r.goal), ''];
  const rate = r.gflops !== undefined ? `${figure(r.gflops)} GFLOP/s` : r.gbps !== undefined ? `${figure(r.gbps)} GB/s` : '';
  return [
    label,
    r.shape,
    msText(r.ours),
    msText(r.peer),
    r.speedup !== undefined ? `${r.speedup.toFixed(2)}x` : '-',
    rate,
    r.copyFraction !== undefined ? `${(r.copyFraction * 100).toFixed(0)}%` : '',
    goalText(r.goal),
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ];
}

/** What a reader should know about a row: its own note, and the batch sizes of sides timed in batches. */
export function rowNote(r: RowResult): string | undefined {
  const sides: [string, Stats | undefined][] = [
    ['ours', r.ours],
    ['TF.js', r.peer],
    ['copy', r.copy],
  ];
  const batched = sides.filter(([, s]) => s && (s.runsPerSample ?? 1) > 1).map(([name, s]) => `${name} ${s!.runsPerSample}`);
  const batches = batched.length ? `timed in batches of runs (${batched.join(', ')} runs a sample)` : '';
  return [r.note, batches].filter(Boolean).join('; ') || undefined;
}

/** The rows' notes, one line each: `prefix` then the row, a colon and its note. */
export function noteLines(report: BenchReport, prefix: string): string[] {
  return report.rows.flatMap((r) => {
    const note = rowNote(r);
    return note ? [`${prefix}${r.group} ${r.name}: ${note}`] : [];
  });
}

/** An aligned plain-text table with the notes under it. */
export function formatTable(report: BenchReport): string {
  const rows = [COLUMNS.slice() as string[], ...report.rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 2 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('', summaryLine(report));
  const notes = noteLines(report, '  ');
  if (notes.length) out.push('', 'Notes:', ...notes);
  return out.join('\n');
}

/** The same table in Markdown (for the README and issue notes), with the summary and notes under it. */
export function formatMarkdown(report: BenchReport): string {
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  const line = (r: string[]) => `| ${r.map(escape).join(' | ')} |`;
  const out = [line([...COLUMNS]), `|${COLUMNS.map((_, i) => (i >= 2 && i <= 6 ? ' ---: ' : ' --- ')).join('|')}|`, ...report.rows.map((r) => line(cells(r)))];
  out.push('', summaryLine(report));
  const notes = noteLines(report, '- ');
  if (notes.length) out.push('', ...notes);
  return out.join('\n');
}

export function adapterName(report: Pick<BenchReport, 'adapter'>): string {
  const { vendor, architecture, description } = report.adapter;
  return [vendor, architecture, description].filter(Boolean).join(' ') || 'unknown adapter';
}

export function summaryLine(report: BenchReport): string {
  const withGoal = report.rows.filter((r) => r.met !== undefined);
  const met = withGoal.filter((r) => r.met).length;
  const copy = report.copyGBps ? `copy probe ${report.copyGBps.toFixed(2)} GB/s; ` : '';
  const batched = report.rows.some((r) => [r.ours, r.peer, r.copy].some((s) => (s?.runsPerSample ?? 1) > 1));
  return (
    `Adapter: ${adapterName(report)}${report.tuning ? ` (${report.tuning} kernel variants)` : ''}; timing: ${report.timing === 'timestamp' ? 'GPU timestamp queries' : 'wall time to onSubmittedWorkDone'}; ` +
    `${copy}goals met: ${met} of ${withGoal.length}; medians of up to ${report.options.reps} runs after ${report.options.warmup} warm-up, (min-max).` +
    (batched ? ` Runs under ${MIN_WINDOW_MS} ms were timed in batches (see the notes): each sample is then a batch's time per run.` : '')
  );
}

/** e.g. 'google-swiftshader-2026-11-25T10-00-00.json' */
export function resultFileName(report: BenchReport): string {
  const adapter = `${report.adapter.vendor}-${report.adapter.architecture}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'adapter';
  return `${adapter}-${report.date.replace(/[:.]/g, '-').slice(0, 19)}.json`;
}
