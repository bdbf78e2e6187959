// Every error kind, reached through the emulator: each rejects with a GptImageError carrying
// what a caller acts on, and none of them ever shows the API key. Also: aborting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GptImageError } from 'gpt-image-wasm';
import { EMULATOR, PROVIDERS, client, key, rejection, sleep, stats } from './support.js';

/** Checks the error's class and kind, and that the key appears nowhere in it. */
function expectError(error, kind, apiKey) {
  assert.ok(error instanceof GptImageError, `not a GptImageError: ${error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'GptImageError');
  assert.equal(error.kind, kind, error.message);
  assert.ok(error.message.length > 10);
  const everything = [error.message, error.stack, JSON.stringify(error), ...Object.values(error)].join('\n');
  assert.ok(!everything.includes(apiKey), `the API key leaked into: ${everything}`);
}

for (const provider of PROVIDERS) {
  describe(`errors on ${provider}`, () => {
    it('invalid_request: names the field, sends nothing', async () => {
      const apiKey = key(provider, 'invalid');
      const c = await client(provider, apiKey);
      const request = provider === 'apiframe' ? { prompt: 'a fox', n: 0 } : { prompt: 'a fox', background: 'opaque' };
      const error = await rejection(c.submit(request));
      expectError(error, 'invalid_request', apiKey);
      assert.equal(error.field, provider === 'apiframe' ? 'n' : 'background');
      assert.equal((await stats(apiKey)).submits_received, 0);
    });

    it('auth: 401 for the documentation placeholder key, 403 for an inactive key', async () => {
      const placeholder = provider === 'apiframe' ? 'afk_your_api_key_here' : 'aio_your_key';
      let error = await rejection((await client(provider, placeholder)).submit({ prompt: 'a fox' }));
      expectError(error, 'auth', placeholder);
      assert.equal(error.status, 401);
      assert.ok(error.requestId?.startsWith('req_'), `requestId ${error.requestId}`);
      const inactive = `${provider === 'apiframe' ? 'afk' : 'aio'}_inactive_npm_${Date.now()}`;
      error = await rejection((await client(provider, inactive)).submit({ prompt: 'a fox' }));
      expectError(error, 'auth', inactive);
      assert.equal(error.status, 403);
    });

    it('rate_limited: when retries run out', async () => {
      const apiKey = key(provider, 'rate_limited');
      const c = await client(provider, apiKey, { fault: '429ms=50', maxRetries: 1 });
      const error = await rejection(c.submit({ prompt: 'a fox' }));
      expectError(error, 'rate_limited', apiKey);
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 50);
      assert.equal((await stats(apiKey)).submits_received, 2);
    });

    it('api: a 5xx after retries, and a 4xx for an unknown job', async () => {
      const apiKey = key(provider, 'api');
      const failing = await client(provider, apiKey, { fault: 'poll:500', maxRetries: 0 });
      let error = await rejection(failing.status('no-such-job'));
      expectError(error, 'api', apiKey);
      assert.equal(error.status, 500);
      assert.ok(error.body);
      const c = await client(provider, apiKey);
      error = await rejection(c.status('no-such-job'));
      expectError(error, 'api', apiKey);
      assert.equal(error.status, 404);
    });

    it('network: a closed port', async () => {
      const apiKey = key(provider, 'network');
      const c = await client(provider, apiKey, { maxRetries: 0 });
      const closed = await (await import('gpt-image-wasm')).createClient({
        provider, apiKey, baseUrl: 'http://127.0.0.1:1', maxRetries: 0,
      });
      const error = await rejection(closed.submit({ prompt: 'a fox' }));
      expectError(error, 'network', apiKey);
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.ok(c);
    });

    it('timeout: a slow reply beyond timeoutMs', async () => {
      const apiKey = key(provider, 'timeout');
      // slow is scaled by the emulator's 0.05: 100000 ms becomes 5 s.
      const c = await client(provider, apiKey, { fault: 'submit:slow=100000', timeoutMs: 200, maxRetries: 0 });
      const started = performance.now();
      const error = await rejection(c.submit({ prompt: 'a fox' }));
      expectError(error, 'timeout', apiKey);
      assert.ok(performance.now() - started < 3000);
    });

    it('timeout: a wait past its deadline names the job', async () => {
      const apiKey = key(provider, 'deadline');
      const c = await client(provider, apiKey);
      const job = await c.submit({ prompt: 'a fox in the snow' });
      const error = await rejection(c.wait(job.id, { timeoutMs: 50 }));
      expectError(error, 'timeout', apiKey);
      assert.equal(error.jobId, job.id);
      const result = await c.wait(job.id);
      assert.equal(result.jobId, job.id, 'the job can be waited for again');
    });

    it('job_failed: the job fails', async () => {
      const apiKey = key(provider, 'job_failed');
      const c = await client(provider, apiKey, { fault: 'submit:fail' });
      const error = await rejection(c.generate({ prompt: 'a fox' }));
      expectError(error, 'job_failed', apiKey);
      assert.ok(error.jobId);
      assert.match(error.message, /Injected failure/);
    });

    it('decode: a malformed reply keeps its body', async () => {
      const apiKey = key(provider, 'decode');
      const c = await client(provider, apiKey, { fault: 'submit:malformed' });
      const error = await rejection(c.submit({ prompt: 'a fox' }));
      expectError(error, 'decode', apiKey);
      assert.ok(error.body?.length > 0);
    });

    it('aborted: mid-wait, promptly, and no poll after the abort', async () => {
      const apiKey = key(provider, 'abort');
      const c = await client(provider, apiKey);
      const controller = new AbortController();
      let jobId;
      const waiting = c.generate({ prompt: 'a fox in the snow' }, {
        signal: controller.signal,
        onUpdate: (u) => {
          jobId ??= u.id;
        },
      });
      while (!jobId) await sleep(10);
      await sleep(150);
      const pollsBefore = (await stats(apiKey)).polls_total;
      const started = performance.now();
      controller.abort();
      const error = await rejection(waiting);
      expectError(error, 'aborted', apiKey);
      assert.ok(performance.now() - started < 100, 'rejects promptly');
      assert.equal(error.jobId, jobId, 'the job can be waited for again');
      await sleep(600);
      const after = await stats(apiKey);
      assert.ok(after.polls_total <= pollsBefore + 1, `polls went on: ${pollsBefore} → ${after.polls_total}`);
      const settled = (await stats(apiKey)).polls_total;
      await sleep(400);
      assert.equal((await stats(apiKey)).polls_total, settled, 'no poll after the abort');
    });

    it('aborted: an already-aborted signal sends nothing', async () => {
      const apiKey = key(provider, 'pre_abort');
      const c = await client(provider, apiKey);
      const error = await rejection(c.submit({ prompt: 'a fox' }, { signal: AbortSignal.abort() }));
      expectError(error, 'aborted', apiKey);
      assert.equal((await stats(apiKey)).submits_received, 0);
    });
  });
}

it('the emulator is reachable', async () => {
  assert.equal((await fetch(`${EMULATOR}/_emulator/health`)).status, 200);
});
