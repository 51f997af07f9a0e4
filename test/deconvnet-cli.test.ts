// The deconvnet, top9 and occlusion commands: option errors are one-line usage errors raised
// before any GPU work, and --units ranges parse as documented.

import { describe, expect, it } from 'vitest';
import { run as deconvnet } from '../src/cli/commands/deconvnet.ts';
import { parseUnits, run as top9 } from '../src/cli/commands/top9.ts';
import { run as occlusion } from '../src/cli/commands/occlusion.ts';
import { cropPadded, heatOverlay, projectionImage, sideBySide } from '../src/viz/overlay.ts';

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

describe('pictures of projections and patches', () => {
  it('projections: zero is grey, the largest |value| full scale; a quantile saturates the rest', () => {
    // [1, 1, 1, 4]: values 0, 1, -2, 4 (one channel shows as grey levels)
    const values = Float32Array.from([0, 1, -2, 4]);
    const grey = (img: { data: Uint8ClampedArray }) => [0, 1, 2, 3].map((i) => img.data[4 * i]);
    expect(grey(projectionImage(values, [1, 1, 1, 4]))).toEqual([128, 159, 64, 255]); // 255 * (0.5 + v / 8)
    // quantile 0.5 of |v| = {0, 1, 2, 4} is 1: 1 maps to full scale, the rest clip.
    expect(grey(projectionImage(values, [1, 1, 1, 4], { quantile: 0.5 }))).toEqual([128, 255, 0, 255]);
    // A rectangle partly outside the map: grey there.
    const part = projectionImage(values, [1, 1, 1, 4], { rect: { top: 0, bottom: 0, left: 2, right: 5 } });
    expect([part.width, grey(part)]).toEqual([4, [64, 255, 128, 128]]);
    expect(() => projectionImage(values, [1, 1, 1, 4], { quantile: 0 })).toThrow(/quantile must be in \(0, 1\]/);
  });

  it('patches are padded with grey outside the image; panels sit side by side', () => {
    const image = { width: 2, height: 1, data: Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 255]) };
    const patch = cropPadded(image, { top: 0, bottom: 1, left: 1, right: 2 });
    expect(Array.from(patch.data)).toEqual([40, 50, 60, 255, 128, 128, 128, 255, 128, 128, 128, 255, 128, 128, 128, 255]);
    const both = sideBySide([image, patch], 1);
    expect([both.width, both.height]).toEqual([2 + 2 + 3, 2 + 2]);
    const heat = heatOverlay(image, [0, 1], 2, 1, 1);
    expect(Array.from(heat.data.subarray(0, 4))).toEqual([0, 0, 0, 255]); // the low end is black
    expect(Array.from(heat.data.subarray(4, 8))).toEqual([255, 255, 255, 255]); // the high end white
  });
});
