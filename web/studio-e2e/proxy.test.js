// Keys stay on the server: the studio on its own origin talks to the proxy (`createProxy` from
// the built `gpt-image-wasm/proxy`), which holds the keys, in front of an emulator that refuses
// browsers (CORS off); no request the page sends carries a key. Calling that emulator directly
// is explained as a provider that does not accept calls from web pages, with the way to the
// proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STUDIO_URL, completedCards, connect, generate, keyFor, open, openSettings } from './support.js';

const PACKAGE = process.env.PROXY_PACKAGE;
const NOCORS = process.env.EMULATOR_NOCORS_URL;
// Never skipped: without these the tier is misconfigured, and that must fail, not pass quietly.
assert.ok(
  PACKAGE && NOCORS,
  'PROXY_PACKAGE and EMULATOR_NOCORS_URL are not set: run through `cargo xtask test studio`',
);
const BASE_PATH = '/api/gpt-image';

/** Starts the proxy on a free loopback port; resolves to its URL with the base path. */
async function startProxy(t, keys) {
  const { createProxy } = await import(pathToFileURL(join(PACKAGE, 'proxy-node.js')).href);
  const proxy = await createProxy({
    keys,
    upstream: { apiframe: NOCORS, apiinone: NOCORS },
    allowedOrigins: [new URL(STUDIO_URL).origin],
    basePath: BASE_PATH,
  });
  const server = createServer((req, res) => proxy.node(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}${BASE_PATH}`;
}

test('through the proxy: an image is made and no request from the page carries a key', async (t) => {
  const keys = { apiframe: keyFor('apiframe', 'proxy'), apiinone: keyFor('apiinone', 'proxy') };
  const proxyUrl = await startProxy(t, keys);
  const { page, problems } = await open(t);
  const sent = [];
  page.on('request', (request) => sent.push({ url: request.url(), headers: request.headers() }));
  await connect(page, { proxyUrl });
  await page.locator('#connection-summary').getByText('key on the server').waitFor();
  await generate(page, 'a lighthouse kept by a proxy');
  await completedCards(page, 1);
  await connect(page, { provider: 'apiinone', proxyUrl });
  await generate(page, 'a second lighthouse, through API in One');
  await completedCards(page, 2);

  const toProxy = sent.filter((r) => r.url.startsWith(proxyUrl));
  assert.ok(toProxy.some((r) => r.url.startsWith(`${proxyUrl}/apiframe/`)), 'Apiframe went through the proxy');
  assert.ok(toProxy.some((r) => r.url.startsWith(`${proxyUrl}/apiinone/`)), 'API in One went through the proxy');
  for (const { url, headers } of sent) {
    const text = `${url} ${JSON.stringify(headers)}`;
    for (const key of Object.values(keys)) assert.ok(!text.includes(key), `a key left the page: ${url}`);
    assert.ok(!('x-api-key' in headers) && !('authorization' in headers), `an auth header left the page: ${url}`);
  }
  // Nothing the page stores holds a key either.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  for (const key of Object.values(keys)) assert.ok(!stored.includes(key));
  // The only console errors are the browser refusing to hand over the result files' bytes
  // (this image host sends no CORS headers): the images are shown from their URLs instead of
  // being kept offline, and the gallery says so.
  const unexpected = problems.filter((p) => !/blocked by CORS policy|net::ERR_FAILED/.test(p));
  assert.deepEqual(unexpected, []);
  assert.match(await page.locator('.jobs li.job').first().innerText(), /0 of 1 kept offline/);
});

test('direct to a provider that refuses browsers: the card explains and points to the proxy', async (t) => {
  const { page } = await open(t);
  await connect(page, { key: keyFor('apiframe', 'nocors'), baseUrl: NOCORS });
  await generate(page, 'a fox behind a wall');
  const card = page.locator('.jobs article[data-status="Failed"]');
  await card.waitFor({ timeout: 30_000 });
  const text = await card.innerText();
  assert.match(text, /Apiframe does not accept calls from web pages/);
  assert.match(text, /npm i gpt-image-wasm/);
  assert.match(text, /createProxy from gpt-image-wasm\/proxy/);
  await card.getByRole('link', { name: 'How to run the proxy' }).click();
  await page.locator('#proxy-help').waitFor();
  assert.match(await page.locator('#proxy-help').innerText(), /createProxy/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'proxy-help-title');
});
