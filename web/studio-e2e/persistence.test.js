// Nothing lost: a job in flight survives a reload and delivers; the history survives a
// reload, can be searched, filtered and deleted; the key never reaches IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMULATOR_URL, completedCards, connect, generate, keyFor, naturalSizes, open, openSettings, stats } from './support.js';

test('a reload mid-job resumes polling and delivers the image', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'reload');
  await connect(page, { key, baseUrl: `${EMULATOR_URL}/_fault/poll:slow=3000x2` });
  await page.locator('#aspect-ratio').selectOption('2:3');
  await generate(page, 'an owl at midnight');
  await page.locator('.jobs article').first().getByText(/^Job /).waitFor();
  assert.equal(await page.locator('.jobs article[data-status="Completed"]').count(), 0);
  await page.reload();
  // The resumed card is back without any click, and finishes.
  const cards = await completedCards(page, 1);
  assert.deepEqual(await naturalSizes(cards), [[1024, 1536]]);
  assert.equal((await stats(key)).jobs_created, 1, 'resuming never submits twice');
  // The key is not in IndexedDB.
  const stored = await page.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('gpt-image-studio');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const all = await new Promise((ok) => {
      const r = db.transaction('entries').objectStore('entries').getAll();
      r.onsuccess = () => ok(r.result);
    });
    return JSON.stringify(all);
  });
  assert.ok(stored.includes('an owl at midnight'));
  assert.ok(!stored.includes(key), 'the API key must never be stored in IndexedDB');
  assert.deepEqual(problems, []);
});

test('the history survives a reload, is searchable and filterable, and entries can be deleted', async (t) => {
  const { page, problems } = await open(t);
  await connect(page, { key: keyFor('apiframe', 'history') });
  await generate(page, 'a copper teapot');
  await completedCards(page, 1);
  await connect(page, { provider: 'apiinone', key: keyFor('apiinone', 'history') });
  await generate(page, 'a glass lighthouse');
  await completedCards(page, 2);
  await page.reload();
  const entries = page.locator('.jobs li.job');
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job img').length === 2
    && [...document.querySelectorAll('.jobs li.job img')].every((i) => i.complete && i.naturalWidth > 0));
  // Stored bytes are shown through object URLs, so history outlives provider URLs.
  const srcs = await entries.locator('img').evaluateAll((imgs) => imgs.map((i) => i.src));
  assert.ok(srcs.every((s) => s.startsWith('blob:')), srcs.join(' '));
  await page.locator('#history-search').fill('TEAPOT');
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  assert.match(await entries.first().innerText(), /copper teapot/);
  await page.locator('#history-search').fill('');
  await page.locator('#history-provider').selectOption('apiinone');
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  assert.match(await entries.first().innerText(), /glass lighthouse/);
  await page.locator('#history-provider').selectOption('');
  await page.locator('#history-status').selectOption('failed');
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 0);
  await page.locator('#history-status').selectOption('');
  await entries.filter({ hasText: 'copper teapot' }).getByRole('button', { name: /Delete/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.jobs li.job').length === 1);
  assert.match(await entries.first().innerText(), /glass lighthouse/);
  assert.deepEqual(problems, []);
});

test('the key stays in this tab unless remembered, and can be forgotten', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'storage');
  await connect(page, { key });
  const where = () => page.evaluate((k) => ({
    session: Object.values(sessionStorage).includes(k),
    local: Object.values(localStorage).includes(k),
  }), key);
  assert.deepEqual(await where(), { session: true, local: false });
  await openSettings(page);
  await page.getByLabel('Remember on this device').check();
  assert.deepEqual(await where(), { session: false, local: true });
  await page.getByRole('button', { name: 'Show key' }).click();
  assert.equal(await page.locator('#api-key').getAttribute('type'), 'text');
  await page.getByRole('button', { name: 'Forget key' }).click();
  assert.deepEqual(await where(), { session: false, local: false });
  assert.equal(await page.locator('#api-key').inputValue(), '');
  assert.ok(!page.url().includes(key));
  assert.deepEqual(problems, []);
});
