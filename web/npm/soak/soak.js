// The soak: many `generate()` calls through the built npm package, in Node, against an emulator
// that injects random faults (web/npm/soak/emulator.js), then one JSON report on stdout.
// `cargo xtask soak` prints it as a table; web/npm/test/soak.test.js asserts its zeros.
//
//   GPT_IMAGE_WASM_DIR=<target>/npm/gpt-image-wasm SOAK_EMULATOR_URL=http://127.0.0.1:PORT \
//     node --expose-gc web/npm/soak/soak.js
//
// Env: SOAK_JOBS (default 1000, split evenly between the providers), SOAK_CONCURRENCY (50),
// SOAK_SEED (the emulator's --seed; names the keys), SOAK_MAX_RETRIES (10), SOAK_PROVIDERS
// (apiframe,apiinone). Progress goes to stderr.
//
// Every call has an API key of its own (afk_SOAKCANARY<seed>x<n>), so the emulator's counters
// for that key say exactly which jobs the call made, and its faults are the same on every run of
// a seed. Each call ends in one of:
//
// - completed: images came back;
// - failed: the provider said the job FAILED (kind job_failed, its id given);
// - error, no job: an error, and the emulator made no job for the call; nothing is paid and
//   nothing is hidden (on Apiframe the error must also not claim a job may exist);
// - lost: an error while the job exists or may exist and never finished. On Apiframe that is
//   any error with a job made, a job id known, or a message saying a job may exist: with an
//   idempotency key the client can always get its job back, so none may be lost. On API in One
//   a call is lost when the client knew the task id (it polled, then gave up) or when a task
//   exists and the error did not warn that it may;
// - orphaned (API in One only): the submit reached the server and made a task, the reply was
//   lost (a connection closed after the work, a body cut short), and the error told the caller
//   so ("may exist", "not sent again"). API in One has no idempotency key: no client can learn
//   that task's id or resend safely, so these are counted apart from losses. They are paid.
//
// Extra paid jobs: jobs the emulator made for a call beyond its first (duplicates). Traps: a
// rejection that is not a GptImageError or names a wasm trap or panic, an unhandled rejection, an
// uncaught exception, or "panicked" on the console. Key leaks: the key's marker in any error
// field, its String(), JSON, stack, util.inspect, in an update or a result, or anything written
// to the console.

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { captureOutput, exposures } from './exposure.js';

const dir = process.env.GPT_IMAGE_WASM_DIR;
const emulator = process.env.SOAK_EMULATOR_URL;
if (!dir || !emulator) {
  console.error('soak.js: set GPT_IMAGE_WASM_DIR (the built package) and SOAK_EMULATOR_URL');
  process.exit(2);
}
const jobs = Number(process.env.SOAK_JOBS ?? 1000);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 50);
const seed = String(process.env.SOAK_SEED ?? 7);
const maxRetries = Number(process.env.SOAK_MAX_RETRIES ?? 10);
const providers = (process.env.SOAK_PROVIDERS ?? 'apiframe,apiinone').split(',');

/** In every key, and in nothing else the soak sends: any sight of it is a leak. */
const MARKER = 'SOAKCANARY';
const keyOf = (provider, n) =>
  `${provider === 'apiframe' ? 'afk' : 'aio'}_${MARKER}${seed}x${String(n).padStart(6, '0')}`;

const { createClient, GptImageError } = await import(pathToFileURL(join(dir, 'node.js')).href);
// Test-only path to the wasm memory: the glue's initSync returns the instance's exports once the
// package has initialised it (node.js did, at import), without touching the public API.
const glue = await import(pathToFileURL(join(dir, 'gpt_image_wasm.js')).href);
const wasmMemory = glue.initSync().memory;

const traps = [];
process.on('unhandledRejection', (reason) => traps.push(`unhandled rejection: ${describe(reason)}`));
process.on('uncaughtException', (error) => traps.push(`uncaught exception: ${describe(error)}`));

function describe(thrown) {
  const text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  return text.replaceAll(new RegExp(`\\w+_${MARKER}\\w*`, 'g'), '<key>').slice(0, 300);
}

