// The deconvnet, top9 and occlusion commands: option errors are one-line usage errors raised
// before any GPU work, and --units ranges parse as documented.

import { describe, expect, it } from 'vitest';
import { run as deconvnet } from '../src/cli/commands/deconvnet.ts';
import { parseUnits, run as top9 } from '../src/cli/commands/top9.ts';
import { run as occlusion } from '../src/cli/commands/occlusion.ts';

describe('CLI: deconvnet, top9, occlusion', () => {
  it('parses --units', () => {
    expect(parseUnits('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseUnits('5')).toEqual([5]);
    expect(() => parseUnits('3-1')).toThrow("top9: --units range '3-1' runs backwards");
    expect(() => parseUnits('a-b')).toThrow(/--units must look like 0-15/);
  });

  it('rejects bad options with one line naming the option', async () => {
    await expect(deconvnet(['--image', 'x.png', '--unit', '0', '--out', 'o.png'])).rejects.toThrow("deconvnet: --layer is required. Try 'deconvnet --help'.");
    await expect(deconvnet(['--image', 'x.png', '--layer', 'relu1', '--unit', 'x', '--out', 'o.png'])).rejects.toThrow("deconvnet: --unit must be a non-negative integer, got 'x'");
    await expect(deconvnet(['--image', 'x.png', '--layer', 'relu1', '--unit', '0', '--position', '3', '--out', 'o.png'])).rejects.toThrow("deconvnet: --position must be ROW,COL (two non-negative integers), got '3'");
    await expect(deconvnet(['--image', 'x.png', '--layer', 'relu1', '--unit', '0', '--mode', 'inverse', '--out', 'o.png'])).rejects.toThrow("deconvnet: --mode must be one of gradient, deconvnet, guided, got 'inverse'");
    await expect(top9(['--dataset', '/nonexistent-folder', '--layer', 'relu1', '--out', '/tmp/x'])).rejects.toThrow("cannot read the image folder '/nonexistent-folder': no such directory");
    await expect(occlusion(['--image', 'x.png', '--class', '1', '--layer', 'relu1', '--unit', '0', '--out', 'o.png'])).rejects.toThrow('occlusion: give --class, or --layer with --unit, not both');
    await expect(occlusion(['--image', 'x.png', '--layer', 'relu1', '--out', 'o.png'])).rejects.toThrow('occlusion: --layer and --unit go together');
    await expect(occlusion(['--image', 'x.png', '--size', '0', '--out', 'o.png'])).rejects.toThrow("occlusion: --size must be a positive integer, got '0'");
  });
});
