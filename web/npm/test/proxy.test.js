// The server proxy (`gpt-image-wasm/proxy`) in Node, against an emulator of its own started with
// --cors off (as the real providers behave) and against fake upstreams that record what they
// are sent: every refusal, key injection, header stripping, redaction, CORS, both handlers,
// Express, and whole generations through it, by raw fetch and by the client in proxy mode.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createClient } from 'gpt-image-wasm';
import { createProxy } from 'gpt-image-wasm/proxy';
import {
  generateThrough,
  listen,
  raw,
  recorder,
  routes,
  startEmulator,
  submitBody,
} from './proxy-support.js';

const AFK = `afk_proxy_server_${randomBytes(6).toString('hex')}`;
const AIO = `aio_proxy_server_${randomBytes(6).toString('hex')}`;
const BASE = '/api/gpt-image';
const PROVIDERS = ['apiframe', 'apiinone'];
const FAST_POLL = { minDelayMs: 100, maxDelayMs: 250, typicalMs: 600 };

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.stop();
});

/** A proxy on `upstream` (every provider), served by Node's http server. */
async function served(options, upstream) {
  const proxy = await createProxy({
    keys: { apiframe: AFK, apiinone: AIO },
    basePath: BASE,
    upstream: { apiframe: upstream, apiinone: upstream },
    ...options,
  });
  const server = await listen(proxy.node);
  return { proxy, server, base: `${server.url}${BASE}` };
}

const json = { 'content-type': 'application/json' };

describe('proxy: routes', () => {
  let fake;
  let s;
  before(async () => {
    fake = await recorder();
    s = await served({ policy: { listJobs: true } }, fake.url);
  });
  after(async () => {
    await s.server.close();
    await fake.close();
  });

  const refused = [
    ['GET', `${BASE}/apiframe/v2/me`, 404],
    ['GET', `${BASE}/apiframe/v2/jobs/a/b`, 404],
    ['GET', `${BASE}/apiframe/v2/jobs/`, 404],
    ['GET', `${BASE}/openai/v1/images/generations`, 404],
    ['GET', `${BASE}/apiinone/v2/jobs/1`, 404],
    ['GET', `/elsewhere/apiframe/v2/jobs/1`, 404],
    ['GET', `${BASE}`, 404],
    ['DELETE', `${BASE}/apiframe/v2/jobs/1`, 405],
    ['GET', `${BASE}/apiframe/v2/images/generate`, 405],
    ['PUT', `${BASE}/apiinone/api/v1/images/generations`, 405],
    ['POST', `${BASE}/apiframe/v2/jobs/1`, 405],
    ['PATCH', `${BASE}/apiinone/api/v1/tasks/1`, 405],
    ['GET', `${BASE}/apiframe/v2/jobs/../me`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/..`, 400],
    ['GET', `${BASE}/apiframe/../apiframe/v2/jobs/1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/./1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/%2e%2e`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/%2E%2E`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/%2e`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/1%2fme`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/1%2Fme`, 400],
    ['GET', `${BASE}/apiframe/v2%2fjobs/1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/%31`, 400],
    ['GET', `${BASE}/apiframe//v2/jobs/1`, 400],
    ['GET', `/${BASE}/apiframe/v2/jobs/1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/1\\..\\me`, 400],
    ['GET', `http://evil.example${BASE}/apiframe/v2/jobs/1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs/1?x=1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs?apiKey=1`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs?limit=1&limit=2`, 400],
    ['GET', `${BASE}/apiframe/v2/jobs?cursor=a%2F..`, 400],
  ];
  for (const [method, path, status] of refused) {
    it(`${method} ${path} → ${status}, never forwarded`, async () => {
      const before = fake.seen.length;
      const reply = await raw(s.server.url, method, path, { headers: json, body: method === 'POST' ? '{}' : undefined });
      assert.equal(reply.status, status, reply.body);
      assert.equal(fake.seen.length, before, 'nothing reached the provider');
      if (path.includes('/apiinone/')) assert.equal(typeof JSON.parse(reply.body).error.code, 'number');
      else assert.equal(typeof JSON.parse(reply.body).error.message, 'string');
    });
  }

  it('says which method a route takes', async () => {
    const reply = await raw(s.server.url, 'DELETE', `${BASE}/apiframe/v2/jobs/1`);
    assert.equal(reply.headers.allow, 'GET, OPTIONS');
  });

  it('forwards job ids that follow the core rule, and the listing with allow-listed params', async () => {
    let reply = await raw(s.server.url, 'GET', `${BASE}/apiframe/v2/jobs/a:b.c_d-1`);
    assert.equal(reply.status, 200);
    assert.equal(fake.seen.at(-1).url, '/v2/jobs/a:b.c_d-1');
    reply = await raw(s.server.url, 'GET', `${BASE}/apiinone/api/v1/tasks/task_42`);
    assert.equal(fake.seen.at(-1).url, '/api/v1/tasks/task_42');
    reply = await raw(s.server.url, 'GET', `${BASE}/apiframe/v2/jobs?status=COMPLETED&limit=5&cursor=abc-1`);
    assert.equal(reply.status, 200);
    assert.equal(fake.seen.at(-1).url, '/v2/jobs?status=COMPLETED&limit=5&cursor=abc-1');
    assert.equal(fake.seen.at(-1).method, 'GET');
  });

  it('refuses encoded paths given to proxy.fetch too', async () => {
    const before = fake.seen.length;
    for (const path of ['/apiframe/v2/jobs/1%2fme', '/apiframe/v2/jobs/%2e%2e%2fme', '/apiframe/v2/me']) {
      const reply = await s.proxy.fetch(new Request(`http://app.test${BASE}${path}`));
      assert.ok(reply.status >= 400 && reply.status < 500, `${path}: ${reply.status}`);
    }
    assert.equal(fake.seen.length, before);
  });
});

