// Generating against the emulator on both providers: the whole flow, progress, and the
// retry rules (Retry-After honoured, no duplicate jobs on Apiframe, no resend on API in One).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GptImageError } from 'gpt-image-wasm';
import { PROVIDERS, client, key, rejection, stats } from './support.js';

for (const provider of PROVIDERS) {
  describe(`generate on ${provider}`, () => {
    it('makes an image and reports progress in order', async () => {
      const apiKey = key(provider, 'generate');
      const c = await client(provider, apiKey);
      assert.equal(c.provider, provider);
      const updates = [];
      const result = await c.generate(
        { prompt: 'a lighthouse at dawn, watercolour', aspectRatio: '3:2' },
        { onUpdate: (u) => updates.push(u) },
      );
      assert.equal(result.provider, provider);
      assert.equal(result.images.length, 1);
      assert.match(result.images[0].url, /^http:\/\/127\.0\.0\.1:\d+\/files\//);
      const image = await fetch(result.images[0].url);
      assert.equal(image.status, 200);
      assert.match(image.headers.get('content-type'), /^image\//);
      // The first update is the submitted job, so its id is known before anything else.
      assert.equal(updates[0].id, result.jobId);
      assert.equal(updates.at(-1).status, 'completed');
      const order = ['queued', 'processing', 'completed'];
      // From the first poll on (API in One's submit reply says IN_PROGRESS, its first poll pending).
      const ranks = updates.slice(1).map((u) => order.indexOf(u.status));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'statuses never go back');
      const progress = updates.map((u) => u.progress).filter((p) => p !== undefined);
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes back');
    });

    it('submits, looks at the job, then waits for it', async () => {
      const apiKey = key(provider, 'steps');
      const c = await client(provider, apiKey);
      const job = await c.submit({ prompt: 'a red fox in snow' });
      assert.equal(job.provider, provider);
      assert.ok(['queued', 'processing'].includes(job.status));
      assert.equal(typeof job.id, 'string');
      if (provider === 'apiframe') assert.equal(typeof job.idempotencyKey, 'string');
      const update = await c.status(job.id);
      assert.equal(update.id, job.id);
      assert.ok(['queued', 'processing', 'completed'].includes(update.status));
      const result = await c.wait(job.id, { timeoutMs: 30_000 });
      assert.equal(result.jobId, job.id);
      assert.equal(result.images.length, 1);
    });
  });
}

describe('retries', () => {
  it('honours Retry-After: 429=1 then success takes at least 1 s', async () => {
    const apiKey = key('apiframe', 'retry_after');
    const c = await client('apiframe', apiKey, { fault: 'submit:429=1x1' });
    const started = performance.now();
    const job = await c.submit({ prompt: 'a fox' });
    const took = performance.now() - started;
    assert.ok(job.id);
    assert.ok(took >= 1000, `took ${took.toFixed(0)} ms`);
    const s = await stats(apiKey);
    assert.equal(s.submits_received, 2);
    assert.equal(s.jobs_created, 1);
  });

  for (const fault of ['submit:drop-afterx1', 'submit:503x2']) {
    it(`makes exactly one Apiframe job under ${fault}`, async () => {
      const apiKey = key('apiframe', 'idempotent');
      const c = await client('apiframe', apiKey, { fault });
      const job = await c.submit({ prompt: 'a fox' });
      assert.ok(job.id);
      const s = await stats(apiKey);
      assert.equal(s.jobs_created, 1, JSON.stringify(s));
      if (fault.startsWith('submit:drop-after')) {
        assert.equal(s.submits_received, 2, JSON.stringify(s));
        assert.equal(s.duplicates_prevented, 1, JSON.stringify(s));
      } else {
        assert.equal(s.submits_received, 3, JSON.stringify(s));
      }
    });
  }

  it('does not resend an API in One submit after a 503, and says why', async () => {
    const apiKey = key('apiinone', 'no_resend');
    const c = await client('apiinone', apiKey, { fault: 'submit:503x1' });
    const error = await rejection(c.submit({ prompt: 'a red fox' }));
    assert.ok(error instanceof GptImageError);
    assert.equal(error.kind, 'api');
    assert.equal(error.status, 503);
    assert.match(error.message, /not sent again/);
    assert.match(error.message, /idempotency/);
    const s = await stats(apiKey);
    assert.equal(s.submits_received, 1);
    assert.equal(s.jobs_created, 0);
  });

  it('keeps waiting when onUpdate throws', async () => {
    const apiKey = key('apiframe', 'throwing_callback');
    const c = await client('apiframe', apiKey);
    const logged = [];
    const original = console.error;
    console.error = (...args) => logged.push(args);
    try {
      const result = await c.generate({ prompt: 'a fox' }, {
        onUpdate: () => {
          throw new Error('bug in my progress bar');
        },
      });
      assert.equal(result.images.length, 1);
    } finally {
      console.error = original;
    }
    assert.ok(logged.length > 0);
    assert.match(String(logged[0][0]), /onUpdate threw/);
  });
});
