// Key-leak audit of the studio: canary keys driven through the error paths a user meets (a
// failed job, rate limits, 5xx, unreadable and lost replies, a provider that refuses browsers)
// appear nowhere but the tab's own key storage, which the user chose: not in the page's text,
// the code panel (unless revealed), the console, any request URL, localStorage or IndexedDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMULATOR_URL, JOBS, connect, generate, keyFor, open } from './support.js';

const SETTLED = ['Completed', 'Failed', 'Stopped waiting'];

test('no error path shows the key anywhere the user did not choose to keep it', async (t) => {
  const keys = { apiframe: keyFor('apiframe', 'leak'), apiinone: keyFor('apiinone', 'leak') };
  const { page } = await open(t);
  const console = [];
  const urls = [];
  page.on('console', (m) => console.push(m.text()));
  page.on('pageerror', (e) => console.push(e.message));
  page.on('request', (r) => urls.push(r.url()));

  const runs = [
    ['apiframe', 'submit:fail'],
    ['apiframe', 'submit:429x1'],
    ['apiframe', 'submit:503x2'],
    ['apiframe', 'submit:drop-afterx1'],
    ['apiframe', 'poll:malformedx2'],
    ['apiinone', 'submit:503'],
    ['apiinone', 'submit:fail'],
    ['apiinone', 'poll:truncatedx1'],
  ];
  for (const [i, [provider, fault]] of runs.entries()) {
    await connect(page, { provider, key: keys[provider], baseUrl: `${EMULATOR_URL}/_fault/${fault}` });
    await generate(page, `a lighthouse, ${fault}`);
    await page.waitForFunction((n) => document.querySelectorAll('.jobs article').length >= n, i + 1);
  }
  const nocors = process.env.EMULATOR_NOCORS_URL;
  assert.ok(nocors, 'EMULATOR_NOCORS_URL is not set: run through `cargo xtask test studio`');
  await connect(page, { provider: 'apiframe', key: keys.apiframe, baseUrl: nocors });
  await generate(page, 'a lighthouse, refused by the provider');

  // Every card ends: completed, failed as the provider said, or given up with a reason.
  await page.waitForFunction(
    ({ n, settled }) => {
      const cards = [...document.querySelectorAll('.jobs article')];
      return cards.length >= n && cards.every((c) => settled.includes(c.dataset.status));
    },
    { n: runs.length + 1, settled: SETTLED },
    { timeout: 120_000 },
  );
  const statuses = await page.locator(JOBS).evaluateAll((cards) => cards.map((c) => c.dataset.status));
  assert.ok(statuses.includes('Failed'), `no failed card among ${statuses}`);
  assert.ok(statuses.includes('Completed'), `no completed card among ${statuses}`);

  await page.locator('summary', { hasText: 'Code for this request' }).first().click();
  const evidence = await page.evaluate(async () => {
    const dump = async () => {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open('gpt-image-studio');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const out = {};
      for (const name of db.objectStoreNames) {
        out[name] = await new Promise((resolve, reject) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      }
      db.close();
      return JSON.stringify(out, (_, v) => (v instanceof Blob ? `[blob ${v.size}]` : v));
    };
    return {
      text: document.body.textContent,
      local: JSON.stringify({ ...localStorage }),
      db: await dump(),
      url: location.href,
    };
  });
  assert.ok(evidence.db.length > 2, 'the history was kept in IndexedDB');
  for (const key of Object.values(keys)) {
    assert.ok(!evidence.text.includes(key), 'the key is in the page text or the code panel');
    assert.ok(!evidence.local.includes(key), 'the key is in localStorage, which the user did not choose');
    assert.ok(!evidence.db.includes(key), 'the key is in IndexedDB');
    assert.ok(!evidence.url.includes(key), 'the key is in the page URL');
    assert.deepEqual(urls.filter((u) => u.includes(key)), [], 'the key is in a request URL');
    assert.deepEqual(console.filter((line) => line.includes(key)), [], 'the key is in the console');
  }
});