describe('proxy: refusals before forwarding', () => {
  let fake;
  let strict;
  before(async () => {
    fake = await recorder();
    strict = await served(
      { policy: { maxImages: 4, qualities: ['low', 'medium'], maxPromptChars: 1000 }, maxBodyBytes: 2048 },
      fake.url,
    );
  });
  after(async () => {
    await strict.server.close();
    await fake.close();
    assert.equal(fake.seen.length, 0, 'no refused request reached the provider');
  });

  const post = (base, provider, body, headers = json) =>
    fetch(routes(provider, base).submit, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  for (const [name, provider, body, needle] of [
    ['maxImages', 'apiframe', submitBody('apiframe', { quality: 'low', number_of_images: 6 }), 'n is 6; this proxy allows at most 4 images'],
    ['qualities', 'apiframe', submitBody('apiframe', { quality: 'high' }), 'quality "high" is not allowed by this proxy; allowed: "low", "medium"'],
    ['qualities (unset means auto)', 'apiframe', submitBody('apiframe'), 'quality is unset, which means "auto" on Apiframe'],
    ['qualities on API in One', 'apiinone', submitBody('apiinone', { quality: 'high' }), 'quality "high" is not allowed by this proxy'],
    ['maxPromptChars', 'apiinone', { ...submitBody('apiinone'), prompt: 'x'.repeat(1001) }, 'prompt is 1001 characters; this proxy allows at most 1000'],
    ['what the provider would refuse', 'apiframe', submitBody('apiframe', { quality: 'low', number_of_images: 11 }), 'n is 11; Apiframe accepts 1–10'],
    ['an option API in One lacks', 'apiinone', { ...submitBody('apiinone'), n: 2 }, '"n" is not a field this proxy forwards'],
    ['another model', 'apiframe', { ...submitBody('apiframe', { quality: 'low' }), model: 'gpt-image-2' }, 'model "gpt-image-2" is not forwarded'],
    ['malformed JSON', 'apiframe', '{"prompt": "a fox",', 'the body is not JSON'],
  ]) {
    it(`${name}: 400 in ${provider}'s error shape`, async () => {
      const reply = await post(strict.base, provider, body);
      assert.equal(reply.status, 400);
      const error = (await reply.json()).error;
      assert.ok(error.message.includes(needle), error.message);
      if (provider === 'apiframe') assert.equal(error.code, 'invalid_request');
      else assert.deepEqual([error.code, error.type], [400, 'invalid_request']);
    });
  }

  it('the client shows the policy message as the provider error', async () => {
    const client = await createClient({ provider: 'apiframe', baseUrl: `${strict.base}/apiframe`, maxRetries: 0 });
    const error = await client.submit({ prompt: 'a fox', quality: 'low', n: 6 }).then(
      () => assert.fail('resolved'),
      (e) => e,
    );
    assert.equal(error.status, 400);
    assert.match(error.message, /n is 6; this proxy allows at most 4 images/);
  });

  it('a body over maxBodyBytes: 413 by Content-Length, and while streaming without one', async () => {
    const big = JSON.stringify(submitBody('apiframe', { quality: 'low' })).padEnd(4096, ' ');
    let reply = await post(strict.base, 'apiframe', big);
    assert.equal(reply.status, 413);
    assert.match((await reply.json()).error.message, /limit of 2048 bytes/);
    // Chunked, with no Content-Length: counted while reading.
    const { hostname, port } = new URL(strict.server.url);
    const status = await new Promise((resolve, reject) => {
      const req = http.request(
        { host: hostname, port, method: 'POST', path: `${BASE}/apiframe/v2/images/generate`, headers: json },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', (e) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve('reset') : reject(e)));
      for (let i = 0; i < 8; i++) req.write(' '.repeat(1024));
      req.end();
    });
    assert.ok(status === 413 || status === 'reset', String(status));
    // proxy.fetch with a streamed body.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(1024)));
        controller.close();
      },
    });
    reply = await strict.proxy.fetch(
      new Request(`http://app.test${BASE}/apiframe/v2/images/generate`, { method: 'POST', headers: json, body: stream, duplex: 'half' }),
    );
    assert.equal(reply.status, 413);
  });

  it('a submit that is not JSON-typed: 415', async () => {
    const reply = await post(strict.base, 'apiframe', submitBody('apiframe'), { 'content-type': 'text/plain' });
    assert.equal(reply.status, 415);
  });

  it('authorize false: 401; authorize throwing: 500; it sees the app token', async () => {
    const tokens = [];
    const denied = await served(
      {
        authorize: async (request) => {
          tokens.push(request.headers.get('x-session'));
          return request.headers.get('x-session') === 'good';
        },
      },
      fake.url,
    );
    const failing = await served({ authorize: () => { throw new Error('db down'); } }, fake.url);
    try {
      let reply = await fetch(routes('apiinone', denied.base).job('t1'), { headers: { 'x-session': 'bad' } });
      assert.equal(reply.status, 401);
      assert.equal((await reply.json()).error.code, 401);
      reply = await fetch(routes('apiframe', denied.base).submit, { method: 'POST', headers: { ...json, 'x-session': 'bad' }, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 401);
      assert.deepEqual(tokens, ['bad', 'bad']);
      reply = await fetch(routes('apiframe', failing.base).job('j1'));
      assert.equal(reply.status, 500);
      assert.doesNotMatch(await reply.text(), /db down/);
    } finally {
      await denied.server.close();
      await failing.server.close();
    }
  });

  it('an authorize that reads the body: 500, nothing forwarded, no detail', async () => {
    const proxy = await createProxy({
      keys: { apiframe: AFK },
      basePath: BASE,
      upstream: { apiframe: fake.url },
      authorize: async (request) => (await request.text()).length > 0,
    });
    const reply = await proxy.fetch(
      new Request(`http://app.test${BASE}/apiframe/v2/images/generate`, { method: 'POST', headers: json, body: JSON.stringify(submitBody('apiframe')) }),
    );
    assert.equal(reply.status, 500);
    assert.equal(await reply.text(), 'gpt-image proxy: internal error');
  });

  it('behind Express, authorize also gets Express\'s own request (req.session and the like)', async () => {
    const proxy = await createProxy({
      keys: { apiframe: AFK },
      basePath: BASE,
      upstream: { apiframe: fake.url },
      authorize: (request, req) => request.headers.get('x-session') === 'ok' && req?.session?.user === 'ada',
    });
    const app = express();
    app.use((req, _res, next) => {
      req.session = { user: req.headers['x-user'] };
      next();
    });
    app.use(BASE, proxy.node);
    const server = await listen(app);
    try {
      const denied = await fetch(`${server.url}${BASE}/apiframe/v2/jobs/j1`, { headers: { 'x-session': 'ok', 'x-user': 'eve' } });
      assert.equal(denied.status, 401);
      const before = fake.seen.length;
      const allowed = await fetch(`${server.url}${BASE}/apiframe/v2/jobs/j1`, { headers: { 'x-session': 'ok', 'x-user': 'ada' } });
      assert.equal(allowed.status, 200);
      assert.equal(fake.seen.length, before + 1);
      fake.seen.pop(); // this suite checks that refusals forward nothing
    } finally {
      await server.close();
    }
  });

  it('a provider with no key on this proxy: 404 that names it', async () => {
    const proxy = await createProxy({ keys: { apiframe: AFK }, basePath: BASE, upstream: { apiinone: fake.url } });
    const reply = await proxy.fetch(new Request(`http://app.test${BASE}/apiinone/api/v1/tasks/t1`));
    assert.equal(reply.status, 404);
    assert.match((await reply.json()).error.message, /this proxy has no API in One key/);
  });
});

