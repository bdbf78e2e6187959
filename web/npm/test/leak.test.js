// The key-leak audit: every error path of the npm module, driven with canary keys (and a canary
// app header), must show neither in any error (every own property, `cause`, `stack`, String(),
// JSON, util.inspect), nor on the console or stdout/stderr, nor in any URL a request went to.
// The paths: every emulator fault on submit and on poll, every HTTP status a provider may send
// (a fake upstream that echoes the key it received into its error bodies), replies that are not
// JSON or carry the key in a failed job's reason, abort, timeouts, each field's validation
// error, bad base URLs, webhook verification failures, and the server proxy's error paths (its
// server keys as canaries, in every response's body and headers) when the package has it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GptImageError, createClient } from 'gpt-image-wasm';
import { verifyWebhook } from 'gpt-image-wasm/webhook';
import { captureOutput, exposures } from '../soak/exposure.js';
import { listen, raw } from './proxy-support.js';
import { EMULATOR, FAST_POLL, PROVIDERS, rejection, sleep } from './support.js';

/** The unique text in every canary; a sight of it anywhere is a leak. */
const SECRET = `CANARY${randomBytes(8).toString('hex')}`;
const KEY = { apiframe: `afk_${SECRET}`, apiinone: `aio_${SECRET}` };
const INACTIVE = { apiframe: `afk_inactive_${SECRET}`, apiinone: `aio_inactive_${SECRET}` };
/** The part of every API key canary that no app header canary has. */
const KEY_ONLY = `_${SECRET}`;
/** An app header (e.g. a session token for the app's own proxy): the client treats it as secret. */
const APP_HEADERS = { 'x-app-session': `tok-${SECRET}` };

/** Everything written while the audit runs; checked by the last test. */
const output = captureOutput();
/** Every URL the client asked fetch for. */
const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = function recordingFetch(input, init) {
  fetched.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return realFetch.call(this, input, init);
};

/** Fails with the places the canary was found. */
function assertClean(thrown, what) {
  const places = exposures(thrown, SECRET);
  assert.deepEqual(places, [], `${what}: the canary key leaked into ${places.join(', ')}`);
}

/** The rejection of `promise`: a GptImageError (never a wasm trap) that shows no canary. */
async function clean(promise, what, kind) {
  const error = await rejection(promise);
  assert.ok(error instanceof GptImageError, `${what}: not a GptImageError: ${error}`);
  assert.ok(!/unreachable|RuntimeError|panicked/.test(error.message), `${what}: ${error.message}`);
  if (kind) assert.equal(error.kind, kind, `${what}: ${error.message}`);
  assertClean(error, what);
  return error;
}

/** A canary key of its own per client (the emulator limits running jobs per key). */
let clients = 0;
const freshKey = (provider) => `${KEY[provider]}x${(clients += 1)}`;
/** Polls give up after two failures in a row: that error path, and a quick audit. */
const makeClient = (provider, baseUrl, options = {}) =>
  createClient({
    provider,
    apiKey: freshKey(provider),
    baseUrl,
    headers: APP_HEADERS,
    poll: FAST_POLL,
    maxPollFailures: 2,
    ...options,
  });

const PATHS = {
  apiframe: { submit: '/v2/images/generate', poll: '/v2/jobs/' },
  apiinone: { submit: '/api/v1/images/generations', poll: '/api/v1/tasks/' },
};

/**
 * A fake provider that echoes back the key it was sent, so a client that copies a reply into an
 * error would leak it. Its base URL is `${url}/m/<mode>`; modes: `status-<code>` (that status in
 * the provider's error shape, on every request), `poll-status-<code>` (submits succeed),
 * `malformed`, `poll-malformed`, `failed-job` (the job fails with the key in its reason),
 * `request-id` (the key in x-request-id), `redirect` (a 307 to another origin, see below).
 */
