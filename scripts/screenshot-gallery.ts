// Regenerates the README's picture of the main job's gallery: `npm run screenshot-gallery`. Runs
// the demo (unless --no-demo: then it takes the gallery already in out/), opens out/index.html in
// Debian's Chromium and writes docs/gallery.png, the top of the page as a person first sees it.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';

const GALLERY = 'out/index.html';
const OUT = 'docs/gallery.png';

async function main(): Promise<void> {
  if (!process.argv.includes('--no-demo')) {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--out', 'out'], { stdio: 'inherit' });
  }
  if (!existsSync(GALLERY)) throw new Error(`no gallery at ${GALLERY}: run \`npm run demo\` first`);
  mkdirSync('docs', { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1240, height: 1500 } });
    await page.goto(pathToFileURL(resolve(GALLERY)).href);
    await page.waitForLoadState('load');
    await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1240, height: 1500 } });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