function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { wasmBytes: wasmMemory.buffer.byteLength, heapUsedBytes: heapUsed, rssBytes: rss };
}

/** One generate() with a key of its own; what happened, in plain data. */
async function call(n) {
  const provider = providers[n % providers.length];
  const apiKey = keyOf(provider, n);
  const record = { n, provider, apiKey, outcome: 'completed', ms: 0 };
  const started = performance.now();
  let seenId;
  try {
    const client = await createClient({
      provider,
      apiKey,
      baseUrl: emulator,
      maxRetries,
      timeoutMs: 10_000,
      poll: { minDelayMs: 100, maxDelayMs: 250, typicalMs: 400 },
    });
    const generation = client.generate(
      { prompt: `soak call ${n}: a lighthouse at dawn, watercolour` },
      {
        timeoutMs: 180_000,
        onUpdate: (update) => {
          seenId ??= update.id;
          if (JSON.stringify(update).includes(MARKER)) record.leaks = ['an update'];
        },
      },
    );
    // A wasm panic can leave a promise that never settles: past the call's own deadline, that
    // is a trap too.
    let watchdog;
    const hung = new Promise((_, reject) => {
      watchdog = setTimeout(() => reject(new Error(`call ${n} never settled: RuntimeError?`)), 200_000);
    });
    const result = await Promise.race([generation, hung]).finally(() => clearTimeout(watchdog));
    record.jobId = result.jobId;
    if (JSON.stringify(result).includes(MARKER)) record.leaks = ['the result'];
    if (!Array.isArray(result.images) || result.images.length === 0 || (seenId && result.jobId !== seenId)) {
      record.outcome = 'bad_result';
    }
  } catch (error) {
    record.kind = error?.kind;
    record.message = describe(error);
    record.jobId = error?.jobId ?? seenId;
    record.mayExist = /may exist|not sent again/i.test(String(error?.message));
    const trapped =
      !(error instanceof GptImageError) ||
      error instanceof WebAssembly.RuntimeError ||
      /unreachable|RuntimeError|panicked/.test(String(error?.message));
    if (trapped) traps.push(`call ${n}: ${record.message}`);
    record.outcome = error?.kind === 'job_failed' ? 'failed' : 'error';
    record.leaks = [...(record.leaks ?? []), ...exposures(error, MARKER)];
  }
  record.ms = Math.round(performance.now() - started);
  return record;
}