async function echoingProvider(elsewhere) {
  const seen = [];
  const server = await listen((req, res) => {
    seen.push(req.url);
    const match = /^\/m\/([^/]+)(\/.*)$/.exec(req.url ?? '') ?? [];
    const [, mode = '', path = ''] = match;
    const apiinone = path.startsWith('/api/v1/');
    const key = req.headers['x-api-key'] ?? String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const submit = req.method === 'POST';
    const json = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const error = (status) =>
      json(
        status,
        apiinone
          ? { error: { code: status, message: `Key ${key} refused (${status})`, type: 'invalid_request', key } }
          : { error: { code: `refused_${status}`, message: `Key ${key} refused (${status})`, key }, requestId: 'req_fake' },
        status === 429 ? { 'retry-after': '0' } : {},
      );
    const accepted = () =>
      apiinone
        ? json(200, { code: 200, message: 'success', data: { task_id: 'task_1', status: 'IN_PROGRESS' } })
        : json(202, { jobId: 'job_1', status: 'QUEUED' });
    const pollOnly = mode.startsWith('poll-');
    if (pollOnly && submit) return accepted();
    const kind = mode.replace(/^poll-/, '');
    if (kind.startsWith('status-')) return error(Number(kind.slice('status-'.length)));
    if (kind === 'malformed') return json(200, `{"echo": "${key}", oops`);
    if (kind === 'request-id') return json(401, { error: { code: 'x', message: 'no' } }, { 'x-request-id': key });
    if (kind === 'redirect') {
      res.writeHead(307, { location: `${elsewhere}${path}` });
      return res.end();
    }
    if (kind === 'failed-job') {
      if (submit) return accepted();
      return apiinone
        ? json(200, { code: 200, data: { id: 'task_1', status: 'failed', error: `key ${key} may not do this` } })
        : json(200, { id: 'job_1', status: 'FAILED', progress: 10, result: null, error: `key ${key} may not do this`, creditCost: 0 });
    }
    return json(404, { error: { message: `no mode ${mode}` } });
  });
  return { ...server, seen };
}

let provider;
let elsewhere;
before(async () => {
  elsewhere = await listen((req, res) => {
    elsewhere.headers.push(req.headers);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error": {"message": "not here"}}');
  });
  elsewhere.headers = [];
  provider = await echoingProvider(elsewhere.url);
});
after(async () => {
  await provider?.close();
  await elsewhere?.close();
});

const FAULTS = [
  ['500', 'api'],
  ['501', 'api'],
  ['502', 'api'],
  ['503', 'api'],
  ['504', 'api'],
  ['599', 'api'],
  ['429', 'rate_limited'],
  ['429=1', 'rate_limited'],
  ['429ms=50', 'rate_limited'],
  ['drop', undefined],
  ['drop-after', undefined],
  ['reset', 'network'],
  ['reset-after', 'network'],
  ['malformed', 'decode'],
  ['truncated', undefined],
  // slow is scaled by the emulator's 0.05: 100000 ms is 5 s, past the 300 ms request timeout.
  ['slow=100000', 'timeout'],
];
const STATUSES = [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504];

