// Regenerates the README's pictures of the page: `npm run screenshot`. Serves the page with Vite,
// opens it in Debian's Chromium (WebGPU on SwiftShader when there is no GPU), runs the unit page's
// methods on the default model, and writes docs/page.png (desktop) and docs/page-phone.png (a
// phone's width). Takes a few minutes on a CPU.

import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';

const PORT = 5195;
const OUT = 'docs';
const HASH = '#model=default&layer=conv3&unit=36&view=unit&seed=1&image=concept:7&am.steps=96&am.jitter=2&top9.images=48&dissection.images=120';

async function taskDone(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#task')?.dataset.state !== 'running', null, { timeout: 600_000 });
  if (await page.locator('#notice').isVisible()) throw new Error(`the page says: ${await page.locator('#notice').textContent()}`);
}

async function main(): Promise<void> {
  process.env.CONVSIGHT_NO_HMR = '1';
  const server = await createServer({ server: { port: PORT, strictPort: true }, logLevel: 'warn' });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://localhost:${PORT}/${HASH}`);
    await page.waitForSelector('#adapter.ready', { timeout: 60_000 });
    await page.waitForSelector('#unit-title', { timeout: 60_000 });
    await taskDone(page);
    for (const button of ['#unit-am-run', '#unit-top9-run', '#unit-dissect']) {
      console.log(`running ${button}…`);
      await page.click(button);
      await page.waitForTimeout(200);
      await taskDone(page);
    }
    await page.waitForSelector('#unit-masks canvas', { timeout: 60_000 });
    await page.screenshot({ path: `${OUT}/page.png`, fullPage: true });
    console.log(`wrote ${OUT}/page.png`);

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    await phone.goto(`http://localhost:${PORT}/#model=default&layer=conv3&unit=36&view=deconvnet&image=concept:7`);
    await phone.waitForSelector('#adapter.ready', { timeout: 60_000 });
    await phone.waitForSelector('#projection', { timeout: 120_000 });
    await taskDone(phone);
    await phone.screenshot({ path: `${OUT}/page-phone.png`, fullPage: true });
    console.log(`wrote ${OUT}/page-phone.png`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