async function statsFor(apiKey) {
  const url = `${emulator}/_emulator/stats${apiKey ? `?key=${encodeURIComponent(apiKey)}` : ''}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await fetch(url);
      if (reply.ok) return await reply.json();
      throw new Error(`stats: HTTP ${reply.status}`);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** In the order it runs: every call, `concurrency` at a time. */
async function pool(count, width, task, onDone) {
  const results = new Array(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
      done += 1;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function summarise(provider, records) {
  const row = {
    provider,
    calls: records.length,
    completed: 0,
    failed: 0,
    errorsNoJob: 0,
    lost: 0,
    lostWhileWaiting: 0,
    orphaned: 0,
    extraPaidJobs: 0,
    jobsCreated: 0,
    duplicatesPrevented: 0,
    submits: 0,
    polls: 0,
    traps: 0,
    keyLeaks: 0,
    errorKinds: {},
    lostCalls: [],
    orphanedCalls: [],
  };
  for (const r of records) {
    const created = r.stats.jobs_created;
    row.jobsCreated += created;
    row.extraPaidJobs += Math.max(0, created - 1);
    row.duplicatesPrevented += r.stats.duplicates_prevented;
    row.submits += r.stats.submits_received;
    row.polls += r.stats.polls_total;
    if (r.leaks?.length) row.keyLeaks += 1;
    if (r.outcome === 'completed') row.completed += 1;
    else if (r.outcome === 'failed') row.failed += 1;
    else {
      const brief = { n: r.n, kind: r.kind ?? r.outcome, jobsMade: created, jobId: r.jobId, message: r.message };
      if (r.outcome === 'error') row.errorKinds[r.kind] = (row.errorKinds[r.kind] ?? 0) + 1;
      const knewId = Boolean(r.jobId);
      let verdict;
      if (r.outcome === 'bad_result') verdict = 'lost';
      else if (provider === 'apiinone') {
        if (knewId || (created > 0 && !r.mayExist)) verdict = 'lost';
        else if (created > 0) verdict = 'orphaned';
        else verdict = 'errorsNoJob';
      } else {
        verdict = created > 0 || knewId || r.mayExist ? 'lost' : 'errorsNoJob';
      }
      row[verdict] += 1;
      if (verdict === 'lost') {
        row.lostCalls.push(brief);
        // Where the call gave up: while waiting for a job whose id it had, or at the submit.
        if (knewId) row.lostWhileWaiting += 1;
      }
      if (verdict === 'orphaned') row.orphanedCalls.push(brief);
    }
  }
  const times = records.map((r) => r.ms).sort((a, b) => a - b);
  row.p50Ms = percentile(times, 50);
  row.p95Ms = percentile(times, 95);
  row.maxMs = times.at(-1) ?? 0;
  row.lostCalls = row.lostCalls.slice(0, 10);
  row.orphanedCalls = row.orphanedCalls.slice(0, 5);
  return row;
}

const output = captureOutput();
const before = memory();
let half;
const started = performance.now();
/** wasm memory at every tenth of the run: a leak climbs steadily, fragmentation steps once. */
const samples = [];
const records = await pool(jobs, concurrency, call, (done) => {
  if (done === Math.ceil(jobs / 2)) half = memory();
  if (done % Math.max(1, Math.floor(jobs / 10)) === 0) samples.push([done, wasmMemory.buffer.byteLength]);
  if (done % 100 === 0 || done === jobs) {
    process.stderr.write(`soak: ${done}/${jobs} calls done, ${Math.round((performance.now() - started) / 1000)} s\n`);
  }
});
const seconds = (performance.now() - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, 100));
const after = memory();
const consoleText = output.stop();

await pool(records.length, 20, async (index) => {
  records[index].stats = await statsFor(records[index].apiKey);
});
const total = await statsFor();
for (const line of consoleText.split('\n')) {
  if (/panicked|RuntimeError|unreachable/.test(line)) traps.push(`console: ${describe(line)}`);
}

const rows = providers.map((provider) =>
  summarise(
    provider,
    records.filter((r) => r.provider === provider),
  ),
);
// Traps not tied to one call (unhandled rejections, the console) are reported on every row's
// total through `traps`; per-call traps on their provider's row.
for (const row of rows) {
  row.traps = traps.filter((t) => {
    const n = /^call (\d+):/.exec(t)?.[1];
    return n === undefined || records[Number(n)].provider === row.provider;
  }).length;
}
const report = {
  jobs,
  concurrency,
  seed: Number(seed),
  maxRetries,
  seconds: Math.round(seconds * 10) / 10,
  rows,
  traps: traps.slice(0, 20),
  keyInConsole: consoleText.includes(MARKER),
  memory: { before, half, after, samples, perJobBytes: Math.max(0, (after.wasmBytes - half.wasmBytes) / (jobs - Math.ceil(jobs / 2) || 1)) },
  emulator: {
    jobsCreated: total.jobs_created,
    submitsReceived: total.submits_received,
    pollsTotal: total.polls_total,
    duplicatesPrevented: total.duplicates_prevented,
    faultsFired: total.faults_fired,
    // Faults per request (a slow reply that also got another fault counts twice; `fail` marks
    // a job, not a reply, and is left out).
    faultShare:
      Math.round(
        (1000 * Object.entries(total.faults_fired ?? {})
          .filter(([name]) => name !== 'fail')
          .reduce((sum, [, count]) => sum + count, 0)) /
          Math.max(1, total.submits_received + total.polls_total),
      ) / 1000,
  },
};
process.stdout.write(`${JSON.stringify(report)}\n`);
