// Errors in plain words next to their cause, and validation that blocks a request before it
// leaves the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMULATOR_URL, connect, generate, keyFor, open, openSettings, stats } from './support.js';

test('a refused key is explained next to the key field, with the provider’s words', async (t) => {
  const { page } = await open(t);
  await connect(page, { key: 'afk_your_api_key_here' });
  await generate(page, 'a fox');
  await page.locator('.jobs article[data-status="Failed"]').waitFor();
  // The header says so, and Settings shows why next to the key.
  await page.locator('#connection-summary').getByText('key problem').waitFor();
  await openSettings(page);
  const error = page.locator('#api-key-error');
  await error.getByText('refused the API key').waitFor();
  assert.match(await error.innerText(), /HTTP 401/);
  assert.equal(await page.locator('#api-key').getAttribute('aria-invalid'), 'true');
});

test('an inactive key says so', async (t) => {
  const { page } = await open(t);
  await connect(page, { key: `afk_inactive_${Date.now()}` });
  await generate(page, 'a fox');
  await page.locator('#connection-summary').getByText('key problem').waitFor();
  await openSettings(page);
  await page.locator('#api-key-error').getByText('inactive').first().waitFor();
});

test('a prompt over the limit is blocked before sending, with the core’s text by the prompt', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'toolong');
  await connect(page, { key });
  await page.locator('#prompt').fill('x'.repeat(2_001));
  await page.getByText('2001 / 2000 characters').waitFor();
  await page.locator('#generate').click();
  await page.locator('#prompt-error').getByText('prompt is 2001 characters; Apiframe accepts 1–2000').waitFor();
  assert.equal(await page.locator('#prompt').getAttribute('aria-invalid'), 'true');
  // Ctrl+Enter is blocked the same way.
  await page.locator('#prompt').press('Control+Enter');
  await page.waitForTimeout(500);
  assert.equal(await page.locator('.jobs article').count(), 0);
  assert.equal((await stats(key)).submits_received, 0, 'no request went out');
  // The same prompt is fine on API in One (5,000 characters), and Ctrl+Enter sends it.
  await connect(page, { provider: 'apiinone', key: keyFor('apiinone', 'toolong') });
  await page.locator('#prompt').press('Control+Enter');
  await page.locator('.jobs article').first().waitFor();
  assert.deepEqual(problems, []);
});

test('a transparent JPEG and a bad reference URL are blocked next to their controls', async (t) => {
  const { page } = await open(t);
  const key = keyFor('apiframe', 'combo');
  await connect(page, { key });
  await page.locator('#prompt').fill('a logo');
  await page.locator('#background').selectOption('transparent');
  await page.locator('#output-format').selectOption('jpeg');
  await page.locator('#background-error').getByText('JPEG has no alpha').waitFor();
  await page.locator('#generate').click();
  await page.locator('#output-format').selectOption('png');
  await page.locator('#reference-url').fill('ftp://example.com/a.png');
  await page.getByRole('button', { name: 'Add URL' }).click();
  await page.locator('#reference-error').getByText('not an http(s) URL').waitFor();
  assert.equal(await page.locator('#input-fidelity').isDisabled(), false, 'fidelity applies once there is a reference');
  await page.locator('#generate').click();
  assert.equal((await stats(key)).submits_received, 0);
});

test('a failed job and a rate limit are explained on the job card', async (t) => {
  const { page } = await open(t);
  await connect(page, { key: keyFor('apiframe', 'fail'), baseUrl: `${EMULATOR_URL}/_fault/submit:fail` });
  await generate(page, 'a fox');
  const failed = page.locator('.jobs article[data-status="Failed"]');
  await failed.getByText('could not make this image').waitFor({ timeout: 30_000 });
  await connect(page, { key: keyFor('apiframe', 'limited'), baseUrl: `${EMULATOR_URL}/_fault/submit:429x9` });
  await generate(page, 'a fox');
  await page.locator('.jobs article').first().getByText('rate limiting').waitFor({ timeout: 30_000 });
});
