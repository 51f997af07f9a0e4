// The page in Chromium on SwiftShader: loading, the layer browser, errors in words, the URL's
// round trip, a device loss and its restart. The methods' views have their own spec.

import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { canvasVariance, expectClean, hashParams, openPage, taskDone, type Watch } from './helpers.ts';

// One page for the file (see methods.spec.ts: pipelines compile once per device); the round trip
// opens a second page, since restoring from a URL is what a fresh page does.
test.describe.configure({ mode: 'serial' });
let page: Page;
let watch: Watch;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  watch = await openPage(page);
});

test.afterAll(async () => {
  await page.close();
});

test('the page loads the default model and lists its layers with shapes, units and parameters', async () => {
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
  await taskDone(page);
  await page.goto('/#view=model');
  await expect(page.locator('table.layers')).toBeVisible();
  expectClean(watch);
});

test('a corrupt model file gives the reason in words and keeps the model that was loaded', async () => {
  const junk = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97 + 13) % 256));
  await page.locator('#model-file').setInputFiles({ name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: junk });
  await expect(page.locator('#notice')).toBeVisible();
  await expect(page.locator('#notice')).toContainText("The model could not be loaded: ONNX file 'broken.onnx'");
  await expect(page.locator('#model-name')).toContainText('conceptnet');
  // A spec without its weights: the page says which file is missing.
  await page.locator('#model-file').setInputFiles({ name: 'net.json', mimeType: 'application/json', buffer: Buffer.from('{"nodes": []}') });
  await expect(page.locator('#notice')).toContainText('.safetensors');
  // Not JSON at all.
  await page.locator('#model-file').setInputFiles([
    { name: 'net.json', mimeType: 'application/json', buffer: Buffer.from('{ not json') },
    { name: 'net.safetensors', mimeType: 'application/octet-stream', buffer: junk },
  ]);
  await expect(page.locator('#notice')).toContainText("model spec 'net.json' is not valid JSON");
  await expect(page.locator('table.layers tbody tr')).toHaveCount(15);
  await page.locator('#notice .close').click();
  expectClean(watch);
});

test("the user's own picture: decoded by the browser, fitted to the input; a file that is not an image is said in words", async () => {
  await page.goto('/#view=model');
  const photo = readFileSync(new URL('../../../shared/images/chelsea.png', import.meta.url));
  await page.locator('#image-file').setInputFiles({ name: 'chelsea.png', mimeType: 'image/png', buffer: photo });
  await expect(page.locator('#image-name')).toContainText('chelsea.png');
  expect(await canvasVariance(page, '.current-image canvas')).toBeGreaterThan(100);
  await page.locator('#image-file').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are not pixels') });
  await expect(page.locator('#notice')).toContainText("'notes.png' is not an image");
  await page.locator('#notice .close').click();
  expectClean(watch);
});

test('a link to a user model asks for the file and shows the default meanwhile', async () => {
  await page.goto('/#model=sha256:0123456789abcdef&view=model');
  await expect(page.locator('#model-note')).toContainText('Open that file again');
  await expect(page.locator('table.layers tbody tr')).toHaveCount(15);
  await page.goto('/#model=default&view=model');
  await expect(page.locator('#model-note')).toHaveCount(0);
  expectClean(watch);
});

