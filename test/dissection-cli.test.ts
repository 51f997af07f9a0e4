// dissect and dissect-merge on the command line: the shard workflow on a Broden-format folder
// written by the dataset writer (in this process), the report's files, one-line errors and exit
// codes (child processes, as a user runs them).

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDataset } from '../src/data/concepts/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'convsight-dissect-cli-'));
const data = join(temp, 'data');
afterAll(() => rmSync(temp, { recursive: true, force: true }));
beforeAll(async () => {
  await generateDataset(data, { count: 6, seed: 4, size: 32 });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs a command in this process (no child process: faster), returning what it printed. */
async function inProcess(run: (args: string[]) => Promise<void>, ...args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await run(args);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('dissect on the command line', () => {
  it('runs pass 1 in two shards, merges them, tallies with the merged quantiles and writes the report', async () => {
    const { run: dissect } = await import('../src/cli/commands/dissect.ts');
    const { run: merge } = await import('../src/cli/commands/dissect-merge.ts');
    const base = ['--model', 'default', '--dataset', data, '--batch', '2'];
    const q = join(temp, 'q');
    await inProcess(dissect, ...base, '--layers', 'relu1,relu4', '--shard', '1/2', '--out', q);
    expect(await inProcess(dissect, ...base, '--layers', 'relu1,relu4', '--shard', '2/2', '--out', q)).toMatch(/quantiles-2-of-2\.json \(pass 1 of images \[3, 6\)\)/);
    const shards = [join(q, 'quantiles-1-of-2.json'), join(q, 'quantiles-2-of-2.json')];
    expect(await inProcess(merge, ...shards, '--out', q)).toMatch(/2 quantile shards, 6 of 6 images/);
    const report = join(temp, 'report');
    const printed = await inProcess(dissect, ...base, '--quantiles', join(q, 'quantiles.json'), '--quantile', '0.05', '--out', report);
    expect(printed).toMatch(/^6 images, quantile 0.05, IoU > 0.04:\n {2}relu1 +\d+\/16 detectors/);
    for (const f of ['index.html', 'tally-relu1.csv', 'tally-relu4.csv', 'result.json', 'tally.json', 'units/relu4-0.png']) expect(existsSync(join(report, f)), f).toBe(true);
    expect(readFileSync(join(report, 'tally-relu1.csv'), 'utf8').split('\n')[0]).toBe(
      'unit,category,label,score,' + ['color', 'object', 'part', 'scene', 'texture'].flatMap((c) => ['label', 'truth', 'activation', 'intersect', 'iou'].map((f) => `${c}-${f}`)).join(','),
    );
    expect(readFileSync(join(report, 'index.html'), 'utf8')).toMatch(/<h2>relu4<\/h2>[\s\S]*<svg/);
    // A shard given twice is refused, as a one-line error with status 1.
    const twice = await cli('dissect-merge', shards[0], shards[0], '--out', join(temp, 'x'));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^error: dissect-merge: image ranges \[0, 3\) and \[0, 3\) overlap: a shard was given twice\?\n$/);
  }, 300_000);

  it('bad input: one line naming the problem, status 1 (a layer without a map: test/dissection.test.ts)', async () => {
    const notBroden = await cli('dissect', '--model', 'default', '--dataset', temp, '--layers', 'relu1', '--out', join(temp, 'y'));
    expect(notBroden.code).toBe(1);
    expect(notBroden.stderr).toBe(`error: loadBroden: missing file ${join(temp, 'category.csv')} (a Broden directory holds index.csv, category.csv, label.csv and c_<category>.csv)\n`);
    const quantile = await cli('dissect', '--model', 'default', '--dataset', data, '--layers', 'relu1', '--quantile', '2', '--out', join(temp, 'y'));
    expect(quantile.stderr).toBe('error: dissect: --quantile must be in (0, 1), got 2\n');
  }, 300_000);

  it('--resume: a run killed in pass 2 continues from its checkpoint to the uninterrupted result', async () => {
    const { run: dissect } = await import('../src/cli/commands/dissect.ts');
    const { spawn } = await import('node:child_process');
    // 40 images one per batch: pass 2 checkpoints after batches 8, 16, 24 and 32.
    const args = (out: string) => ['--model', 'default', '--dataset', 'concepts:40:5:32', '--layers', 'relu2', '--quantile', '0.05', '--batch', '1', '--out', out];
    await inProcess(dissect, ...args(join(temp, 'whole')));
    const whole = JSON.parse(readFileSync(join(temp, 'whole', 'result.json'), 'utf8'));

    const out = join(temp, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dissect', ...args(out)], { cwd: root, stdio: 'ignore' });
    const checkpoint = join(out, 'progress', 'tally.json');
    await vi.waitFor(() => expect(existsSync(checkpoint)).toBe(true), { timeout: 240_000, interval: 50 });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(existsSync(join(out, 'result.json'))).toBe(false);

    const printed = await inProcess(dissect, ...args(out), '--resume');
    expect(printed).toMatch(/resuming: pass 1 read from/);
    expect(printed).toMatch(/resuming: pass 2 from \d+ images done/);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))).toEqual(whole);
    expect(existsSync(join(out, 'progress'))).toBe(false);
  }, 300_000);
});

