// The command line, run as a user would (a child process): output, one-line errors, exit codes.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxToSpec } from '../src/models/onnx/index.ts';
import { writeSafetensors } from '../src/models/safetensors.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = (path: string) => fileURLToPath(new URL(`../../shared/${path}`, import.meta.url));
const squeezenet = shared('models/squeezenet1.1/squeezenet1.1.onnx');
const temp = mkdtempSync(join(tmpdir(), 'convsight-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cli', () => {
  it('lists commands, and rejects an unknown one with a one-line error and status 1', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/classify +print the top classes/);
    expect(help.stdout).toMatch(/layers +list a model's layers/);
    const bad = await cli('frobnicate');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unknown command 'frobnicate'\. Commands: classify, layers, [a-z0-9-, ]+\n$/);
  });

  it('layers: prints every layer with its output shape, units and parameters', async () => {
    const { code, stdout } = await cli('layers', '--model', squeezenet);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe("squeezenet1.1: input 'data' [N, 3, 224, 224], output 'flatten', 65 layers, 1,235,496 parameters");
    expect(lines[1]).toMatch(/^layer +type +output +units +params$/);
    expect(lines[2]).toMatch(/^conv0 +conv +\[1, 64, 111, 111\] +64 +1,792$/);
    expect(lines.at(-1)).toMatch(/^flatten +flatten +\[1, 1000\] +1000 +0$/);
    expect(lines).toHaveLength(2 + 65);
  });

  it('layers: reads our format (spec.json beside spec.safetensors)', async () => {
    const { spec, weights } = onnxToSpec(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(squeezenet))));
    writeFileSync(join(temp, 'squeeze.json'), JSON.stringify(spec));
    writeFileSync(join(temp, 'squeeze.safetensors'), writeSafetensors(weights));
    const { code, stdout } = await cli('layers', '--model', join(temp, 'squeeze.json'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/65 layers, 1,235,496 parameters/);
  });

  it('reports bad input as one clear line with status 1', async () => {
    const cases: [string[], string][] = [
      [['layers'], "error: layers: --model is required. Try 'layers --help'.\n"],
      [['layers', '--model', join(temp, 'missing.onnx')], `error: cannot read model '${join(temp, 'missing.onnx')}': no such file\n`],
      [['layers', '--model', join(temp, 'squeeze.json'), '--top', '3'], "error: layers: Unknown option '--top'. Try 'layers --help'.\n"],
      [['classify', '--model', squeezenet, '--image', shared('images/chelsea.png'), '--top', 'many'], "error: classify: --top must be a positive integer, got 'many'\n"],
      [['classify', '--model', squeezenet, '--image', squeezenet], `error: '${squeezenet}' is not an image: it starts with bytes 08 07 12 0d 6e 75 6d 70 (supported: PNG and JPEG)\n`],
    ];
    writeFileSync(join(temp, 'not-onnx.onnx'), 'hello, I am text');
    // 'h' (0x68) reads as field 13, a varint; 'e' is its value; 'l' (0x6c) has wire type 4, which does not exist.
    cases.push([['layers', '--model', join(temp, 'not-onnx.onnx')], `error: ONNX file '${join(temp, 'not-onnx.onnx')}': corrupt ModelProto: invalid field tag 108 at byte 3 (the file is damaged or is not an ONNX model)\n`]);
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.stderr, args.join(' ')).toBe(message);
      expect(r.code, args.join(' ')).toBe(1);
    }
  });

  it('classify: SqueezeNet sees a cat in chelsea.png', async () => {
    const { code, stdout, stderr } = await cli('classify', '--model', squeezenet, '--image', shared('images/chelsea.png'), '--top', '3');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/chelsea\.png \(451x300\) -> squeezenet1\.1 \(224x224 input, crop\):$/);
    expect(lines).toHaveLength(4);
    // The labels.txt beside the model names the classes.
    expect(lines.slice(1, 3).some((l) => /\d+\.\d+%  (Egyptian cat|tabby)  \((285|281)\)$/.test(l)), stdout).toBe(true);
  });

  it('--json: classify and layers print results a script can parse', async () => {
    const classify = await cli('classify', '--model', 'weights/conceptnet.json', '--image', shared('images/chelsea.png'), '--top', '3', '--json');
    expect(classify.code).toBe(0);
    const top = JSON.parse(classify.stdout) as { rank: number; index: number; label: string; probability: number }[];
    expect(top.map((t) => t.rank)).toEqual([1, 2, 3]);
    expect(top[0].probability).toBeGreaterThanOrEqual(top[1].probability);
    expect(typeof top[0].label).toBe('string');
    const layers = await cli('layers', '--model', 'weights/conceptnet.json', '--json');
    const parsed = JSON.parse(layers.stdout) as { layers: { name: string; units: number }[] };
    expect(parsed.layers[0]).toMatchObject({ name: 'conv1', units: 16 });
  });

  it('exit codes: 1 for bad input, 2 for an internal error, whose one line points to --verbose', async () => {
    const { exitCodeFor, errorText } = await import('../src/cli/exit.ts');
    const { UsageError } = await import('../src/cli/args.ts');
    expect(exitCodeFor(new UsageError('x'))).toBe(1);
    expect(exitCodeFor(new Error("model 'm' has no layer 'conv9'"))).toBe(1);
    expect(exitCodeFor(new TypeError("Cannot read properties of undefined (reading 'shape')"))).toBe(2);
    expect(exitCodeFor(new Error('conv2d: GPU validation error: binding too large'))).toBe(2);
    expect(errorText(new TypeError('boom'), false)).toBe('error: boom (internal error; run again with --verbose for the stack)');
    expect(errorText(new Error('first\nsecond'), false)).toBe('error: first');
    expect(errorText(new Error('bad'), true)).toMatch(/^error: Error: bad\n\s+at /);
    const { DeviceLostError } = await import('../src/engine/engine.ts');
    expect(exitCodeFor(new DeviceLostError('the GPU device was lost'))).toBe(2);
    expect(errorText(new DeviceLostError('x'), false, 'train')).toMatch(/device was lost.*again with --resume/);
  });
});
