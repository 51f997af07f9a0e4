// The am and am-layer commands, run as a user would: files written, Erhan's criterion reported,
// one-line errors with status 1.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateImage } from '../src/data/concepts/index.ts';
import { decodeImage, rgbToRgba, writePng } from '../src/data/image.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'convsight-am-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('am and am-layer commands', () => {
  it('am --class writes the image, the trace plot and the settings, and reports Erhan\'s criterion', async () => {
    const ref = join(temp, 'ref');
    mkdirSync(ref);
    for (let i = 0; i < 6; i++) await writePng(join(ref, `c${i}.png`), rgbToRgba({ width: 64, height: 64, rgb: generateImage(5, i, 64).rgb }));
    const out = join(temp, 'star.png');
    const r = await cli('am', '--class', 'star', '--steps', '12', '--jitter', '2', '--preset', 'yosinski3', '--reference', ref, '--out', out);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^class star score: -?[\d.]+ -> [\d.]+ after 12 steps; wrote /);
    expect(r.stdout).toMatch(/Erhan's criterion: AM [\d.]+ vs the highest over 6 reference pictures -?[\d.]+ \(c\d\.png\): exceeds it/);
    const image = await decodeImage(readFileSync(out));
    expect(image.width).toBeGreaterThanOrEqual(192); // magnified from 64
    const settings = JSON.parse(readFileSync(join(temp, 'star.json'), 'utf8'));
    expect(settings.preset).toBe('yosinski3');
    expect(settings.regularization).toEqual({ decay: 0.0001, blurWidth: 1, blurEvery: 4, normPercentile: 0, contributionPercentile: 0 });
    expect(settings.trace.length).toBe(12);
    expect(settings.erhan.exceeds).toBe(true);
    const svg = readFileSync(join(temp, 'star.trace.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg.match(/<polyline/g)?.length).toBe(1);
  });

  it('am-layer renders every unit of a range into one grid', async () => {
    const out = join(temp, 'conv1.png');
    const r = await cli('am-layer', '--layer', 'conv1', '--units', '0-5', '--batch', '3', '--steps', '4', '--columns', '3', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv1: 6 units, 4 steps each/);
    const grid = await decodeImage(readFileSync(out));
    expect([grid.width, grid.height]).toEqual([3 * 64 + 4 * 2, 2 * 64 + 3 * 2]);
    expect(JSON.parse(readFileSync(join(temp, 'conv1.json'), 'utf8')).activations.length).toBe(6);
  });

  it('rejects bad input with one line and status 1', async () => {
    const noLayer = await cli('am', '--unit', '3', '--out', join(temp, 'x.png'));
    expect(noLayer.code).toBe(1);
    expect(noLayer.stderr).toMatch(/^error: am: --layer is required/);
    expect(noLayer.stderr.trim().split('\n').length).toBe(1);
    const badPreset = await cli('am', '--layer', 'conv1', '--unit', '0', '--preset', 'blurry', '--out', join(temp, 'x.png'));
    expect(badPreset.code).toBe(1);
    expect(badPreset.stderr).toMatch(/unknown --preset 'blurry'\. Presets: none, yosinski1/);
    const badClass = await cli('am', '--class', 'dodecahedron', '--steps', '2', '--out', join(temp, 'x.png'));
    expect(badClass.code).toBe(1);
    expect(badClass.stderr).toMatch(/has no class 'dodecahedron'/);
    expect(existsSync(join(temp, 'x.png'))).toBe(false);
    const help = await cli('am', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: am /);
  });
});