test('the URL holds the view, and opening it in a new page restores the view', async ({ context }) => {
  await page.locator('#layer').selectOption('conv3');
  await page.locator('#unit').fill('7');
  await page.locator('#unit').press('Enter');
  await page.locator('#seed').fill('42');
  await page.locator('#seed').press('Enter');
  await page.locator('.samples .sample').nth(3).click();
  await page.locator('button[data-view=am]').click();
  await page.locator('#am-preset').selectOption('yosinski2');
  await page.locator('#am-steps').fill('17');
  await page.locator('#am-steps').press('Enter');
  const url = page.url();
  expect(Object.fromEntries(hashParams(page))).toMatchObject({
    model: 'default', layer: 'conv3', unit: '7', view: 'am', seed: '42', image: 'concept:3', 'am.preset': 'yosinski2', 'am.steps': '17',
  });

  const again = await context.newPage();
  const watch2 = await openPage(again, new URL(url).hash);
  await expect(again.locator('#layer')).toHaveValue('conv3');
  await expect(again.locator('#unit')).toHaveValue('7');
  await expect(again.locator('#seed')).toHaveValue('42');
  await expect(again.locator('button[data-view=am]')).toHaveAttribute('aria-selected', 'true');
  await expect(again.locator('#am-preset')).toHaveValue('yosinski2');
  await expect(again.locator('#am-steps')).toHaveValue('17');
  await expect(again.locator('.sample[data-image="concept:3"]')).toHaveClass(/selected/);
  expect(again.url()).toBe(url);
  await again.close();
  expectClean(watch);
  expectClean(watch2);
});

/** Drops files on the page as a person would drag them from their desktop. */
async function dropFiles(target: Page, files: { name: string; path: string }[]): Promise<void> {
  const encoded = files.map((f) => ({ name: f.name, base64: readFileSync(f.path).toString('base64') }));
  const dataTransfer = await target.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
    return dt;
  }, encoded);
  await target.dispatchEvent('body', 'drop', { dataTransfer });
}

const USER_MODEL = [
  { name: 'mynet.json', path: 'weights/conceptnet.json' },
  { name: 'mynet.safetensors', path: 'weights/conceptnet.safetensors' },
];

test("the user's own model by drag-and-drop: named by its hash in the URL, and a link to it restored once the file is opened again", async ({ context }) => {
  await dropFiles(page, USER_MODEL);
  await expect(page.locator('#model-name')).toHaveText('mynet.json');
  await expect.poll(() => hashParams(page).get('model')).toMatch(/^sha256:[0-9a-f]{16}$/);
  const key = hashParams(page).get('model')!;
  await page.locator('#layer').selectOption('conv4');
  await page.locator('button[data-view=inversion]').click();
  const url = page.url();

  const again = await context.newPage();
  const watch2 = await openPage(again, new URL(url).hash);
  await expect(again.locator('#model-note')).toContainText(key);
  await dropFiles(again, USER_MODEL);
  await expect(again.locator('#model-name')).toHaveText('mynet.json');
  await expect(again.locator('#model-note')).toHaveCount(0);
  await expect(again.locator('#layer')).toHaveValue('conv4');
  await expect(again.locator('button[data-view=inversion]')).toHaveAttribute('aria-selected', 'true');
  expect(again.url()).toBe(url);
  await again.close();
  // Back to the default model for the tests after this one.
  await page.locator('button', { hasText: 'Default model' }).click();
  await expect(page.locator('#model-name')).toContainText('conceptnet');
  expectClean(watch);
  expectClean(watch2);
});

test('a lost GPU device is said in words, and Restart brings the same view back', async () => {
  await page.goto('/#view=am&layer=conv2&unit=4&am.steps=9');
  // What a driver reset does to the page, done on purpose: the page did not destroy this device.
  await page.evaluate(() => (globalThis as unknown as { convsight: { session: { engine: { device: GPUDevice } } } }).convsight.session.engine.device.destroy());
  await expect(page.locator('#notice')).toContainText('GPU device was lost');
  await page.locator('#restart').click();
  await expect(page.locator('#adapter')).toHaveClass(/ready/);
  await expect(page.locator('#layer')).toHaveValue('conv2');
  await expect(page.locator('#unit')).toHaveValue('4');
  await expect(page.locator('#am-steps')).toHaveValue('9');
  // The new device computes.
  await page.goto('/#view=deconvnet&layer=conv1&unit=4');
  await taskDone(page);
  expect(await canvasVariance(page, '#projection')).toBeGreaterThan(1);
  expectClean(watch);
});