describe('proxy: what is forwarded and what comes back', () => {
  let fake;
  let s;
  before(async () => {
    // Echoes the request (headers included, so the server key too) and adds headers to drop.
    fake = await recorder((request) => ({
      status: 202,
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'req_fake_1',
        'set-cookie': 'provider=1',
        server: 'fake',
        'x-echo-key': request.headers['x-api-key'] ?? request.headers.authorization ?? '',
      },
      body: JSON.stringify({ jobId: 'j1', status: 'QUEUED', echo: request }),
    }));
    s = await served({}, fake.url);
  });
  after(async () => {
    await s.server.close();
    await fake.close();
  });

  const clientHeaders = {
    ...json,
    accept: 'application/json',
    cookie: 'session=app-cookie',
    authorization: 'Bearer app-session-token',
    'x-api-key': 'afk_sent_by_the_browser',
    'x-session': 'app-token',
    'idempotency-key': 'idem-123',
  };

  for (const provider of PROVIDERS) {
    it(`${provider}: the server key is added, the client's headers dropped, the echo redacted`, async () => {
      const reply = await fetch(routes(provider, s.base).submit, {
        method: 'POST',
        headers: clientHeaders,
        body: JSON.stringify(submitBody(provider)),
      });
      assert.equal(reply.status, 202);
      const sent = fake.seen.at(-1);
      if (provider === 'apiframe') {
        assert.equal(sent.headers['x-api-key'], AFK);
        assert.equal(sent.headers.authorization, undefined);
        assert.equal(sent.headers['idempotency-key'], 'idem-123');
      } else {
        assert.equal(sent.headers.authorization, `Bearer ${AIO}`);
        assert.equal(sent.headers['x-api-key'], undefined);
        assert.equal(sent.headers['idempotency-key'], undefined, 'API in One has no idempotency');
      }
      for (const dropped of ['cookie', 'x-session']) assert.equal(sent.headers[dropped], undefined, dropped);
      assert.equal(sent.headers['content-type'], 'application/json');
      assert.equal(sent.headers.accept, 'application/json');
      assert.deepEqual(JSON.parse(sent.body), submitBody(provider), 'the body goes on unchanged');
      // Back: the key never, and only the listed headers.
      const text = await reply.text();
      assert.ok(!text.includes(AFK) && !text.includes(AIO), 'no key in the body');
      assert.match(text, /\[redacted\]/);
      const transport = ['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding'];
      const names = [...reply.headers.keys()].filter((n) => !transport.includes(n)).sort();
      assert.deepEqual(names, ['cache-control', 'content-type', 'x-request-id']);
      assert.equal(reply.headers.get('x-request-id'), 'req_fake_1');
    });
  }

  it('GETs carry no body and no client header', async () => {
    await fetch(routes('apiframe', s.base).job('j1'), { headers: { cookie: 'a=b', 'x-session': 't' } });
    const sent = fake.seen.at(-1);
    assert.equal(sent.method, 'GET');
    assert.equal(sent.body, '');
    assert.equal(sent.headers.cookie, undefined);
    assert.equal(sent.headers['x-api-key'], AFK);
  });

  it('never follows a redirect (it would carry the key elsewhere)', async () => {
    const target = await recorder();
    const redirecting = await recorder(() => ({ status: 302, headers: { location: `${target.url}/stolen` }, body: '' }));
    const r = await served({}, redirecting.url);
    try {
      const reply = await fetch(routes('apiframe', r.base).job('j1'), { redirect: 'manual' });
      assert.equal(reply.status, 302);
      assert.equal(reply.headers.get('location'), null);
      assert.equal(target.seen.length, 0);
    } finally {
      await r.server.close();
      await redirecting.close();
      await target.close();
    }
  });

  it('an unreachable provider: 502 without details', async () => {
    const dead = await served({}, 'http://127.0.0.1:9');
    try {
      const reply = await fetch(routes('apiinone', dead.base).job('t1'));
      assert.equal(reply.status, 502);
      assert.equal((await reply.json()).error.code, 502);
    } finally {
      await dead.server.close();
    }
  });
});

