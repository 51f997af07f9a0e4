import { expect, test } from '@playwright/test';

test('conv (both kernel variants), max-pool with switches and unpool match the CPU reference in Chromium', async ({ page }) => {
  await page.goto('/test/browser/kernels.html');
  const handle = await page.waitForFunction(() => (window as unknown as { kernelResults?: unknown }).kernelResults, null, { timeout: 120_000 });
  const result = (await handle.jsonValue()) as { error?: string; adapter: string; tuning: string; results: { name: string; ok: boolean; maxError: number }[] };
  expect(result.error).toBeUndefined();
  expect(result.adapter).toMatch(/\S/);
  // The browser's SwiftShader must be recognized as a CPU adapter, or every kernel runs its GPU variant there.
  if (/swiftshader/i.test(result.adapter)) expect(result.tuning).toBe('cpu');
  const other = result.tuning === 'cpu' ? 'gpu' : 'cpu';
  expect(result.results.map((r) => r.name)).toEqual(['conv2d', 'maxPool2d', 'maxPool2d switches', 'maxUnpool2d', `conv2d, ${other} kernels`]);
  for (const r of result.results) expect(r.ok, `${r.name}: max error ${r.maxError}`).toBe(true);
});
