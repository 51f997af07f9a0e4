// Shared by the page's Playwright specs: opening the page with watchers for errors, off-origin
// requests and Content-Security-Policy violations, waiting for tasks, reading canvases.

import { expect, type Page } from '@playwright/test';

export interface Watch {
  errors: string[];
  offOrigin: string[];
  cspViolations: string[];
}

/** Opens the page at `hash`, waits for WebGPU and the default model. */
export async function openPage(page: Page, hash = ''): Promise<Watch> {
  const watch: Watch = { errors: [], offOrigin: [], cspViolations: [] };
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) watch.cspViolations.push(m.text());
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    const base = new URL(page.url() === 'about:blank' ? r.url() : page.url());
    if (!['blob:', 'data:'].includes(url.protocol) && url.origin !== base.origin) watch.offOrigin.push(r.url());
  });
  await page.goto(`/${hash}`);
  await expect(page.locator('#adapter')).toHaveClass(/ready/, { timeout: 60_000 });
  await expect(page.locator('#model-name')).toContainText('conceptnet', { timeout: 60_000 });
  return watch;
}

/** Nothing went wrong on the page: no uncaught error, no request elsewhere, no CSP violation. */
export function expectClean(watch: Watch): void {
  expect(watch.errors).toEqual([]);
  expect(watch.offOrigin).toEqual([]);
  expect(watch.cspViolations).toEqual([]);
}

/** Waits for the running task to end, and expects it to have finished (not failed or cancelled). */
export async function taskDone(page: Page, timeout = 120_000): Promise<void> {
  await expect(page.locator('#task')).not.toHaveAttribute('data-state', 'running', { timeout });
  const notice = page.locator('#notice');
  if (await notice.isVisible()) throw new Error(`the page says: ${await notice.textContent()}`);
  await expect(page.locator('#task')).toHaveAttribute('data-state', 'done');
}

/** Variance of a canvas's colour values (0 for a blank picture). */
export async function canvasVariance(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (let i = 0; i < d.length; i++) {
      if (i % 4 === 3) continue;
      sum += d[i];
      sq += d[i] * d[i];
      n++;
    }
    return sq / n - (sum / n) ** 2;
  });
}

/** A canvas's pixels, to compare two pictures. */
export async function canvasPixels(page: Page, selector: string): Promise<number[]> {
  return page.locator(selector).first().evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

/** The hash of the page's URL as entries. */
export function hashParams(page: Page): URLSearchParams {
  return new URLSearchParams(new URL(page.url()).hash.slice(1));
}
