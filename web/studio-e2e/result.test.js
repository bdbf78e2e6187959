// Prompt first, result first: at every width the prompt and Generate lead the page; the newest
// result is shown large in a box reserved before it arrives, with download, copy, use as
// reference, run again and delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EMULATOR_URL, completedCards, connect, generate, keyFor, open, stats } from './support.js';

for (const [name, viewport] of [['desktop', { width: 1400, height: 1000 }], ['phone', { width: 390, height: 844 }]]) {
  test(`${name}: the prompt and Generate lead the page`, async (t) => {
    const { page, problems } = await open(t, { viewport });
    const prompt = await page.locator('#prompt').boundingBox();
    const button = await page.locator('#generate').boundingBox();
    assert.ok(prompt.y < 160, `the prompt starts ${prompt.y}px down`);
    assert.ok(button.y + button.height < viewport.height, `Generate ends ${button.y + button.height}px down`);
    // Options come after Generate, in a compact row.
    const quality = await page.locator('#quality').boundingBox();
    assert.ok(quality.y > button.y, 'the options are below Generate');
    assert.deepEqual(problems, []);
  });
}

test('desktop: the newest result is large, its box reserved before it arrives, with its actions', async (t) => {
  const { context, page, problems } = await open(t, { viewport: { width: 1400, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const key = keyFor('apiframe', 'stage');
  await connect(page, { key, baseUrl: `${EMULATOR_URL}/_fault/poll:slow=800x1` });
  await page.locator('#aspect-ratio').selectOption('3:2');
  await generate(page, 'a harbour at noon, oil painting');
  const frame = page.locator('.stage .frame').first();
  await page.locator('.stage .frame.working').waitFor();
  const before = await frame.boundingBox();
  assert.ok(before.width >= 400, `the reserved box is ${before.width}px wide`);
  assert.ok(Math.abs(before.width / before.height - 1.5) < 0.02, 'the box has the image’s shape');
  await completedCards(page, 1);
  await page.waitForFunction(() => {
    const img = document.querySelector('.stage .frame img');
    return img && img.complete && img.naturalWidth > 0;
  });
  const after = await page.locator('.stage .frame').first().boundingBox();
  for (const k of ['x', 'y', 'width', 'height']) {
    assert.ok(Math.abs(after[k] - before[k]) < 1, `no layout shift: ${k} ${before[k]} → ${after[k]}`);
  }
  const img = await page.locator('.stage .frame img').evaluate((i) => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]);
  assert.deepEqual(img.slice(0, 2), [1536, 1024]);
  assert.ok(img[2] >= 400, `shown ${img[2]}px wide`);

  const stage = page.locator('.stage');
  // Download: the file is named from the prompt.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    stage.getByRole('button', { name: 'Download image 1' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'a-harbour-at-noon-oil-painting-1.png');
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  // Copy: a PNG on the clipboard.
  await stage.getByRole('button', { name: 'Copy image 1' }).click();
  await stage.getByText('Copied to the clipboard.').waitFor();
  const types = await page.evaluate(async () => (await navigator.clipboard.read()).flatMap((i) => i.types));
  assert.ok(types.includes('image/png'), types.join());
  // Use as reference: a thumbnail by the prompt, the cursor in the prompt.
  await stage.getByRole('button', { name: 'Use as reference (image 1)' }).click();
  await page.locator('.reference-list img').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'prompt');
  await page.getByRole('button', { name: 'Remove reference 1' }).click();
  // Run again: a second job with the same settings.
  await stage.getByRole('button', { name: 'Run again' }).click();
  await completedCards(page, 2);
  assert.equal((await stats(key)).jobs_created, 2);
  // Delete: the newest goes, the stage shows the one before.
  await stage.getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.jobs article').length === 1);
  await page.locator('.stage .frame img').waitFor();
  assert.deepEqual(problems, []);
});

test('phone: the newest result fills the width', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 390, height: 844 } });
  await connect(page, { key: keyFor('apiframe', 'stage_phone') });
  await page.locator('#aspect-ratio').selectOption('2:3');
  await generate(page, 'a tall lighthouse');
  await completedCards(page, 1);
  const width = await page.locator('.stage .frame').first().evaluate((f) => f.getBoundingClientRect().width);
  const column = await page.locator('.stage').evaluate((s) => s.getBoundingClientRect().width);
  assert.ok(Math.abs(width - column) < 1, `the image is ${width}px wide in a ${column}px column`);
  assert.ok(width > 330, `${width}px`);
  assert.deepEqual(problems, []);
});
