import { expect, test } from '@playwright/test';

test('the bench page runs its quick rows side by side with TF.js and shows the table', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/bench/index.html?quick');
  await expect(page.locator('#run')).toBeEnabled({ timeout: 60_000 });
  await expect(page.locator('#quick')).toBeChecked();
  await page.locator('#run').click();

  const handle = await page.waitForFunction(
    () => {
      const w = window as unknown as { benchReport?: unknown; benchError?: string };
      return w.benchReport ?? w.benchError;
    },
    null,
    { timeout: 200_000, polling: 1000 },
  );
  const outcome = await handle.jsonValue();
  expect(typeof outcome === 'string' ? outcome : null).toBeNull();
  const report = outcome as unknown as { rows: { group: string; name: string; status: string; note?: string; peer?: unknown }[]; peer: string | null };

  expect(report.peer).toMatch(/TensorFlow\.js/);
  const rows = page.locator('#results tbody tr');
  await expect(rows).toHaveCount(report.rows.length);
  expect(report.rows.length).toBeGreaterThan(40);
  // No row failed; rows are only skipped for a kernel not written yet or a model a page cannot read.
  for (const r of report.rows) {
    expect(r.status, `${r.group} ${r.name}: ${r.note}`).not.toBe('error');
    if (r.status === 'skipped') expect(r.note).toMatch(/not there yet|not here|loadDefaultModel/);
  }
  expect(report.rows.filter((r) => r.status === 'ok' && r.peer).length).toBeGreaterThan(10);
  await expect(page.locator('#summary')).toContainText('Adapter:');
  await expect(page.locator('#download')).toBeVisible();
  expect(errors).toEqual([]);
});
