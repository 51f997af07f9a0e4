// Each method's view on the default model with small settings (SwiftShader runs on the CPU): the
// results appear and are not blank, the controls do what they say, and the page stays on its origin.

import { expect, test, type Page } from '@playwright/test';
import { canvasPixels, canvasVariance, expectClean, hashParams, openPage, taskDone, type Watch } from './helpers.ts';

// One page for every test of this file, each going to its view by changing the URL's hash (as a
// link within the page would): SwiftShader compiles each GPU pipeline once per device, which
// costs far more than running it, so a fresh page per test would spend most of its time there.
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

/** Goes to a view (a same-document navigation: the model stays loaded). */
async function go(hash: string): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.locator('#view')).toHaveAttribute('data-view', new URLSearchParams(hash.slice(1)).get('view')!);
}

/** Below this a picture is flat (a blank canvas has 0; the projections measure in the hundreds). */
const VARIANCE_FLOOR = 20;

test('DeconvNet: the whole map and one clicked position project to different, non-blank pictures', async () => {
  await go('#view=deconvnet&layer=conv2&unit=3');
  await taskDone(page);
  expect(await canvasVariance(page, '#projection')).toBeGreaterThan(VARIANCE_FLOOR);
  expect(await canvasVariance(page, '#activation-map')).toBeGreaterThan(VARIANCE_FLOOR);
  const whole = await canvasPixels(page, '#projection');
  // Click the map's top-left cell: position 0, 0 of the 16x16 map.
  const box = (await page.locator('#activation-map').boundingBox())!;
  await page.mouse.click(box.x + 2, box.y + 2);
  await taskDone(page);
  expect(hashParams(page).get('deconvnet.position')).toBe('0,0');
  await expect(page.locator('#deconvnet-results')).toContainText('position 0, 0');
  const one = await canvasPixels(page, '#projection');
  expect(one).not.toEqual(whole);
  // The three ReLU rules give three different pictures.
  await page.locator('#deconvnet-mode').selectOption('gradient');
  await page.locator('button.run').click();
  await taskDone(page);
  expect(await canvasPixels(page, '#projection')).not.toEqual(one);
  expectClean(watch);
});

test('Unit page: the response and projection on the image, and dissection from the page', async () => {
  await go('#view=unit&layer=conv1&unit=5&dissection.images=16');
  await expect(page.locator('#unit-title')).toHaveText('conv1 unit 5');
  await taskDone(page);
  await expect(page.locator('#unit-response')).toContainText('rank');
  const pictures = page.locator('#unit-response-section canvas');
  await expect(pictures).toHaveCount(3);
  for (let i = 0; i < 3; i++) expect(await canvasVariance(page, `#unit-response-section figure:nth-child(${i + 1}) canvas`)).toBeGreaterThan(VARIANCE_FLOOR);
  await page.locator('#unit-dissect').click();
  await taskDone(page, 170_000);
  await expect(page.locator('#unit-label')).toContainText('IoU');
  await expect(page.locator('#unit-masks canvas').first()).toBeVisible();
  expectClean(watch);
});

test('Dissection: labels appear, the IoU slider relabels without a network pass, a new quantile re-runs the tally', async () => {
  // conv1 over 16 images was dissected on the unit page (the test before): the view shows it, and Dissect runs the tally again.
  await go('#view=dissection&layer=conv1&dissection.images=16');
  await expect(page.locator('#dissection-report td.label')).toHaveCount(16);
  await page.locator('button.run').click();
  await taskDone(page);
  const labels = page.locator('#dissection-report td.label');
  await expect(labels).toHaveCount(16);
  const at = async (value: string) => {
    await page.locator('#iou-threshold').fill(value);
    await expect(page.locator('#iou-value')).toHaveText(Number(value).toFixed(3));
    return labels.allTextContents();
  };
  // At threshold 0 every live unit is a detector of its best concept; at 0.2 (far above conv1's IoUs) none.
  const none = await at('0.2');
  expect(none.every((t) => t === '—' || t === '(dead)')).toBe(true);
  const all = await at('0');
  expect(all.filter((t) => t !== '—' && t !== '(dead)').length).toBeGreaterThan(8);
  await expect(page.locator('#task')).toHaveAttribute('data-state', 'done'); // the slider started no task
  // A new quantile: the tally runs again (a task), with different thresholds.
  await page.locator('#dissection-quantile').selectOption('0.05');
  await expect(page.locator('#task')).toHaveAttribute('data-state', 'running');
  await taskDone(page);
  await expect(page.locator('#dissection-report')).toContainText('top quantile 0.05');
  expectClean(watch);
});

test('Activation maximization: the image and the objective curve appear; Cancel stops a long run', async () => {
  await go('#view=am&layer=conv2&unit=1&am.steps=8&am.jitter=1');
  await page.locator('button.run').click();
  await taskDone(page);
  expect(await canvasVariance(page, '#am-image')).toBeGreaterThan(VARIANCE_FLOOR);
  expect(await canvasVariance(page, '#am-curve')).toBeGreaterThan(1);
  await expect(page.locator('#am-facts')).toContainText('12 sample images');
  // A run far too long to finish here: Cancel ends it between steps, and the page says so.
  await page.locator('#am-steps').fill('5000');
  await page.locator('#am-steps').dispatchEvent('change');
  await page.locator('button.run').click();
  await expect(page.locator('#task .task-text')).toContainText('step', { timeout: 60_000 });
  await page.locator('#task .cancel').click();
  await expect(page.locator('#task')).toHaveAttribute('data-state', 'cancelled', { timeout: 60_000 });
  await expect(page.locator('#notice')).toBeHidden();
  expectClean(watch);
});

test('Inversion: a reconstruction and its normalized error appear', async () => {
  await go('#view=inversion&layer=conv1&inversion.steps=10');
  await page.locator('button.run').click();
  await taskDone(page);
  expect(await canvasVariance(page, '#inversion-image')).toBeGreaterThan(VARIANCE_FLOOR);
  await expect(page.locator('#inversion-facts')).toContainText('Normalized reconstruction error');
  expectClean(watch);
});

test('Top 9: projections beside patches over the generated samples', async () => {
  await go('#view=top9&layer=conv2&unit=0&top9.images=12');
  await page.locator('button.run').click();
  await taskDone(page);
  expect(await canvasVariance(page, '#top9-grid')).toBeGreaterThan(VARIANCE_FLOOR);
  await expect(page.locator('#top9-results figcaption')).toContainText('9. concept sample');
  expectClean(watch);
});

test('Occlusion: the score map and the class map appear; hiding the object lowers the score', async () => {
  await go('#view=occlusion&layer=conv3&unit=5&image=concept:4&occlusion.stride=16');
  await page.locator('button.run').click();
  await taskDone(page);
  expect(await canvasVariance(page, '#occlusion-map')).toBeGreaterThan(VARIANCE_FLOOR);
  const facts = (await page.locator('#occlusion-facts').textContent())!;
  const [, baseline, lowest] = /: ([\d.]+) on the whole image, down to ([\d.]+)/.exec(facts)!;
  expect(Number(lowest)).toBeLessThan(Number(baseline));
  expectClean(watch);
});

