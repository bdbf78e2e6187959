// Copy the code: the exact request for the form, key redacted unless revealed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMULATOR_URL, connect, keyFor, open } from './support.js';

test('the code panel shows the exact request with the key redacted until revealed', async (t) => {
  const { page, problems } = await open(t);
  const key = keyFor('apiframe', 'code');
  await connect(page, { key });
  await page.locator('#prompt').fill("it's a fox");
  await page.locator('#quality').selectOption('high');
  await page.getByText('Code for this request').click();
  const code = page.locator('#code-text');
  let text = await code.innerText();
  assert.ok(text.startsWith(`curl -X POST '${EMULATOR_URL}/v2/images/generate'`), text);
  assert.ok(text.includes("-H 'x-api-key: YOUR_API_KEY'"), text);
  assert.ok(text.includes('"quality": "high"'), text);
  assert.ok(text.includes(`"prompt": "it'\\''s a fox"`), text);
  assert.ok(!text.includes(key));
  await page.getByLabel('Reveal the key in the code').check();
  text = await code.innerText();
  assert.ok(text.includes(`x-api-key: ${key}`), text);
  await page.getByLabel('Reveal the key in the code').uncheck();

  await page.getByRole('radio', { name: 'JavaScript' }).check();
  text = await code.innerText();
  assert.ok(text.includes(`fetch("${EMULATOR_URL}/v2/images/generate"`), text);
  assert.ok(!text.includes(key));

  await connect(page, { provider: 'apiinone', key: keyFor('apiinone', 'code') });
  await page.getByRole('radio', { name: 'Python' }).check();
  text = await code.innerText();
  assert.ok(text.includes('requests.post('), text);
  assert.ok(text.includes('"authorization": "Bearer YOUR_API_KEY"'), text);
  assert.ok(text.includes('"model": "gpt-image-1-5"'), text);
  assert.deepEqual(problems, []);
});
