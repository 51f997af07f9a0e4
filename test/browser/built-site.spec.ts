// The built site (npm run build), served by `vite preview` as any static host would serve dist/:
// the default model comes from the site's own assets, the engine runs, and the page keeps to its
// origin and its Content-Security-Policy.

import { expect, test } from '@playwright/test';
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
