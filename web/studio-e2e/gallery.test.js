// One gallery: jobs as a grid of thumbnails, running ones first with progress and ETA; the
// full-size view (keyboard: Enter, arrows, Escape); several images as one ZIP; compare two;
// delete a selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { EMULATOR_URL, completedCards, connect, generate, keyFor, open } from './support.js';

/** Reads a ZIP's central directory: name, method, size and whether each CRC matches. */
function unzip(bytes) {
  const end = bytes.length - 22;
  assert.equal(bytes.readUInt32LE(end), 0x06054b50, 'end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const files = [];
  for (let i = 0; i < count; i++) {
    assert.equal(bytes.readUInt32LE(at), 0x02014b50);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + bytes.readUInt16LE(local + 26);
    const data = bytes.subarray(start, start + size);
    files.push({ name, method, size, crcOk: crc32(data) === crc, png: data.subarray(1, 4).toString() === 'PNG' });
    at += 46 + nameLength;
  }
  return files;
}

test('running jobs lead the gallery with progress and ETA, then jobs as thumbnail grids', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 1400, height: 1000 } });
  await connect(page, { key: keyFor('apiframe', 'grid') });
  await page.locator('#count').selectOption('3');
  await generate(page, 'three paper cranes');
  await completedCards(page, 1);
  await connect(page, { key: keyFor('apiframe', 'grid_slow'), baseUrl: `${EMULATOR_URL}/_fault/poll:slow=2500x1` });
  await page.locator('#count').selectOption('1');
  await generate(page, 'a slow snail');
  const first = page.locator('.jobs li.job').first();
  await first.locator('progress').waitFor();
  assert.match(await first.innerText(), /a slow snail/);
  assert.match(await first.locator('.elapsed').innerText(), /left|any moment/);
  // The finished job is one group of three thumbnails.
  const grid = page.locator('.jobs li.job').nth(1).locator('.thumbs .thumb');
  assert.equal(await grid.count(), 3);
  assert.deepEqual(problems, []);
});

test('the full-size view: keyboard in, arrows through, 100 %, download, Escape back', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 1400, height: 1000 } });
  await connect(page, { key: keyFor('apiframe', 'viewer') });
  await page.locator('#count').selectOption('2');
  await generate(page, 'two owls');
  await completedCards(page, 1);
  await page.locator('#count').selectOption('1');
  await generate(page, 'one fox');
  await completedCards(page, 2);
  // Keyboard: focus a thumbnail and press Enter.
  const thumb = page.getByRole('button', { name: 'View image 1 of “two owls” full size' });
  await thumb.focus();
  await page.keyboard.press('Enter');
  const viewer = page.locator('#viewer');
  await viewer.waitFor();
  assert.equal(await page.locator('#viewer-position').innerText(), '2 of 3');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.getElementById('viewer-position').textContent === '3 of 3');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.getElementById('viewer-position').textContent === '1 of 3');
  assert.match(await page.locator('#viewer-title').innerText(), /one fox/);
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.getElementById('viewer-position').textContent === '3 of 3');
  // 100 %: the image at its natural size, scrollable.
  await page.locator('#viewer-actual').click();
  await page.waitForFunction(() => {
    const img = document.querySelector('#viewer .viewer-body img');
    return img && img.complete && Math.round(img.getBoundingClientRect().width) === img.naturalWidth;
  });
  // Download from the view.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    viewer.getByRole('button', { name: /^Download image/ }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^two-owls-2\.png$/);
  // Escape closes and gives the focus back to the thumbnail.
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'View image 1 of “two owls” full size');
  // "Use as reference" from the view.
  await page.locator('.stage button.frame').first().click();
  await viewer.getByRole('button', { name: 'Use as reference and edit' }).click();
  await viewer.waitFor({ state: 'hidden' });
  await page.locator('.reference-list img').waitFor();
  assert.deepEqual(problems, []);
});

test('select several: one ZIP of the stored images, compare two, delete them', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 1400, height: 1000 } });
  await connect(page, { key: keyFor('apiframe', 'zip') });
  await page.locator('#count').selectOption('2');
  await generate(page, 'two teacups');
  await completedCards(page, 1);
  await page.locator('#count').selectOption('1');
  await generate(page, 'a teapot');
  await completedCards(page, 2);
  // Stored bytes first, so the ZIP holds exactly what was kept.
  await page.waitForFunction(() => [...document.querySelectorAll('.jobs img')].every((i) => i.src.startsWith('blob:')));
  await page.getByRole('checkbox', { name: 'Select image 1 of “two teacups”' }).check();
  await page.getByRole('checkbox', { name: 'Select image 2 of “two teacups”' }).check();
  // Keyboard too: Space on a focused checkbox.
  await page.getByRole('checkbox', { name: 'Select image 1 of “a teapot”' }).focus();
  await page.keyboard.press('Space');
  const bar = page.getByRole('toolbar', { name: 'Selected images' });
  await bar.getByText('3 images selected').waitFor();
  assert.equal(await bar.getByRole('button', { name: 'Compare' }).isDisabled(), true, 'compare needs exactly two');

  const [download] = await Promise.all([page.waitForEvent('download'), bar.getByRole('button', { name: 'Download ZIP' }).click()]);
  assert.equal(download.suggestedFilename(), 'gpt-image-studio-3-images.zip');
  const files = unzip(readFileSync(await download.path()));
  assert.deepEqual(files.map((f) => f.name), ['two-teacups-1.png', 'two-teacups-2.png', 'a-teapot-1.png']);
  assert.ok(files.every((f) => f.method === 0 && f.crcOk && f.png), JSON.stringify(files));
  // Stored as they are: the sizes are those of the kept blobs.
  const sizes = await page.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('gpt-image-studio');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const blobs = await new Promise((ok) => {
      const r = db.transaction('images').objectStore('images').getAll();
      r.onsuccess = () => ok(r.result);
    });
    return blobs.map((b) => b.size);
  });
  assert.deepEqual(files.map((f) => f.size).sort(), sizes.sort());

  // Compare two: side by side, then the slider moved with the keyboard.
  await page.getByRole('checkbox', { name: 'Select image 1 of “a teapot”' }).uncheck();
  await bar.getByRole('button', { name: 'Compare' }).click();
  const compare = page.locator('#compare');
  await compare.waitFor();
  assert.equal(await compare.locator('.compare-side img').count(), 2);
  await compare.getByRole('radio', { name: 'Slider' }).check();
  const range = page.locator('#compare-split');
  await range.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('.compare-stack').evaluate((s) => s.style.getPropertyValue('--split')), '52%');
  await page.keyboard.press('Escape');
  await compare.waitFor({ state: 'hidden' });

  // Delete the two selected: the job with no image left goes.
  await bar.getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  assert.match(await page.locator('.jobs li.job').innerText(), /a teapot/);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  assert.deepEqual(problems, []);
});