for (const p of PROVIDERS) {
  describe(`leak audit on ${p}: emulator faults`, () => {
    for (const [fault, kind] of FAULTS) {
      it(`submit:${fault}`, async () => {
        const c = await makeClient(p, `${EMULATOR}/_fault/submit:${fault}`, { maxRetries: 0, timeoutMs: 300 });
        await clean(c.generate({ prompt: 'a fox in the snow' }), `submit:${fault}`, kind);
      });
      it(`poll:${fault}`, async () => {
        const c = await makeClient(p, `${EMULATOR}/_fault/poll:${fault}`, { maxRetries: 0, timeoutMs: 300 });
        await clean(c.generate({ prompt: 'a fox in the snow' }), `poll:${fault}`, kind);
      });
    }
    it('retries that run out: poll:503 with maxRetries 1', async () => {
      const c = await makeClient(p, `${EMULATOR}/_fault/poll:503`, { maxRetries: 1 });
      await clean(c.generate({ prompt: 'a fox in the snow' }), 'poll:503 retried', 'api');
    });
    it('a failed job (fail), and alternate reply shapes on the way', async () => {
      const c = await makeClient(p, `${EMULATOR}/_fault/submit:fail,alt-shape`);
      await clean(c.generate({ prompt: 'a fox in the snow' }), 'fail', 'job_failed');
    });
    it('the emulator\'s own statuses: 400 (a fault spec it cannot read), 403 (inactive key), 404 (no such job)', async () => {
      let c = await makeClient(p, `${EMULATOR}/_fault/teapot`);
      await clean(c.submit({ prompt: 'a fox in the snow' }), '400');
      c = await createClient({ provider: p, apiKey: INACTIVE[p], baseUrl: EMULATOR, headers: APP_HEADERS });
      const error = await clean(c.submit({ prompt: 'a fox in the snow' }), '403', 'auth');
      assert.equal(error.status, 403);
      c = await makeClient(p, EMULATOR);
      await clean(c.status('no-such-job'), '404', 'api');
    });
  });

  describe(`leak audit on ${p}: every status, the key echoed back`, () => {
    for (const status of STATUSES) {
      it(`${status} on submit and on poll`, async () => {
        let c = await makeClient(p, `${provider.url}/m/status-${status}`, { maxRetries: 0 });
        let error = await clean(c.submit({ prompt: 'a fox in the snow' }), `submit ${status}`);
        assert.equal(error.status, status);
        c = await makeClient(p, `${provider.url}/m/poll-status-${status}`, { maxRetries: 0 });
        error = await clean(c.generate({ prompt: 'a fox in the snow' }), `poll ${status}`);
        assert.equal(error.status, status);
      });
    }
    it('a reply that is not JSON, echoing the key, on submit and on poll', async () => {
      let c = await makeClient(p, `${provider.url}/m/malformed`, { maxRetries: 0 });
      await clean(c.submit({ prompt: 'a fox in the snow' }), 'malformed submit', 'decode');
      c = await makeClient(p, `${provider.url}/m/poll-malformed`, { maxRetries: 0 });
      await clean(c.status(p === 'apiframe' ? 'job_1' : 'task_1'), 'malformed poll', 'decode');
    });
    it('a failed job whose reason quotes the key', async () => {
      const c = await makeClient(p, `${provider.url}/m/failed-job`);
      await clean(c.generate({ prompt: 'a fox in the snow' }), 'failed job', 'job_failed');
    });
    // A server that puts the key it received into x-request-id: requestId is redacted too.
    it('a request id that is the key', async () => {
      const c = await makeClient(p, `${provider.url}/m/request-id`, { maxRetries: 0 });
      await clean(c.submit({ prompt: 'a fox in the snow' }), 'x-request-id');
    });
  });

  describe(`leak audit on ${p}: abort and timeouts`, () => {
    it('an already-aborted signal, on each method', async () => {
      const c = await makeClient(p, EMULATOR);
      const signal = AbortSignal.abort(new Error(`aborted with ${KEY[p]}`));
      await clean(c.submit({ prompt: 'a fox' }, { signal }), 'submit', 'aborted');
      await clean(c.status('job_1', { signal }), 'status', 'aborted');
      await clean(c.wait('job_1', { signal }), 'wait', 'aborted');
      await clean(c.generate({ prompt: 'a fox' }, { signal }), 'generate', 'aborted');
    });
    it('an abort mid-wait and mid-submit', async () => {
      let c = await makeClient(p, EMULATOR);
      const controller = new AbortController();
      const waiting = c.generate({ prompt: 'a fox in the snow' }, { signal: controller.signal, onUpdate: () => controller.abort() });
      await clean(waiting, 'mid-wait', 'aborted');
      c = await makeClient(p, `${EMULATOR}/_fault/submit:slow=20000`);
      const slow = new AbortController();
      const submitting = c.submit({ prompt: 'a fox in the snow' }, { signal: slow.signal });
      await sleep(100);
      slow.abort();
      await clean(submitting, 'mid-submit', 'aborted');
    });
    it('a wait past its deadline', async () => {
      const c = await makeClient(p, EMULATOR);
      await clean(c.generate({ prompt: 'a fox in the snow' }, { timeoutMs: 50 }), 'deadline', 'timeout');
    });
  });

  describe(`leak audit on ${p}: validation errors`, () => {
    const options = [
      ['provider', { provider: 'openai' }],
      ['a key of the other provider', { apiKey: p === 'apiframe' ? KEY.apiinone : KEY.apiframe }],
      ['a key with a space inside', { apiKey: `${KEY[p].slice(0, 8)} ${KEY[p].slice(8)}` }],
      ['a key with a line break', { apiKey: `${KEY[p]}\n` + 'x' }],
      ['a key with a non-ASCII letter', { apiKey: `${KEY[p]}é` }],
      ['an empty key', { apiKey: '' }],
      ['baseUrl', { baseUrl: 'ftp://example.test' }],
      ['baseUrl that is no URL', { baseUrl: 'not a url' }],
      ['baseUrl with a query', { baseUrl: 'https://example.test/?x=1' }],
      ['headers, a reserved one', { headers: { 'x-api-key': KEY[p] } }],
      ['headers, a bad value', { headers: { 'x-app-session': `tok-${SECRET}\u0001` } }],
      ['headers, a bad name', { headers: { 'bad name': `tok-${SECRET}` } }],
      ['maxRetries', { maxRetries: 99 }],
      ['timeoutMs', { timeoutMs: -1 }],
      ['poll', { poll: { minDelayMs: 1 } }],
      ['an unknown option', { secret: KEY[p] }],
      ['dangerouslyAllowBrowser', { dangerouslyAllowBrowser: 'yes' }],
    ];
    for (const [name, change] of options) {
      it(`createClient: ${name}`, async () => {
        await clean(
          createClient({ provider: p, apiKey: KEY[p], baseUrl: EMULATOR, headers: APP_HEADERS, ...change }),
          name,
          'invalid_request',
        );
      });
    }

    it('each request field, each call option, each job id', async () => {
      const c = await makeClient(p, EMULATOR);
      const requests = [
        undefined,
        'a fox',
        { prompt: '' },
        { prompt: 7 },
        { prompt: 'x'.repeat(6000) },
        { prompt: 'a fox', quality: 'ultra' },
        { prompt: 'a fox', aspectRatio: '16:9' },
        { prompt: 'a fox', background: 'glass' },
        { prompt: 'a fox', n: 11 },
        { prompt: 'a fox', outputFormat: 'gif' },
        { prompt: 'a fox', inputImages: 'https://x.test/a.png' },
        { prompt: 'a fox', inputImages: ['not a url'] },
        { prompt: 'a fox', inputFidelity: 'exact' },
        { prompt: 'a fox', webhookUrl: 'not a url' },
        { prompt: 'a fox', webhookUrl: 'https://hooks.test/x', webhookEvents: ['everything'] },
        { prompt: 'a fox', apiKey: KEY[p] },
      ];
      for (const request of requests) {
        await clean(c.submit(request), `submit(${JSON.stringify(request)?.slice(0, 40)})`, 'invalid_request');
        await clean(c.generate(request), `generate(${JSON.stringify(request)?.slice(0, 40)})`, 'invalid_request');
      }
      const good = { prompt: 'a fox in the snow' };
      await clean(c.submit(good, { signal: 'stop' }), 'signal', 'invalid_request');
      await clean(c.submit(good, { idempotencyKey: p === 'apiframe' ? 7 : 'k' }), 'idempotencyKey', 'invalid_request');
      await clean(c.submit(good, { apiKey: KEY[p] }), 'submit options', 'invalid_request');
      await clean(c.generate(good, { onUpdate: 'print' }), 'onUpdate', 'invalid_request');
      await clean(c.generate(good, { timeoutMs: -5 }), 'timeoutMs', 'invalid_request');
      await clean(c.status(5), 'jobId', 'invalid_request');
      await clean(c.status('../me'), 'jobId path', 'invalid_request');
      await clean(c.wait('job 1'), 'wait jobId', 'invalid_request');
      await clean(c.wait('job_1', { idempotencyKey: 'k' }), 'wait options', 'invalid_request');
    });
  });

  describe(`leak audit on ${p}: bad base URLs`, () => {
    it('a closed port, a server that hangs up, an unresolvable host', async () => {
      let c = await makeClient(p, 'http://127.0.0.1:1', { maxRetries: 0 });
      await clean(c.submit({ prompt: 'a fox in the snow' }), 'closed port', 'network');
      const hangUp = net.createServer((socket) => socket.destroy());
      await new Promise((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
      try {
        c = await makeClient(p, `http://127.0.0.1:${hangUp.address().port}`, { maxRetries: 0 });
        await clean(c.generate({ prompt: 'a fox in the snow' }), 'hang-up', 'network');
      } finally {
        hangUp.close();
      }
      c = await makeClient(p, 'http://no-such-host.invalid', { maxRetries: 0 });
      await clean(c.submit({ prompt: 'a fox in the snow' }), 'unresolvable host', 'network');
    });
  });
}

describe('leak audit: webhook verification failures', () => {
  const body = JSON.stringify({ event: 'completed', jobId: 'j1', status: 'COMPLETED' });
  it('a wrong, malformed or missing signature is false, and a wrong argument throws cleanly', () => {
    for (const signature of ['00', 'not hex', '', KEY.apiframe, undefined, null]) {
      assert.equal(verifyWebhook({ body, signature, apiKey: KEY.apiframe }), false);
    }
    const bad = [
      { body: JSON.parse(body), signature: '00', apiKey: KEY.apiframe },
      { body: 5, signature: '00', apiKey: KEY.apiframe },
      { body, signature: 5, apiKey: KEY.apiframe },
      { body, signature: '00', apiKey: `${KEY.apiframe}`, secret: KEY.apiframe },
      { body, signature: '00', apiKey: ' ' },
      { body, signature: '00', apiKey: { key: KEY.apiframe } },
      KEY.apiframe,
      undefined,
    ];
    for (const input of bad) {
      let thrown;
      try {
        verifyWebhook(input);
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof GptImageError, `no GptImageError for ${typeof input}`);
      assert.equal(thrown.kind, 'invalid_request');
      assertClean(thrown, 'verifyWebhook');
    }
  });
});

describe('leak audit: a redirect to another origin', () => {
  // A provider (or a proxy in front of it) that answers 307 to another origin. fetch follows
  // redirects with the request's headers and drops only Authorization when the origin changes.
  const sentElsewhere = async (p) => {
    elsewhere.headers.length = 0;
    const c = await makeClient(p, `${provider.url}/m/redirect`, { maxRetries: 0 });
    await rejection(c.submit({ prompt: 'a fox in the snow' }));
    return elsewhere.headers.flatMap((headers) =>
      Object.entries(headers)
        .filter(([, value]) => String(value).includes(SECRET))
        .map(([name]) => name),
    );
  };
  it('API in One: the key is not sent to the other origin', async () => {
    assert.deepEqual((await sentElsewhere('apiinone')).filter((name) => name !== 'x-app-session'), []);
  });
  it('Apiframe: the key is not sent to the other origin', async () => {
    assert.deepEqual((await sentElsewhere('apiframe')).filter((name) => name !== 'x-app-session'), []);
  });
  it('the app\'s headers are not sent to the other origin', async () => {
    assert.deepEqual([...(await sentElsewhere('apiframe')), ...(await sentElsewhere('apiinone'))], []);
  });
});

// The server proxy (`gpt-image-wasm/proxy`): its keys are the canaries; no response body or
// header, no error and no console line may show them.
const { createProxy } = await import('gpt-image-wasm/proxy');
describe('leak audit: the server proxy', () => {
  const BASE = '/api/gpt-image';
  const SERVER_KEYS = { apiframe: `afk_server_${SECRET}`, apiinone: `aio_server_${SECRET}` };
  const served = [];
  const serve = async (options) => {
    const proxy = await createProxy({ keys: SERVER_KEYS, basePath: BASE, ...options });
    const server = await listen(proxy.node);
    served.push(server);
    return { proxy, url: server.url };
  };
  after(async () => {
    for (const server of served) await server.close();
  });
  const assertReplyClean = (reply, what) => {
    const text = `${reply.status}\n${JSON.stringify(reply.headers)}\n${reply.body}`;
    assert.ok(!text.includes(SECRET), `${what}: the server key leaked into the reply: ${text.slice(0, 500)}`);
  };

  it('option errors never show a key', async () => {
    const bad = [
      { keys: { apiframe: SERVER_KEYS.apiinone } },
      { keys: { apiframe: `${SERVER_KEYS.apiframe} x` } },
      { keys: { apiframe: `${SERVER_KEYS.apiframe}\n` } },
      { keys: { apiinone: SERVER_KEYS.apiframe } },
      { keys: { openai: SERVER_KEYS.apiframe } },
      { keys: SERVER_KEYS, secret: SERVER_KEYS.apiframe },
      { keys: SERVER_KEYS, basePath: 'no-slash' },
      { keys: SERVER_KEYS, upstream: { apiframe: 'ftp://x.test' } },
      { keys: SERVER_KEYS, allowedOrigins: ['*'] },
      { keys: SERVER_KEYS, policy: { maxImages: -1 } },
      { keys: SERVER_KEYS, maxBodyBytes: 'big' },
      { keys: SERVER_KEYS, authorize: SERVER_KEYS.apiframe },
      { keys: SERVER_KEYS.apiframe },
    ];
    for (const options of bad) {
      let thrown;
      try {
        await createProxy(options);
      } catch (error) {
        thrown = error;
      }
      if (thrown) assertClean(thrown, `createProxy(${Object.keys(options).join(', ')})`);
    }
  });

  it('refusals, policy, authorization, size, CORS and an unreachable upstream answer without a key', async () => {
    const refusing = await serve({
      upstream: { apiframe: 'http://127.0.0.1:1', apiinone: 'http://127.0.0.1:1' },
      allowedOrigins: ['https://app.example'],
      policy: { maxImages: 1, maxPromptChars: 20 },
      maxBodyBytes: 2048,
    });
    const denying = await serve({ authorize: () => false });
    const throwing = await serve({
      authorize: () => {
        throw new Error(`authorize failed for ${SERVER_KEYS.apiframe}`);
      },
    });
    const json = { 'content-type': 'application/json', origin: 'https://evil.example' };
    const submit = (p, body) => [`${BASE}/${p}${PATHS[p].submit}`, JSON.stringify(body)];
    for (const p of PROVIDERS) {
      const requests = [
        [refusing, 'GET', `${BASE}/${p}/nowhere`],
        [refusing, 'DELETE', `${BASE}/${p}${PATHS[p].poll}1`],
        [refusing, 'GET', `${BASE}/${p}${PATHS[p].poll}..%2fme`],
        [refusing, 'GET', `${BASE}/${p}${PATHS[p].poll}1?apiKey=1`],
        [refusing, 'OPTIONS', `${BASE}/${p}${PATHS[p].submit}`, undefined, { ...json, 'access-control-request-method': 'POST' }],
        [refusing, 'POST', ...submit(p, { prompt: 'far too long a prompt for this policy', model: 'x' })],
        [refusing, 'POST', ...submit(p, { prompt: 'x'.repeat(4096) })],
        [refusing, 'POST', `${BASE}/${p}${PATHS[p].submit}`, '{not json'],
        [refusing, 'GET', `${BASE}/${p}${PATHS[p].poll}job_1`],
        [refusing, 'POST', ...submit(p, p === 'apiframe' ? { prompt: 'a fox', model: 'gpt-image-1.5' } : { prompt: 'a fox', model: 'gpt-image-1-5' })],
        [denying, 'GET', `${BASE}/${p}${PATHS[p].poll}job_1`],
        [throwing, 'GET', `${BASE}/${p}${PATHS[p].poll}job_1`],
      ];
      for (const [target, method, path, body, headers = json] of requests) {
        const reply = await raw(target.url, method, path, { headers, body });
        assertReplyClean(reply, `${method} ${path.slice(0, 60)}`);
        assert.ok(reply.status >= 400 || method === 'OPTIONS', `${method} ${path}: ${reply.status}`);
      }
    }
  });

  it('an upstream that echoes the key in its errors, headers and failed jobs', async () => {
    const echoing = await serve({ upstream: { apiframe: `${provider.url}/m/status-401`, apiinone: `${provider.url}/m/status-401` } });
    const failing = await serve({ upstream: { apiframe: `${provider.url}/m/failed-job`, apiinone: `${provider.url}/m/failed-job` } });
    const header = await serve({ upstream: { apiframe: `${provider.url}/m/request-id`, apiinone: `${provider.url}/m/request-id` } });
    const redirecting = await serve({ upstream: { apiframe: `${provider.url}/m/redirect`, apiinone: `${provider.url}/m/redirect` } });
    const malformed = await serve({ upstream: { apiframe: `${provider.url}/m/malformed`, apiinone: `${provider.url}/m/malformed` } });
    for (const p of PROVIDERS) {
      const body = JSON.stringify(p === 'apiframe' ? { prompt: 'a fox', model: 'gpt-image-1.5' } : { prompt: 'a fox', model: 'gpt-image-1-5' });
      for (const target of [echoing, failing, header, redirecting, malformed]) {
        for (const [method, path, sent] of [
          ['POST', `${BASE}/${p}${PATHS[p].submit}`, body],
          ['GET', `${BASE}/${p}${PATHS[p].poll}${p === 'apiframe' ? 'job_1' : 'task_1'}`, undefined],
        ]) {
          const reply = await raw(target.url, method, path, { headers: { 'content-type': 'application/json' }, body: sent });
          assertReplyClean(reply, `${method} ${path} via ${target.url}`);
        }
      }
      // The client in proxy mode (no key) sees the same replies as errors.
      const c = await createClient({ provider: p, baseUrl: `${echoing.url}${BASE}/${p}`, maxRetries: 0 });
      await clean(c.submit({ prompt: 'a fox in the snow' }), 'client through the proxy');
    }
  });

  it('through the fetch handler too', async () => {
    const { proxy } = await serve({ upstream: { apiframe: `${provider.url}/m/status-500`, apiinone: `${provider.url}/m/status-500` } });
    for (const p of PROVIDERS) {
      const response = await proxy.fetch(
        new Request(`http://localhost${BASE}/${p}${PATHS[p].poll}job_1`, { headers: { origin: 'https://evil.example' } }),
      );
      const text = `${response.status}\n${JSON.stringify([...response.headers])}\n${await response.text()}`;
      assert.ok(!text.includes(SECRET), `fetch handler leaked: ${text.slice(0, 500)}`);
    }
  });
});

describe('leak audit: what left the process', () => {
  it('no request URL held the key', () => {
    const urls = [...fetched, ...provider.seen];
    assert.ok(urls.length > 50, `only ${urls.length} requests were recorded`);
    const leaked = urls.filter((url) => url.includes(SECRET));
    assert.deepEqual(leaked, []);
  });

  it('nothing written to the console, stdout or stderr held the key', () => {
    const text = output.stop();
    globalThis.fetch = realFetch;
    const at = text.indexOf(SECRET);
    assert.equal(at, -1, `the key was written: …${text.slice(Math.max(0, at - 200), at + 50)}…`);
  });
});
