// Shared by the proxy's node:test files: an emulator of their own (with --cors off, as the real
// providers behave), servers on free loopback ports, a fake upstream that records what it is
// sent, raw HTTP requests (paths exactly as written), and polling a job to its end.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Starts the emulator binary the npm tier names in EMULATOR_BIN (flags `args` added), or falls
 * back to the shared EMULATOR_URL when there is none. Resolves `{ url, stop }`.
 */
export async function startEmulator(args = ['--cors', 'off', '--time-scale', '0.05']) {
  const bin = process.env.EMULATOR_BIN;
  if (!bin) {
    const url = process.env.EMULATOR_URL;
    if (!url) throw new Error('EMULATOR_BIN or EMULATOR_URL must be set: run through `cargo xtask test npm`');
    return { url, stop: async () => {} };
  }
  const child = spawn(bin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the emulator exited with ${code} before listening`);
    }),
  ]);
  const url = first.replace(/^listening on /, '').trim();
  lines.on('line', () => {});
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    },
  };
}

/** Serves `handler` (Node style) on a free loopback port; resolves `{ url, close }`. */
export async function listen(handler) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A free loopback port (for a child process that cannot report its own). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A fake provider that records every request (`seen`) and answers with `reply(request)`:
 * `{ status, headers, body }`; by default it echoes what it received as JSON.
 */
export async function recorder(reply) {
  const seen = [];
  const server = await listen(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const request = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    seen.push(request);
    const answer = reply
      ? reply(request)
      : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) };
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  return { ...server, seen };
}

/**
 * One HTTP request with the path sent exactly as written (no URL normalisation), resolving
 * `{ status, headers, body }` with the body as text.
 */
export function raw(base, method, path, { headers = {}, body } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A submit body as the client sends it for `provider`. */
export function submitBody(provider, extra = {}) {
  return provider === 'apiframe'
    ? { prompt: 'a lighthouse at dawn', model: 'gpt-image-1.5', gptImageParams: { output_format: 'png', ...extra } }
    : { model: 'gpt-image-1-5', prompt: 'a lighthouse at dawn', ...extra };
}

/** Where a submit goes and where its job is read, under `base` (`{origin}{basePath}`). */
export function routes(provider, base) {
  return provider === 'apiframe'
    ? { submit: `${base}/apiframe/v2/images/generate`, job: (id) => `${base}/apiframe/v2/jobs/${id}` }
    : { submit: `${base}/apiinone/api/v1/images/generations`, job: (id) => `${base}/apiinone/api/v1/tasks/${id}` };
}

/** The job id of a submit reply (either provider). */
export function jobIdOf(reply) {
  return reply.jobId ?? reply.data?.task_id ?? reply.id;
}

/** The status of a job reply, lower case (either provider). */
export function statusOf(reply) {
  return String((reply.data ?? reply).status).toLowerCase();
}

/**
 * Submits through a proxy with `send(url, init)` (a fetch-like function) and polls until the
 * job ends; resolves the last job reply.
 */
export async function generateThrough(send, provider, base, extra) {
  const route = routes(provider, base);
  const submitted = await send(route.submit, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(submitBody(provider, extra)),
  });
  const text = await submitted.text();
  if (submitted.status >= 300) throw new Error(`submit answered ${submitted.status}: ${text}`);
  const id = jobIdOf(JSON.parse(text));
  for (let i = 0; i < 200; i++) {
    const reply = await send(route.job(id));
    const job = JSON.parse(await reply.text());
    if (['completed', 'failed'].includes(statusOf(job))) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not end`);
}
