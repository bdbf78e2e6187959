// Generating on each provider: a newcomer's first click, the right aspect ratio on both
// providers, several jobs at once, and stopping a wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMULATOR_URL, closeSettings, completedCards, connect, generate, keyFor, naturalSizes, open, openSettings, stats,
} from './support.js';

test('a newcomer is pointed at the emulator and gets an image on the first click', async (t) => {
  const { page, problems } = await open(t);
  // The connection sums itself up in one line; the details are one click away.
  await page.locator('#connection-summary').getByText('Apiframe · local emulator · demo key').waitFor();
  await openSettings(page);
  await page.getByText('with demo keys').waitFor();
  assert.equal(await page.locator('#base-url').inputValue(), EMULATOR_URL);
  assert.match(await page.locator('#api-key').inputValue(), /^afk_demo/);
  assert.equal(await page.locator('#api-key').getAttribute('type'), 'password', 'the key is masked');
  await closeSettings(page);
  await generate(page, 'a lighthouse at dawn, watercolour');
  const cards = await completedCards(page, 1);
  assert.deepEqual(await naturalSizes(cards), [[1024, 1024]]);
  assert.deepEqual(problems, []);
});

test('Apiframe: a 3:2 image at its real size, with the credits charged', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'landscape');
  await connect(page, { key });
  await page.locator('#aspect-ratio').selectOption('3:2');
  await page.locator('#count').selectOption('2');
  await page.getByText('publishes no per-image price').waitFor();
  await generate(page, 'a wide mountain valley');
  const cards = await completedCards(page, 1);
  assert.deepEqual(await naturalSizes(cards), [[1536, 1024], [1536, 1024]]);
  assert.match(await cards.first().innerText(), /credits charged/);
  assert.equal((await stats(key)).jobs_created, 1);
  assert.deepEqual(problems, []);
});

test('API in One: a 2:3 image, an estimate in its credits, options it lacks disabled', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiinone', 'portrait');
  await connect(page, { provider: 'apiinone', key });
  assert.equal(await page.locator('#count').isDisabled(), true);
  await page.getByText('API in One has no number-of-images option').waitFor();
  assert.equal(await page.locator('#background').isDisabled(), true);
  await page.locator('#quality').selectOption('high');
  await page.getByText('Estimate: 28 credits').waitFor();
  await page.locator('#quality').selectOption('medium');
  await page.getByText('Estimate: 10 credits').waitFor();
  await page.locator('#aspect-ratio').selectOption('2:3');
  await generate(page, 'a tall portrait of a heron');
  const cards = await completedCards(page, 1);
  assert.deepEqual(await naturalSizes(cards), [[1024, 1536]]);
  assert.equal((await stats(key)).jobs_created, 1);
  assert.deepEqual(problems, []);
});

test('several jobs run at once', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'concurrent');
  await connect(page, { key });
  for (const prompt of ['a red fox', 'a blue whale', 'a green parrot']) {
    await generate(page, prompt);
  }
  // All three are in flight together before the first one finishes.
  await page.waitForFunction(() => document.querySelectorAll('.jobs article').length === 3);
  assert.equal(await page.locator('.jobs article[data-status="Completed"]').count(), 0);
  await completedCards(page, 3);
  assert.equal((await stats(key)).jobs_created, 3);
  assert.deepEqual(problems, []);
});

test('stop waiting stops polling, and resuming delivers', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'stop');
  await connect(page, { key, baseUrl: `${EMULATOR_URL}/_fault/poll:slow=1500x1` });
  await generate(page, 'a slow sunset');
  const card = page.locator('.jobs article').first();
  await card.getByText(/^Job /).waitFor();
  await card.getByRole('button', { name: 'Stop waiting' }).click();
  await page.locator('.jobs article[data-status="Stopped waiting"]').waitFor();
  const polls = (await stats(key)).polls_total;
  await page.waitForTimeout(2_500);
  assert.equal((await stats(key)).polls_total, polls, 'no polls after stopping');
  await card.getByRole('button', { name: 'Resume waiting' }).click();
  await completedCards(page, 1);
  assert.deepEqual(problems, []);
});

test('a burst beyond the account limit waits as queued, meets no 429, and what was learned is kept', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'burst');
  await connect(page, { key });
  // The emulator lets a key run 10 jobs at once: 16 clicks in one go, as an impatient person.
  await page.locator('#prompt').fill('a fox in the snow');
  await page.evaluate(() => {
    for (let i = 0; i < 16; i += 1) document.querySelector('#generate').click();
  });
  await page.locator('.jobs article[data-status="Queued: waiting for a free slot"]').first().waitFor();
  await completedCards(page, 16, 60_000);
  const s = await stats(key);
  assert.equal(s.jobs_created, 16);
  assert.equal(s.concurrency_refused, 0, 'the studio held the jobs beyond the limit');
  assert.ok(s.list_requests > 0, 'the running jobs were polled together through the listing');
  // The polling schedule's learned durations are kept for the next visit: figures only.
  const kept = await page.evaluate(() => localStorage.getItem('gpt-image-studio.durations.apiframe'));
  assert.ok(JSON.parse(kept).durations.length > 0, kept);
  assert.doesNotMatch(kept, /fox|afk_/);
  assert.deepEqual(problems, []);
});
