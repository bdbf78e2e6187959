// verifyWebhook (`gpt-image-wasm/webhook`): Apiframe's HMAC-SHA256 of the raw body keyed with
// SHA-256 of the API key.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { GptImageError } from 'gpt-image-wasm';
import { GptImageError as WebhookEntryError, verifyWebhook } from 'gpt-image-wasm/webhook';
import { client, key, sleep } from './support.js';

const apiKey = 'afk_npm_webhook_0123456789';
const body = JSON.stringify({ event: 'completed', jobId: 'j1', status: 'COMPLETED', progress: 100 });
const sign = (text, key) =>
  createHmac('sha256', createHash('sha256').update(key).digest('hex')).update(text).digest('hex');
const signature = sign(body, apiKey);

describe('verifyWebhook', () => {
  it('accepts a genuine signature, as a string or bytes', () => {
    assert.equal(verifyWebhook({ body, signature, apiKey }), true);
    assert.equal(verifyWebhook({ body: new TextEncoder().encode(body), signature, apiKey }), true);
    assert.equal(verifyWebhook({ body: Buffer.from(body), signature, apiKey }), true);
    const base64 = Buffer.from(signature, 'hex').toString('base64');
    assert.equal(verifyWebhook({ body, signature: base64, apiKey }), true);
  });

  it('refuses a wrong key, a tampered body, junk and a missing signature', () => {
    assert.equal(verifyWebhook({ body, signature, apiKey: 'afk_someone_else' }), false);
    assert.equal(verifyWebhook({ body: body.replace('j1', 'j2'), signature, apiKey }), false);
    assert.equal(verifyWebhook({ body: `${body} `, signature, apiKey }), false);
    assert.equal(verifyWebhook({ body, signature: 'not a signature', apiKey }), false);
    assert.equal(verifyWebhook({ body, signature: undefined, apiKey }), false);
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    assert.equal(verifyWebhook({ body, signature: flipped, apiKey }), false);
  });

  it('throws invalid_request on a parsed body or a missing key', () => {
    for (const [input, field] of [
      [{ body: JSON.parse(body), signature, apiKey }, 'body'],
      [{ body, signature }, 'apiKey'],
      [{ body, signature, apiKey: '' }, 'apiKey'],
      [{ body, signature: 5, apiKey }, 'signature'],
      [{ body, signature, apiKey, secret: 'x' }, 'secret'],
      [undefined, 'input'],
    ]) {
      assert.throws(() => verifyWebhook(input), (error) => {
        assert.ok(error instanceof GptImageError);
        assert.equal(error.kind, 'invalid_request');
        assert.equal(error.field, field);
        return true;
      });
    }
    assert.equal(verifyWebhook({ body, signature, apiKey }), true, 'still works after errors');
  });
});

describe('the webhook entry', () => {
  it('is apart from the client: the main entry has no verifyWebhook, and errors share one class', async () => {
    assert.equal(WebhookEntryError, GptImageError);
    assert.equal('verifyWebhook' in (await import('gpt-image-wasm')), false);
  });

  it('is left out of an app that only makes a client, and is all a webhook handler bundles', async () => {
    const bundle = async (contents) =>
      (
        await build({
          stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          write: false,
          logLevel: 'silent',
        })
      ).outputFiles[0].text;
    const app = await bundle("import { createClient } from 'gpt-image-wasm'; console.log(createClient);");
    assert.match(app, /gpt_image_wasm_bg\.wasm/);
    assert.doesNotMatch(app, /gpt_image_webhook/);
    const handler = await bundle("import { verifyWebhook } from 'gpt-image-wasm/webhook'; console.log(verifyWebhook);");
    assert.match(handler, /gpt_image_webhook_bg\.wasm/);
    assert.doesNotMatch(handler, /gpt_image_wasm_bg\.wasm/);
  });
});

describe('webhooks from a real delivery', () => {
  it('verifies what the emulator posts for a job submitted with webhookUrl', async () => {
    const received = [];
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks),
          event: req.headers['x-webhook-event'],
          signature: req.headers['x-webhook-signature'],
        });
        res.writeHead(204).end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const hookKey = key('apiframe', 'webhook_delivery');
      const { port } = server.address();
      const result = await (await client('apiframe', hookKey)).generate({
        prompt: 'a weather vane on a barn roof',
        webhookUrl: `http://127.0.0.1:${port}/hooks/gpt-image`,
        webhookEvents: ['progress', 'completed'],
      });
      // Delivery is asynchronous: give the completed event a moment to arrive.
      for (let i = 0; i < 50 && !received.some((r) => r.event === 'completed'); i++) await sleep(100);
      const completed = received.find((r) => r.event === 'completed');
      assert.ok(completed, `no completed webhook among ${received.map((r) => r.event)}`);
      assert.equal(verifyWebhook({ body: completed.body, signature: completed.signature, apiKey: hookKey }), true);
      assert.equal(JSON.parse(completed.body.toString()).jobId, result.jobId);
      assert.ok(received.every((r) => verifyWebhook({ body: r.body, signature: r.signature, apiKey: hookKey })));
      // Someone else's key, or one changed byte, and it is refused.
      assert.equal(verifyWebhook({ body: completed.body, signature: completed.signature, apiKey: `${hookKey}x` }), false);
      const tampered = Buffer.from(completed.body);
      tampered[tampered.length - 2] ^= 1;
      assert.equal(verifyWebhook({ body: tampered, signature: completed.signature, apiKey: hookKey }), false);
    } finally {
      server.close();
    }
  });
});