describe('proxy: the emulator behind it', () => {
  it('passes a 429 with its Retry-After through', async () => {
    const s = await served({}, `${emulator.url}/_fault/submit:429x1`);
    try {
      let reply = await fetch(routes('apiframe', s.base).submit, { method: 'POST', headers: json, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 429);
      assert.equal(reply.headers.get('retry-after'), '1');
      assert.match(reply.headers.get('x-request-id'), /^req_/);
      reply = await fetch(routes('apiframe', s.base).submit, { method: 'POST', headers: json, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 202);
    } finally {
      await s.server.close();
    }
  });

  it('passes the emulator\'s 401 for a wrong server key through, without the key', async () => {
    const bad = 'afk_your_api_key_here';
    const proxy = await createProxy({ keys: { apiframe: bad }, upstream: { apiframe: emulator.url } });
    const reply = await proxy.fetch(new Request('http://app.test/apiframe/v2/jobs/x1'));
    assert.equal(reply.status, 401);
    assert.ok(!(await reply.text()).includes(bad));
  });

  it("refuses Apiframe's job listing unless the policy allows it, then forwards it with its query", async () => {
    const s = await served({ policy: { listJobs: true } }, emulator.url);
    const closed = await served({}, emulator.url);
    try {
      await fetch(routes('apiframe', s.base).submit, { method: 'POST', headers: json, body: JSON.stringify(submitBody('apiframe')) });
      const query = new URLSearchParams({ status: 'QUEUED,PROCESSING,COMPLETED', limit: '5' });
      let reply = await fetch(`${s.base}/apiframe/v2/jobs?${query}`);
      assert.equal(reply.status, 200);
      const listing = await reply.json();
      assert.ok(Array.isArray(listing.jobs) && listing.jobs.length >= 1, JSON.stringify(listing));
      reply = await fetch(`${closed.base}/apiframe/v2/jobs?limit=5`);
      assert.equal(reply.status, 403);
    } finally {
      await s.server.close();
      await closed.server.close();
    }
  });

  it('CORS: a listed origin is granted, others are not, preflights are answered here', async () => {
    const s = await served({ allowedOrigins: ['https://app.example'] }, emulator.url);
    try {
      const submit = routes('apiframe', s.base).submit;
      let reply = await fetch(submit, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-session' },
      });
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.get('access-control-allow-origin'), 'https://app.example');
      assert.equal(reply.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
      assert.equal(reply.headers.get('access-control-allow-headers'), 'content-type, x-session');
      reply = await fetch(submit, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(reply.headers.get('access-control-allow-origin'), null);
      assert.ok(reply.status >= 400);

      reply = await fetch(submit, { method: 'POST', headers: { ...json, origin: 'https://app.example' }, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 202);
      assert.equal(reply.headers.get('access-control-allow-origin'), 'https://app.example');
      assert.match(reply.headers.get('access-control-expose-headers'), /retry-after/);
      reply = await fetch(submit, { method: 'POST', headers: { ...json, origin: 'https://evil.example' }, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 403);
      assert.equal(reply.headers.get('access-control-allow-origin'), null);
      // Same origin needs no grant.
      reply = await fetch(submit, { method: 'POST', headers: { ...json, origin: s.server.url }, body: JSON.stringify(submitBody('apiframe')) });
      assert.equal(reply.status, 202);
      assert.equal(reply.headers.get('access-control-allow-origin'), null);
    } finally {
      await s.server.close();
    }
  });

  it('with no allowedOrigins, a cross-origin browser gets no grant', async () => {
    const s = await served({}, emulator.url);
    try {
      const reply = await fetch(routes('apiinone', s.base).job('t1'), { headers: { origin: 'https://app.example' } });
      assert.equal(reply.status, 403);
      assert.equal(reply.headers.get('access-control-allow-origin'), null);
    } finally {
      await s.server.close();
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider}: a whole image through proxy.fetch with Node Request objects`, async () => {
      const proxy = await createProxy({ keys: { apiframe: AFK, apiinone: AIO }, basePath: BASE, upstream: { apiframe: emulator.url, apiinone: emulator.url } });
      const send = (url, init) => proxy.fetch(new Request(url, init));
      const job = await generateThrough(send, provider, `http://app.test${BASE}`);
      assert.equal(JSON.stringify(job).toLowerCase().includes('completed'), true, JSON.stringify(job));
    });

    it(`${provider}: a whole image through proxy.node behind http.createServer`, async () => {
      const s = await served({}, emulator.url);
      try {
        const job = await generateThrough(fetch, provider, s.base);
        assert.match(JSON.stringify(job), /\/files\//);
      } finally {
        await s.server.close();
      }
    });

    it(`${provider}: a whole image through Express, mounted with app.use`, async () => {
      const proxy = await createProxy({ keys: { apiframe: AFK, apiinone: AIO }, basePath: BASE, upstream: { apiframe: emulator.url, apiinone: emulator.url } });
      const app = express();
      app.use(BASE, proxy.node);
      const server = await listen(app);
      try {
        const job = await generateThrough(fetch, provider, `${server.url}${BASE}`);
        assert.match(JSON.stringify(job), /\/files\//);
        const refused = await raw(server.url, 'GET', `${BASE}/apiframe/v2/jobs/%2e%2e`);
        assert.equal(refused.status, 400);
      } finally {
        await server.close();
      }
    });

    it(`${provider}: the client in proxy mode (baseUrl, no key) generates an image`, async () => {
      const s = await served({}, emulator.url);
      try {
        const client = await createClient({ provider, baseUrl: `${s.base}/${provider}`, poll: FAST_POLL });
        const updates = [];
        const result = await client.generate({ prompt: 'a lighthouse at dawn, watercolour' }, { onUpdate: (u) => updates.push(u.status) });
        assert.equal(result.images.length, 1);
        const image = await fetch(result.images[0].url);
        assert.equal(image.status, 200);
        assert.equal(updates.at(-1), 'completed');
      } finally {
        await s.server.close();
      }
    });
  }
});

describe('proxy: options and packaging', () => {
  it('createProxy names the option at fault and never shows a key', async () => {
    const secret = 'aio_wrong_place_secret_1';
    for (const [options, field] of [
      [{}, 'keys'],
      [{ keys: { apiframe: secret } }, 'keys.apiframe'],
      [{ keys: { apiframe: AFK }, basePath: 'api' }, 'basePath'],
      [{ keys: { apiframe: AFK }, upstream: { apiframe: 'ftp://x' } }, 'upstream.apiframe'],
      [{ keys: { apiframe: AFK }, allowedOrigins: ['*'] }, 'allowedOrigins[0]'],
      [{ keys: { apiframe: AFK }, policy: { qualities: ['ultra'] } }, 'policy.qualities'],
      [{ keys: { apiframe: AFK }, maxBodyBytes: 0 }, 'maxBodyBytes'],
      [{ keys: { apiframe: AFK }, authorize: 'yes' }, 'authorize'],
    ]) {
      const error = await createProxy(options).then(
        () => assert.fail(`${field} accepted`),
        (e) => e,
      );
      assert.ok(error instanceof TypeError, field);
      assert.ok(error.message.includes(field), `${field}: ${error.message}`);
      assert.ok(!error.message.includes(secret), error.message);
    }
  });

  it('the main entry loads no proxy file', () => {
    const dir = new URL('../node_modules/gpt-image-wasm/', import.meta.url);
    const seen = new Set();
    const visit = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const [, spec] of text.matchAll(/(?:import|export)[^'"]*?from\s*['"](\.\/[^'"]+)['"]/g)) visit(spec.slice(2));
      for (const [, spec] of text.matchAll(/import\(\s*['"](\.\/[^'"]+)['"]/g)) visit(spec.slice(2));
      for (const [, spec] of text.matchAll(/new URL\(\s*['"](\.\/[^'"]+)['"]/g)) seen.add(spec.slice(2));
    };
    const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
    for (const entry of Object.values(pkg.exports['.'])) {
      if (entry.endsWith('.js')) visit(entry.slice(2));
    }
    assert.ok(seen.has('gpt_image_wasm_bg.wasm'), [...seen].join(', '));
    const proxyFiles = [...seen].filter((f) => f.includes('proxy'));
    assert.deepEqual(proxyFiles, [], `the main entry reaches ${proxyFiles.join(', ')}`);
  });
});
