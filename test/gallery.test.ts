// The main job's gallery from a quick demo run: the page names every part, and every picture it
// references exists, decodes and is not blank.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getEngine } from './helpers/engine.ts';
import { runDemo } from '../src/gallery/demo.ts';
import { DEMO_PARTS } from '../src/gallery/parts/index.ts';
import { decodeImageNode } from '../src/data/image-node.ts';

const out = mkdtempSync(join(tmpdir(), 'convsight-gallery-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The standard deviation of all RGB values: 0 for a picture of one colour. */
function pixelDeviation(rgb: Uint8Array): number {
  let sum = 0;
  let sumSquares = 0;
  for (const v of rgb) {
    sum += v;
    sumSquares += v * v;
  }
  const mean = sum / rgb.length;
  return Math.sqrt(Math.max(0, sumSquares / rgb.length - mean * mean));
}

describe('demo gallery', () => {
  it('a quick run writes index.html with a section per part, and every picture decodes and is not blank', async () => {
    const engine = await getEngine();
    const lines: string[] = [];
    const { path, timings } = await runDemo(engine, { outDir: out, quick: true, log: (l) => lines.push(l) });
    expect(path).toBe(join(out, 'index.html'));
    expect(timings.map((t) => t.part)).toEqual(DEMO_PARTS.map((p) => p.name));
    const html = readFileSync(path, 'utf8');
    expect(html.match(/<section /g)?.length).toBe(DEMO_PARTS.length);
    const pictures = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(pictures.length).toBeGreaterThanOrEqual(DEMO_PARTS.length);
    for (const src of pictures) {
      const image = decodeImageNode(readFileSync(join(out, src)), src);
      expect(image.width * image.height, src).toBeGreaterThan(0);
      expect(pixelDeviation(image.rgb), `${src} is blank`).toBeGreaterThan(8);
    }
  });
});

describe("the demo's choice of a deep model's layers", () => {
  it('spreads them evenly, the last always, the first when asked, and keeps a short list whole', async () => {
    const { evenlySpaced } = await import('../src/gallery/context.ts');
    const layers = Array.from({ length: 26 }, (_, i) => `conv${i}`);
    expect(evenlySpaced(layers, 4)).toEqual(['conv6', 'conv13', 'conv19', 'conv25']);
    expect(evenlySpaced(layers, 8, true)).toEqual(['conv0', 'conv4', 'conv7', 'conv11', 'conv14', 'conv18', 'conv21', 'conv25']);
    expect(evenlySpaced(layers.slice(0, 3), 8, true)).toEqual(['conv0', 'conv1', 'conv2']);
  });
});
