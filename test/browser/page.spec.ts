// The page in Chromium on SwiftShader: loading, the layer browser, errors in words, the URL's
// round trip, a device loss and its restart. The methods' views have their own spec.

import { expect, test } from '@playwright/test';
import { canvasVariance, expectClean, hashParams, openPage, taskDone } from './helpers.ts';

test('the page loads the default model and lists its layers with shapes, units and parameters', async ({ page }) => {
  const watch = await openPage(page);
  await expect(page.locator('h1')).toHaveText('convsight');
  await expect(page.locator('#adapter')).toContainText('WebGPU ready');
  const rows = page.locator('table.layers tbody tr');
  await expect(rows).toHaveCount(15);
  // conv1: 16 filters of 3x5x5 and 16 biases; the network's own numbers, not the page's.
  await expect(page.locator('tr[data-layer=conv1]')).toContainText('16 × 32 × 32');
  await expect(page.locator('tr[data-layer=conv1]')).toContainText('1,216');
  await expect(page.locator('tr[data-layer=fc6]')).toContainText('1,032');
  // The sample images are generated in the page and are not blank.
  await expect(page.locator('.samples .sample')).toHaveCount(12);
  expect(await canvasVariance(page, '.current-image canvas')).toBeGreaterThan(100);
  // Picking a layer in the browser opens its unit page and puts it in the URL.
  await page.locator('tr[data-layer=conv2] button').click();
  expect(hashParams(page).get('layer')).toBe('conv2');
  expect(hashParams(page).get('view')).toBe('unit');
  await expect(page.locator('#layer')).toHaveValue('conv2');
  expectClean(watch);
});

test('a corrupt model file gives the reason in words and keeps the model that was loaded', async ({ page }) => {
  const watch = await openPage(page);
  const junk = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97 + 13) % 256));
  await page.locator('#model-file').setInputFiles({ name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: junk });
  await expect(page.locator('#notice')).toBeVisible();
  await expect(page.locator('#notice')).toContainText("The model could not be loaded: ONNX file 'broken.onnx'");
  await expect(page.locator('#model-name')).toContainText('conceptnet');
  // A spec without its weights: the page says which file is missing.
  await page.locator('#model-file').setInputFiles({ name: 'net.json', mimeType: 'application/json', buffer: Buffer.from('{"nodes": []}') });
  await expect(page.locator('#notice')).toContainText(".safetensors");
  // Not JSON at all.
  await page.locator('#model-file').setInputFiles([
    { name: 'net.json', mimeType: 'application/json', buffer: Buffer.from('{ not json') },
    { name: 'net.safetensors', mimeType: 'application/octet-stream', buffer: junk },
  ]);
  await expect(page.locator('#notice')).toContainText("model spec 'net.json' is not valid JSON");
  expectClean(watch);
});

test('the URL holds the view, and opening it restores the view', async ({ page, context }) => {
  const watch = await openPage(page);
  await page.locator('#layer').selectOption('conv3');
  await page.locator('#unit').fill('7');
  await page.locator('#unit').press('Enter');
  await page.locator('#seed').fill('42');
  await page.locator('#seed').press('Enter');
  await page.locator('.samples .sample').nth(3).click();
  await page.locator('button[data-view=deconvnet]').click();
  await page.locator('#deconvnet-mode').selectOption('guided');
  await taskDone(page);
  const url = page.url();
  const params = hashParams(page);
  expect(Object.fromEntries(params)).toMatchObject({ model: 'default', layer: 'conv3', unit: '7', view: 'deconvnet', seed: '42', image: 'concept:3', 'deconvnet.mode': 'guided' });

  const again = await context.newPage();
  const watch2 = await openPage(again, new URL(url).hash);
  await expect(again.locator('#layer')).toHaveValue('conv3');
  await expect(again.locator('#unit')).toHaveValue('7');
  await expect(again.locator('#seed')).toHaveValue('42');
  await expect(again.locator('button[data-view=deconvnet]')).toHaveAttribute('aria-selected', 'true');
  await expect(again.locator('#deconvnet-mode')).toHaveValue('guided');
  await expect(again.locator('.sample[data-image="concept:3"]')).toHaveClass(/selected/);
  expect(again.url()).toBe(url);
  expectClean(watch);
  expectClean(watch2);
});

test('a link to a user model asks for the file and shows the default meanwhile', async ({ page }) => {
  const watch = await openPage(page, '#model=sha256:0123456789abcdef&view=model');
  await expect(page.locator('#model-note')).toContainText('Open that file again');
  await expect(page.locator('table.layers tbody tr')).toHaveCount(15);
  expectClean(watch);
});

test('a lost GPU device is said in words, and Restart brings the same view back', async ({ page }) => {
  const watch = await openPage(page, '#view=deconvnet&layer=conv2&unit=4');
  await taskDone(page);
  // What a driver reset does to the page, done on purpose: the page did not destroy this device.
  await page.evaluate(() => (globalThis as unknown as { convsight: { session: { engine: { device: GPUDevice } } } }).convsight.session.engine.device.destroy());
  await expect(page.locator('#notice')).toContainText('GPU device was lost');
  await page.locator('#restart').click();
  await expect(page.locator('#adapter')).toHaveClass(/ready/);
  await expect(page.locator('#layer')).toHaveValue('conv2');
  await expect(page.locator('#unit')).toHaveValue('4');
  await taskDone(page);
  expect(await canvasVariance(page, '#projection')).toBeGreaterThan(1);
  expectClean(watch);
});
