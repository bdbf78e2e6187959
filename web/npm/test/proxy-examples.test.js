// The README's "Use it in a web app" snippets: each is a file in web/npm/examples/proxy/, the
// README holds each file's code verbatim, and each runs here against the emulator: the Next.js
// route handler's exports called with Request objects, Express as its own process, Hono's
// app.fetch, and the browser-side client (in Node, with the page globals it reads). The Worker
// runs in workerd (proxy-workerd.test.js).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createProxy } from 'gpt-image-wasm/proxy';
import { freePort, generateThrough, listen, startEmulator } from './proxy-support.js';

const EXAMPLES = new URL('../examples/proxy/', import.meta.url);
const README = new URL('../../../README.md', import.meta.url);
const FILES = ['next-route.js', 'express.js', 'hono.js', 'worker.js', 'browser.js'];
const SESSION = 'session-token-for-the-test';
const AFK = 'afk_examples_server_key';
const AIO = 'aio_examples_server_key';

let emulator;
before(async () => {
  emulator = await startEmulator();
  // What each snippet reads from its environment (the same for all of them).
  Object.assign(process.env, {
    APIFRAME_API_KEY: AFK,
    APIINONE_API_KEY: AIO,
    APIFRAME_BASE_URL: emulator.url,
    APIINONE_BASE_URL: emulator.url,
    APP_SESSION: SESSION,
  });
});
after(async () => {
  await emulator?.stop();
});

describe('proxy examples', () => {
  it('the README holds each example file verbatim', () => {
    const readme = readFileSync(README, 'utf8');
    for (const file of FILES) {
      const code = readFileSync(new URL(file, EXAMPLES), 'utf8').trim();
      assert.ok(readme.includes(code), `README.md lacks the code of web/npm/examples/proxy/${file}`);
    }
  });

  it('Next.js route handler: GET, POST and OPTIONS called with Request objects', async () => {
    const route = await import(new URL('next-route.js', EXAMPLES));
    const methods = { GET: route.GET, POST: route.POST, OPTIONS: route.OPTIONS };
    const send = (url, init = {}) => {
      const request = new Request(url, { ...init, headers: { ...init.headers, 'x-app-session': SESSION } });
      return methods[request.method](request, { params: Promise.resolve({ path: [] }) });
    };
    for (const provider of ['apiframe', 'apiinone']) {
      // Within the snippet's policy: API in One has no "low", its cheapest is "medium".
      const quality = provider === 'apiframe' ? 'low' : 'medium';
      const job = await generateThrough(send, provider, 'http://app.test/api/gpt-image', { quality });
      assert.match(JSON.stringify(job), /\/files\//);
    }
    // Its sign-in check and policy.
    let reply = await route.GET(new Request('http://app.test/api/gpt-image/apiframe/v2/jobs/j1'));
    assert.equal(reply.status, 401);
    reply = await send('http://app.test/api/gpt-image/apiframe/v2/images/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox', model: 'gpt-image-1.5', gptImageParams: { quality: 'high' } }),
    });
    assert.equal(reply.status, 400);
    reply = await route.OPTIONS(new Request('http://app.test/api/gpt-image/apiframe/v2/images/generate', { method: 'OPTIONS' }));
    assert.equal(reply.status, 204);
  });

  it('Express: the example server, started as its own process', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [fileURLToPath(new URL('express.js', EXAMPLES))], {
      cwd: fileURLToPath(EXAMPLES),
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      const base = `http://127.0.0.1:${port}/api/gpt-image`;
      for (let i = 0; ; i++) {
        const up = await fetch(`${base}/apiframe/v2/jobs/x`).then(
          () => true,
          () => false,
        );
        if (up) break;
        if (i > 100 || child.exitCode !== null) throw new Error('the Express example did not start');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const provider of ['apiframe', 'apiinone']) {
        const job = await generateThrough(fetch, provider, base);
        assert.match(JSON.stringify(job), /\/files\//);
      }
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });

  it("Hono: the example app's fetch", async () => {
    const { default: app } = await import(new URL('hono.js', EXAMPLES));
    const send = (url, init) => app.fetch(new Request(url, init));
    for (const provider of ['apiframe', 'apiinone']) {
      const job = await generateThrough(send, provider, 'http://app.test/api/gpt-image');
      assert.match(JSON.stringify(job), /\/files\//);
    }
    const reply = await send('http://app.test/api/gpt-image/apiframe/v2/me');
    assert.equal(reply.status, 404);
  });

  it('the browser side: createClient with the proxy baseUrl and a session header, no key', async () => {
    const seen = [];
    const proxy = await createProxy({
      keys: { apiframe: AFK },
      basePath: '/api/gpt-image',
      upstream: { apiframe: emulator.url },
      authorize: (request) => {
        seen.push(request.headers.get('x-app-session'));
        return request.headers.get('x-app-session') === SESSION;
      },
    });
    const server = await listen(proxy.node);
    const img = { src: '' };
    const page = {
      location: new URL(`${server.url}/gallery/`),
      sessionStorage: { getItem: (name) => (name === 'session' ? SESSION : null) },
      document: { querySelector: (selector) => (selector === 'img' ? img : null) },
    };
    const saved = Object.fromEntries(Object.keys(page).map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
    Object.assign(globalThis, page);
    try {
      await import(new URL('browser.js', EXAMPLES));
      assert.match(img.src, /^http:\/\/127\.0\.0\.1:\d+\/files\//);
      assert.ok(seen.length >= 2 && seen.every((s) => s === SESSION), JSON.stringify(seen));
    } finally {
      for (const [name, descriptor] of Object.entries(saved)) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete globalThis[name];
      }
      await server.close();
    }
  });
});
