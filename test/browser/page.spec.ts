import { expect, test } from '@playwright/test';

test('the page renders and finds a WebGPU adapter', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.locator('h1')).toHaveText('convsight');
  await expect(page.locator('#adapter')).toHaveClass(/ready/, { timeout: 60_000 });
  await expect(page.locator('#adapter')).toContainText('WebGPU ready');
  const shot = await page.screenshot({ path: 'test-results/page.png', fullPage: true });
  expect(shot.byteLength).toBeGreaterThan(5_000);
  expect(errors).toEqual([]);
});
