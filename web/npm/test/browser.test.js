// The package in a browser: the Vite example app (built from the packed tarball) and a plain
// module page (the unpacked package behind an import map), each served statically and driven
// in headless Chromium through playwright-core, generating an image against the emulator.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { EMULATOR, key, stats } from './support.js';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

describe('in headless Chromium', () => {
  let context;
  let profile;

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'gpt-image-wasm-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ARGS,
    });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  for (const [name, variable] of [['the Vite example app', 'VITE_APP_URL'], ['a plain module page', 'PLAIN_PAGE_URL']]) {
    it(`${name} generates an image`, async () => {
      const pageUrl = process.env[variable];
      assert.ok(pageUrl, `${variable} is not set: run through \`cargo xtask test\``);
      const apiKey = key('apiframe', variable.toLowerCase());
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} (${m.location().url})`));
      const url = `${pageUrl}?emulator=${encodeURIComponent(EMULATOR)}&key=${apiKey}`;
      await page.goto(url);
      await page.waitForSelector('#status:not([data-state="loading"])', { timeout: 30_000 });
      const state = await page.getAttribute('#status', 'data-state');
      const text = await page.textContent('#status');
      assert.equal(state, 'done', `${text}\n${problems.join('\n')}`);
      const width = await page.evaluate(() => document.querySelector('#image').naturalWidth);
      assert.equal(width, 1024, 'the image loaded');
      assert.equal((await stats(apiKey)).jobs_created, 1);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  /** The plain page, loaded and settled, to run the package in (its import map resolves it). */
  async function packagePage() {
    const pageUrl = process.env.PLAIN_PAGE_URL;
    assert.ok(pageUrl, 'PLAIN_PAGE_URL is not set: run through `cargo xtask test`');
    const page = await context.newPage();
    const url = `${pageUrl}?emulator=${encodeURIComponent(EMULATOR)}&key=${key('apiframe', 'host_page')}`;
    await page.goto(url);
    await page.waitForSelector('#status:not([data-state="loading"])', { timeout: 30_000 });
    return page;
  }

  it('a page refuses a key without dangerouslyAllowBrowser, and takes a proxy baseUrl', async () => {
    const page = await packagePage();
    const apiKey = key('apiframe', 'page_flag');
    const outcome = await page.evaluate(async ({ emulator, apiKey }) => {
      const { createClient, GptImageError } = await import('gpt-image-wasm');
      const poll = { minDelayMs: 100, maxDelayMs: 250, typicalMs: 600 };
      const out = {};
      try {
        await createClient({ provider: 'apiframe', apiKey, baseUrl: emulator });
        out.refused = null;
      } catch (e) {
        out.refused = { isError: e instanceof GptImageError, kind: e.kind, field: e.field, message: e.message };
      }
      const proxied = await createClient({ provider: 'apiinone', baseUrl: `${emulator}/some/proxy/` });
      out.proxyBaseUrl = proxied.baseUrl;
      out.pathBaseUrl = (await createClient({ provider: 'apiframe', baseUrl: '/api/gpt-image/apiframe' })).baseUrl;
      out.origin = location.origin;
      const allowed = await createClient({ provider: 'apiframe', apiKey, baseUrl: emulator, poll, dangerouslyAllowBrowser: true });
      const result = await allowed.generate({ prompt: 'a red fox in snow' });
      out.images = result.images.length;
      return out;
    }, { emulator: EMULATOR, apiKey });
    assert.ok(outcome.refused, 'a key without the flag was accepted in a page');
    assert.equal(outcome.refused.isError, true);
    assert.equal(outcome.refused.kind, 'invalid_request');
    assert.equal(outcome.refused.field, 'dangerouslyAllowBrowser');
    assert.match(outcome.refused.message, /every visitor/);
    assert.match(outcome.refused.message, /gpt-image-wasm\/proxy/);
    assert.ok(!outcome.refused.message.includes(apiKey), 'the key is in the message');
    assert.equal(outcome.proxyBaseUrl, `${EMULATOR}/some/proxy`);
    assert.equal(outcome.pathBaseUrl, `${outcome.origin}/api/gpt-image/apiframe`, 'a path baseUrl takes the page origin');
    assert.equal(outcome.images, 1);
    assert.equal((await stats(apiKey)).jobs_created, 1, 'the refused client sent nothing');
    await page.close();
  });

  it('a redirect is not followed: the key and the app headers go nowhere else', async () => {
    // One server answers every request with a 307 to a second one, which records what reaches it.
    const reached = [];
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
    };
    const elsewhere = createServer((req, res) => {
      reached.push(req.headers);
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, { ...cors, 'content-type': 'application/json' });
      res.end('{"jobId":"j1","status":"QUEUED"}');
    });
    await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${elsewhere.address().port}`;
    const redirecting = createServer((req, res) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors);
        return res.end();
      }
      res.writeHead(307, { ...cors, location: `${target}${req.url}` });
      res.end();
    });
    await new Promise((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const page = await packagePage();
    try {
      const apiKey = 'afk_npm_redirect_secret_1234';
      const outcome = await page.evaluate(async ({ base, apiKey }) => {
        const { createClient } = await import('gpt-image-wasm');
        const c = await createClient({
          provider: 'apiframe', apiKey, baseUrl: base, dangerouslyAllowBrowser: true,
          headers: { 'X-Session': 'session-secret-5678' }, maxRetries: 0,
        });
        try {
          await c.submit({ prompt: 'a red fox in snow' });
          return { resolved: true };
        } catch (e) {
          return { kind: e.kind, status: e.status, message: e.message };
        }
      }, { base: `http://127.0.0.1:${redirecting.address().port}`, apiKey });
      assert.equal(outcome.kind, 'api', JSON.stringify(outcome));
      assert.match(outcome.message, /redirect/);
      assert.ok(!outcome.message.includes(apiKey));
      const leaked = reached.filter((h) => JSON.stringify(h).includes('secret'));
      assert.deepEqual(leaked, [], 'the key or the app header reached the other origin');
    } finally {
      await page.close();
      redirecting.close();
      elsewhere.close();
    }
  });

  it('a web worker counts as a browser too', async () => {
    const page = await packagePage();
    const outcome = await page.evaluate(async (emulator) => {
      const entry = new URL('./gpt-image-wasm/browser.js', location.href).href;
      const source = `
        import { createClient } from ${JSON.stringify(entry)};
        const out = {};
        try {
          await createClient({ provider: 'apiframe', apiKey: 'afk_npm_worker_x', baseUrl: ${JSON.stringify(emulator)} });
          out.keyed = 'created';
        } catch (e) {
          out.keyed = e.kind + ' ' + e.field;
        }
        const proxied = await createClient({ provider: 'apiframe', baseUrl: ${JSON.stringify(emulator)} });
        out.proxy = proxied.baseUrl;
        postMessage(out);
      `;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
      try {
        return await new Promise((resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => reject(new Error(event.message ?? 'the worker failed'));
          setTimeout(() => reject(new Error('the worker never answered')), 20_000);
        });
      } finally {
        worker.terminate();
      }
    }, EMULATOR);
    assert.equal(outcome.keyed, 'invalid_request dangerouslyAllowBrowser');
    assert.equal(outcome.proxy, EMULATOR);
    await page.close();
  });
});
