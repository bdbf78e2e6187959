// Connection options: proxy mode without a key sends no auth header, the app's own headers
// arrive, reserved header names are refused, and only a browser needs dangerouslyAllowBrowser.
// A tiny local server stands in for the app's proxy and records what reaches it (the emulator
// itself needs a key).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GptImageError, createClient } from 'gpt-image-wasm';
import { FAST_POLL, client, key, rejection, stats } from './support.js';

/** A stand-in proxy that answers like the provider and keeps each request's headers. */
function recordingProxy() {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url.endsWith('/v2/images/generate')) {
      res.statusCode = 202;
      res.end(JSON.stringify({ jobId: 'job_proxy_1', status: 'QUEUED' }));
    } else if (req.method === 'POST' && req.url.endsWith('/api/v1/images/generations')) {
      res.end(JSON.stringify({ code: 200, message: 'success', data: { task_id: 'task_proxy_1', status: 'IN_PROGRESS' } }));
    } else if (req.url.includes('/v2/jobs/')) {
      res.end(JSON.stringify({ id: 'job_proxy_1', status: 'COMPLETED', progress: 100, result: { images: ['https://img.test/a.png'] } }));
    } else if (req.url.includes('/api/v1/tasks/')) {
      res.end(JSON.stringify({ code: 200, data: { id: 'task_proxy_1', status: 'completed', result: { images: [{ url: ['https://img.test/b.png'] }] } } }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  return { seen, server };
}

async function expectInvalid(promise, field) {
  const error = await rejection(promise);
  assert.ok(error instanceof GptImageError, `not a GptImageError: ${error}`);
  assert.equal(error.kind, 'invalid_request', error.message);
  assert.equal(error.field, field, error.message);
  return error;
}

describe('proxy mode', () => {
  const { seen, server } = recordingProxy();
  let base;

  before(async () => {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}/api/gpt-image`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  for (const provider of ['apiframe', 'apiinone']) {
    it(`${provider}: no key sends no auth header, and the app's headers arrive`, async () => {
      seen.length = 0;
      const c = await createClient({
        provider,
        baseUrl: `${base}/${provider}`,
        headers: { 'X-Session': 'session-token-123', 'x-trace-id': 'trace 7' },
        poll: FAST_POLL,
      });
      const result = await c.generate({ prompt: 'a red fox in snow' });
      assert.equal(result.images.length, 1);
      assert.ok(seen.length >= 2, 'a submit and at least one poll');
      for (const { method, url, headers } of seen) {
        assert.ok(url.startsWith(`/api/gpt-image/${provider}/`), url);
        assert.equal(headers.authorization, undefined, `${method} ${url} sent Authorization`);
        assert.equal(headers['x-api-key'], undefined, `${method} ${url} sent X-API-Key`);
        assert.equal(headers['x-session'], 'session-token-123', `${method} ${url}`);
        assert.equal(headers['x-trace-id'], 'trace 7', `${method} ${url}`);
      }
    });
  }

  it('with a key, the auth header and the app headers both go', async () => {
    seen.length = 0;
    const c = await createClient({
      provider: 'apiframe',
      apiKey: 'afk_npm_proxy_keyed',
      baseUrl: `${base}/apiframe`,
      headers: { 'X-Session': 's1' },
    });
    await c.submit({ prompt: 'a red fox' });
    assert.equal(seen[0].headers['x-api-key'], 'afk_npm_proxy_keyed');
    assert.equal(seen[0].headers['x-session'], 's1');
    assert.ok(seen[0].headers['idempotency-key'], 'the submit carries an Idempotency-Key');
  });
});

describe('connection options', () => {
  it('a key or a proxy baseUrl is required', async () => {
    const error = await expectInvalid(createClient({ provider: 'apiframe' }), 'apiKey');
    assert.match(error.message, /baseUrl/);
  });

  for (const name of ['Authorization', 'x-api-key', 'Cookie', 'Idempotency-Key', 'content-type', 'HOST']) {
    it(`refuses the header ${name}`, async () => {
      const error = await expectInvalid(
        createClient({ provider: 'apiframe', baseUrl: 'http://127.0.0.1:9', headers: { [name]: 'secret-value-1' } }),
        'headers',
      );
      assert.ok(error.message.includes(name), error.message);
      assert.ok(!error.message.includes('secret-value-1'), error.message);
    });
  }

  for (const [what, headers] of [
    ['an array', ['X-A', '1']],
    ['a non-string value', { 'X-A': 1 }],
    ['a bad name', { 'X A': '1' }],
    ['a line break in a value', { 'X-A': 'a\r\nInjected: 1' }],
  ]) {
    it(`refuses headers with ${what}`, () =>
      expectInvalid(createClient({ provider: 'apiframe', baseUrl: 'http://127.0.0.1:9', headers }), 'headers'));
  }

  it('dangerouslyAllowBrowser must be a boolean', () =>
    expectInvalid(createClient({ provider: 'apiframe', apiKey: 'afk_x', dangerouslyAllowBrowser: 'yes' }), 'dangerouslyAllowBrowser'));

  it('Node is a server: a key needs no flag', async () => {
    const apiKey = key('apiframe', 'node_server');
    const c = await client('apiframe', apiKey);
    await c.submit({ prompt: 'a red fox' });
    assert.equal((await stats(apiKey)).jobs_created, 1);
  });

  it('Node stays a server even with browser-like globals (jsdom, a worker scope)', async () => {
    const options = { provider: 'apiframe', apiKey: 'afk_npm_runtime_x' };
    globalThis.document = {};
    globalThis.WorkerGlobalScope = function WorkerGlobalScope() {};
    globalThis.WorkerGlobalScope.prototype = Object.getPrototypeOf(globalThis);
    try {
      const c = await createClient(options);
      assert.equal(c.provider, 'apiframe');
    } finally {
      delete globalThis.document;
      delete globalThis.WorkerGlobalScope;
    }
  });
});

describe('failed polls', () => {
  it('maxPollFailures is at least 1', () =>
    expectInvalid(createClient({ provider: 'apiframe', apiKey: 'afk_x', maxPollFailures: 0 }), 'maxPollFailures'));

  for (const provider of ['apiframe', 'apiinone']) {
    it(`${provider}: unreadable polls are repeated, then the error names the job`, async () => {
      const apiKey = key(provider, 'pollcap');
      const c = await client(provider, apiKey, { fault: 'poll:malformed', maxPollFailures: 2 });
      const error = await rejection(c.generate({ prompt: 'a red fox in snow' }));
      assert.ok(error instanceof GptImageError, String(error));
      assert.equal(error.kind, 'decode', error.message);
      assert.ok(error.jobId, 'the error carries the job id');
      assert.ok(error.message.includes(error.jobId) && /may still finish/.test(error.message), error.message);
      assert.equal((await stats(apiKey)).polls_total, 2);
      assert.ok(!error.message.includes(apiKey));
    });

    it(`${provider}: a wait survives unreadable and truncated poll replies`, async () => {
      const apiKey = key(provider, 'pollsurvive');
      const c = await client(provider, apiKey, { fault: 'poll:malformedx2,poll:truncatedx1' });
      const result = await c.generate({ prompt: 'a red fox in snow' });
      assert.ok(result.images.length >= 1);
      assert.equal((await stats(apiKey)).jobs_created, 1);
    });
  }
});
