// The proxy inside workerd, Cloudflare's runtime: the README's Worker example, bundled as wrangler
// would (esbuild with the `workerd` condition, the .wasm kept as a module import), loaded by a
// workerd config beside the proxy's wasm module, and driven from Node: whole generations on
// both providers (raw fetch and the client in proxy mode), a refusal, and CORS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createClient } from 'gpt-image-wasm';
import { freePort, generateThrough, raw, startEmulator } from './proxy-support.js';

const WORKER = fileURLToPath(new URL('../examples/proxy/worker.js', import.meta.url));
const WORKERD = fileURLToPath(new URL('../node_modules/.bin/workerd', import.meta.url));
const PACKAGE = new URL('../node_modules/gpt-image-wasm/', import.meta.url);
const AFK = 'afk_workerd_server_key';
const AIO = 'aio_workerd_server_key';
const APP_ORIGIN = 'https://app.example';

let emulator;
let workerd;
let dir;
let url;

/** A workerd config: the bundled worker and the wasm as modules, the keys and URLs as bindings. */
function capnp(port, upstream) {
  const text = (name, value) => `(name = "${name}", text = "${value}")`;
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .proxyWorker),
    # workerd's default outbound network allows public addresses only: the emulator is local.
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const proxyWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "gpt_image_proxy_bg.wasm", wasm = embed "gpt_image_proxy_bg.wasm"),
  ],
  compatibilityDate = "2025-06-01",
  bindings = [
    ${text('APIFRAME_API_KEY', AFK)},
    ${text('APIINONE_API_KEY', AIO)},
    ${text('APIFRAME_BASE_URL', upstream)},
    ${text('APIINONE_BASE_URL', upstream)},
    ${text('APP_ORIGIN', APP_ORIGIN)},
  ],
  globalOutbound = "loopback",
);
`;
}

before(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'gpt-image-workerd-'));
  await build({
    entryPoints: [WORKER],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['*.wasm'],
    outfile: join(dir, 'worker.js'),
    logLevel: 'warning',
  });
  copyFileSync(new URL('gpt_image_proxy_bg.wasm', PACKAGE), join(dir, 'gpt_image_proxy_bg.wasm'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), capnp(port, emulator.url));
  workerd = spawn(WORKERD, ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 150 || workerd.exitCode !== null) throw new Error('workerd did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

after(async () => {
  if (workerd && workerd.exitCode === null) {
    workerd.kill();
    await once(workerd, 'exit');
  }
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('proxy in workerd', () => {
  for (const provider of ['apiframe', 'apiinone']) {
    it(`${provider}: submit and poll to completion through the Worker`, async () => {
      const job = await generateThrough(fetch, provider, `${url}/api/gpt-image`);
      assert.match(JSON.stringify(job), /\/files\//);
      assert.ok(!JSON.stringify(job).includes(AFK) && !JSON.stringify(job).includes(AIO));
    });

    it(`${provider}: the client in proxy mode generates an image`, async () => {
      const client = await createClient({
        provider,
        baseUrl: `${url}/api/gpt-image/${provider}`,
        poll: { minDelayMs: 100, maxDelayMs: 250, typicalMs: 600 },
      });
      const result = await client.generate({ prompt: 'a lighthouse at dawn, watercolour' });
      assert.equal(result.images.length, 1);
    });
  }

  it('refuses what it does not forward, and grants CORS to APP_ORIGIN only', async () => {
    let reply = await raw(url, 'GET', '/api/gpt-image/apiframe/v2/jobs/..%2fme');
    assert.equal(reply.status, 400);
    reply = await raw(url, 'GET', '/api/gpt-image/apiframe/v2/me');
    assert.equal(reply.status, 404);
    const preflight = (origin) =>
      fetch(`${url}/api/gpt-image/apiframe/v2/images/generate`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    reply = await preflight(APP_ORIGIN);
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get('access-control-allow-origin'), APP_ORIGIN);
    reply = await preflight('https://evil.example');
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
  });
});
