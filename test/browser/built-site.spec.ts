// The built site (npm run build), served by `vite preview` as any static host would serve dist/:
// the default model comes from the site's own assets, the engine runs, and the page keeps to its
// origin and its Content-Security-Policy.

import { expect, test } from '@playwright/test';
import { decoderSpec, decoderWeightShapes } from '../../src/methods/inversion/decoder.ts';
import { writeSafetensors } from '../../src/models/safetensors.ts';
import { canvasVariance, expectClean, openPage, taskDone } from './helpers.ts';

test('the built site loads the bundled model and runs a method, within its CSP and its origin', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const watch = await openPage(page, '#view=deconvnet&layer=conv1&unit=2');
  await taskDone(page);
  expect(await canvasVariance(page, '#projection')).toBeGreaterThan(1);
  // The default model's files are the build's own hashed assets.
  expect(requests.some((p) => /\/assets\/conceptnet-[\w-]+\.safetensors$/.test(p))).toBe(true);
  expect(requests.some((p) => /\/assets\/conceptnet-[\w-]+\.json$/.test(p))).toBe(true);
  // The CSP is in the built page.
  const csp = await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');
  expectClean(watch);
});

/** A decoder for conceptnet's pool2 with small random weights: enough to check the page's wiring. */
function randomDecoder(): { name: string; mimeType: string; buffer: Buffer }[] {
  const spec = decoderSpec('conceptnet', 'pool2', [32, 8, 8], [3, 64, 64]);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  let s = 12345;
  for (const [name, shape] of decoderWeightShapes(spec, 3)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      s = (s * 16807) % 2147483647;
      data[i] = (s / 2147483647 - 0.5) * 0.2;
    }
    weights.set(name, { shape, data });
  }
  return [
    { name: 'inverter-pool2.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(spec)) },
    { name: 'inverter-pool2.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(writeSafetensors(weights)) },
  ];
}

// The decoder runs in the built site, the form a user deploys.
test('Inversion with a trained decoder the user opens: one pass, a picture and its error', async ({ page }) => {
  const watch = await openPage(page, '#view=inversion&layer=pool2');
  await page.locator('#decoder-file').setInputFiles(randomDecoder());
  await expect(page.locator('#decoder-name')).toHaveText('decoder: inverter-pool2.json');
  await page.locator('#view button', { hasText: 'Decode' }).click();
  await taskDone(page);
  expect(await canvasVariance(page, '#decoder-image')).toBeGreaterThan(1);
  await expect(page.locator('#inversion-facts')).toContainText('Trained decoder from pool2: normalized error');
  expectClean(watch);
});

test("Inversion with the default model's shipped decoder: bundled with the site, no file to open", async ({ page }) => {
  const watch = await openPage(page, '#view=inversion&layer=pool2');
  await expect(page.locator('#decoder-name')).toHaveText('the shipped decoder (pool2) is used');
  await page.locator('#view button', { hasText: 'Decode' }).click();
  await taskDone(page);
  await expect(page.locator('#decoder-name')).toHaveText('decoder: the shipped decoder (pool2)');
  expect(await canvasVariance(page, '#decoder-image')).toBeGreaterThan(1);
  await expect(page.locator('#inversion-facts')).toContainText('Trained decoder from pool2: normalized error');
  expectClean(watch);
});
