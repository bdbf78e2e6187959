// Bad arguments from JavaScript: each is a GptImageError of kind invalid_request naming the
// field, never a crash, and the module keeps working afterwards on the same client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GptImageError, createClient } from 'gpt-image-wasm';
import { EMULATOR, client, key, rejection, stats } from './support.js';

async function expectInvalid(promise, field) {
  const error = await rejection(promise);
  assert.ok(error instanceof GptImageError, `not a GptImageError: ${error}`);
  assert.equal(error.kind, 'invalid_request', error.message);
  assert.equal(error.field, field, error.message);
  assert.ok(!/unreachable|RuntimeError/.test(error.message), error.message);
  return error;
}

describe('createClient arguments', () => {
  const good = { provider: 'apiframe', apiKey: 'afk_npm_args_x' };
  const cases = [
    ['no options', undefined, 'options'],
    ['a string', 'apiframe', 'options'],
    ['an unknown provider', { ...good, provider: 'openai' }, 'provider'],
    ['a missing key', { provider: 'apiframe' }, 'apiKey'],
    ['a key of the wrong type', { ...good, apiKey: 42 }, 'apiKey'],
    ['a key for the other provider', { ...good, apiKey: 'aio_npm_x' }, 'apiKey'],
    ['an unknown option', { ...good, fetch: () => {} }, 'fetch'],
    ['a snake_case option', { ...good, base_url: EMULATOR }, 'base_url'],
    ['a bad base URL', { ...good, baseUrl: 'ftp://x' }, 'baseUrl'],
    ['negative retries', { ...good, maxRetries: -1 }, 'maxRetries'],
    ['a zero timeout', { ...good, timeoutMs: 0 }, 'timeoutMs'],
    ['a string timeout', { ...good, timeoutMs: '5s' }, 'timeoutMs'],
    ['a hammering poll', { ...good, poll: { minDelayMs: 1 } }, 'poll.minDelayMs'],
    ['an unknown poll option', { ...good, poll: { every: 100 } }, 'every'],
  ];
  for (const [name, options, field] of cases) {
    it(`refuses ${name}`, () => expectInvalid(createClient(options), field));
  }

  it('suggests the option meant', async () => {
    const error = await expectInvalid(createClient({ ...good, api_key: 'x' }), 'api_key');
    assert.match(error.message, /did you mean apiKey\?/);
  });
});

describe('call arguments', () => {
  it('refuses each bad argument, then works on the same client', async () => {
    const apiKey = key('apiframe', 'args');
    const c = await client('apiframe', apiKey);
    const bad = [
      [c.submit(), 'request'],
      [c.submit('a fox'), 'request'],
      [c.submit({ prompt: 5 }), 'prompt'],
      [c.submit({}), 'prompt'],
      [c.submit({ prompt: 'a fox', n: 0 }), 'n'],
      [c.submit({ prompt: 'a fox', n: 1.5 }), 'n'],
      [c.submit({ prompt: 'a fox', quality: 'ultra' }), 'quality'],
      [c.submit({ prompt: 'a fox', aspect_ratio: '1:1' }), 'aspect_ratio'],
      [c.submit({ prompt: 'a fox', inputImages: 'https://x.test/a.png' }), 'inputImages'],
      [c.submit({ prompt: 'a fox', inputImages: ['not a url'] }), 'inputImages[0]'],
      [c.submit({ prompt: 'a fox' }, { retries: 2 }), 'retries'],
      [c.submit({ prompt: 'a fox' }, { signal: 'stop' }), 'signal'],
      [c.submit({ prompt: 'a fox' }, { idempotencyKey: 7 }), 'idempotencyKey'],
      [c.submit({ prompt: 'a fox' }, 'options'), 'options'],
      [c.status(123), 'jobId'],
      [c.status('../etc/passwd'), 'jobId'],
      [c.status('job', { timeoutMs: 5 }), 'timeoutMs'],
      [c.wait('job', { onUpdate: 'print' }), 'onUpdate'],
      [c.wait('job', { timeoutMs: -1 }), 'timeoutMs'],
      [c.wait('job', { idempotencyKey: 'k' }), 'idempotencyKey'],
      [c.generate({ prompt: 'a fox' }, { onUpdate: {} }), 'onUpdate'],
      [c.generate({ prompt: 'a fox' }, { timeoutMs: Infinity }), 'timeoutMs'],
    ];
    for (const [promise, field] of bad) await expectInvalid(promise, field);
    assert.equal((await stats(apiKey)).submits_received, 0, 'nothing was sent');

    const job = await c.submit({ prompt: 'a fox' }, { signal: new AbortController().signal, idempotencyKey: undefined });
    const result = await c.wait(job.id);
    assert.equal(result.images.length, 1);
    assert.equal((await stats(apiKey)).jobs_created, 1);
  });

  it('refuses an idempotency key on API in One, which has none', async () => {
    const c = await client('apiinone', key('apiinone', 'args'));
    await expectInvalid(c.submit({ prompt: 'a fox' }, { idempotencyKey: 'k1' }), 'idempotencyKey');
    await expectInvalid(c.submit({ prompt: 'a fox', n: 2 }), 'n');
  });

  it('lets calls overlap on one client', async () => {
    const c = await client('apiinone', key('apiinone', 'overlap'));
    const results = await Promise.all([1, 2, 3].map((i) => c.generate({ prompt: `fox number ${i}` })));
    assert.equal(new Set(results.map((r) => r.jobId)).size, 3);
  });
});
