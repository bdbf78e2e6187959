// The polling bench's real runs: the built npm package in Node against emulators this script
// starts (EMULATOR_BIN) on free ports and stops, then one JSON report on stdout. `cargo xtask
// bench polling` lays it out beside the studio's figure; progress goes to stderr.
//
//   GPT_IMAGE_WASM_DIR=<target>/npm/gpt-image-wasm EMULATOR_BIN=<target>/debug/gpt-image-emulator \
//     node web/npm/bench/polling.js
//
// Env: BENCH_JOBS (60 per case and way), BENCH_MANY (200: the one-client run), BENCH_SEED (1),
// BENCH_TIME_SCALE (1), BENCH_PARTS (`cases,many`), BENCH_CASES (every case, or some of
// `linear,coarse,front,none,apiinone`), BENCH_PARALLEL (`ways`: the four ways of
// a case at once, cases one after another; `all`: every case at once; `none`).
//
// Cases: Apiframe jobs of lognormal duration (median 15 s, σ 0.35) whose progress is linear,
// coarse, front or none (the emulator's `--progress`), and API in One tasks (median 6 s, σ 0.35,
// no progress). Each case runs the same N jobs four ways, each on a fresh emulator with the
// same seed, so each way meets the very same durations (the emulator draws them in the order it
// creates jobs; the N jobs of a way are all made at the start):
//
// - ours: `client.generate()` on one client with default options (below a time scale of 1 its
//   `poll` bounds are scaled too, floored at the package's 100 ms; see SCALE_NOTE);
// - ours, warm: the same on a client that first imported what another client learned from one
//   burst of N jobs of the case (`exportDurations()` then `importDurations()`, as a server or
//   the studio keeps them between sessions). That burst runs on an emulator of its own with
//   another seed, so this way meets the very same durations as the others;
// - fixed 2 s and fixed 500 ms: `client.submit()`, then `client.status()` every interval after
//   each reply until the job is completed (the seeds' loop).
//
// Detection delay: when this side saw the job completed minus when it really completed. Apiframe
// says (`completedAt` in the job's listing, read after the run, wall clock in ms). API in One
// does not: its tasks are submitted one after another (each after the previous reply), so the
// k-th task is the emulator's k-th job and has its k-th duration, which an Apiframe twin (same
// seed, the same distribution) reports; the task is taken as created when its submit's reply
// arrived. Requests per job are `(submits + polls + listings) / jobs made` from
// `/_emulator/stats` for the way's own key, read before anything else asks the emulator.
//
// The 200-job run: BENCH_MANY `generate()` calls at once on ONE Apiframe client (linear
// progress, no concurrency limit at the emulator): status requests (polls and listings),
// requests per job, the wall time against the slowest job's own duration.
//
// Every delay and duration in the report is unscaled (ms divided by the time scale).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const dir = process.env.GPT_IMAGE_WASM_DIR;
const bin = process.env.EMULATOR_BIN;
if (!dir || !bin) {
  console.error('polling.js: set GPT_IMAGE_WASM_DIR (the built package) and EMULATOR_BIN (the emulator)');
  process.exit(2);
}
const JOBS = Number(process.env.BENCH_JOBS ?? 60);
const MANY = Number(process.env.BENCH_MANY ?? 200);
const SEED = String(process.env.BENCH_SEED ?? 1);
const SCALE = Number(process.env.BENCH_TIME_SCALE ?? 1);
const PARTS = (process.env.BENCH_PARTS ?? 'cases,many').split(',');
const PARALLEL = process.env.BENCH_PARALLEL ?? 'ways';

/** Why a time scale below 1 is only a smoke test for "ours". */
const SCALE_NOTE =
  'the schedule plans in absolute ms (0.5 s dense gap, a 2 s loop as budget, gaps up to 3 s), which poll bounds do not scale: below 1 "ours" is a different policy';

const APIFRAME_DURATION = 'lognormal:median=15s,sigma=0.35';
const APIINONE_DURATION = 'lognormal:median=6s,sigma=0.35';

/** The issue's five cases, as the schedule simulation names them. */
const ALL_CASES = [
  { key: 'linear', name: 'linear (emulator)', provider: 'apiframe', progress: 'linear' },
  { key: 'coarse', name: 'coarse (0, then 50 at half-way)', provider: 'apiframe', progress: 'coarse' },
  { key: 'front', name: 'front (90 % at 1/5, then slow)', provider: 'apiframe', progress: 'front' },
  { key: 'none', name: 'none', provider: 'apiframe', progress: 'none' },
  { key: 'apiinone', name: 'API in One (none, ~6 s)', provider: 'apiinone', progress: 'none' },
];
const CASES = process.env.BENCH_CASES
  ? ALL_CASES.filter((kase) => process.env.BENCH_CASES.split(',').includes(kase.key))
  : ALL_CASES;
const WAYS = [
  { name: 'ours', every: null },
  { name: 'ours, warm', every: null, warm: true },
  { name: 'fixed 2 s', every: 2_000 },
  { name: 'fixed 500 ms', every: 500 },
];
/** The package's default typical durations (crates/gpt-image/src/provider.rs), for scaled runs. */
const TYPICAL_MS = { apiframe: 15_000, apiinone: 6_500 };

const { createClient } = await import(pathToFileURL(join(dir, 'node.js')).href);

/** Wall-clock ms with a fraction (comparable with the emulator's timestamps). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`bench polling: ${text}\n`);

/** Every emulator this script started, stopped on any exit. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill();
});

/** Starts the emulator with `args` (and `seed`) on a free port; resolves `{ url, stop }`. */
async function startEmulator(args, seed = SEED) {
  const child = spawn(bin, ['--port', '0', '--seed', String(seed), '--time-scale', String(SCALE), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the emulator exited with ${code} before listening`);
    }),
  ]);
  lines.on('line', () => {});
  return {
    url: first.replace(/^listening on /, '').trim(),
    stop: async () => {
      children.delete(child);
      if (child.exitCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    },
  };
}

/**
 * The emulator's flags for one case: its durations, its progress, no concurrency limit.
 * `apiframeDuration` differs only for API in One's twin.
 */
function caseArgs(progress, apiframeDuration = APIFRAME_DURATION) {
  return [
    '--progress',
    progress,
    '--apiframe-duration',
    apiframeDuration,
    '--apiinone-duration',
    APIINONE_DURATION,
    '--max-concurrent-jobs',
    '0',
  ];
}

async function getJson(url, headers = {}) {
  const reply = await fetch(url, { headers });
  if (!reply.ok) throw new Error(`GET ${url}: HTTP ${reply.status}`);
  return reply.json();
}

/** The emulator's counters for `key`. */
const statsFor = (url, key) => getJson(`${url}/_emulator/stats?key=${encodeURIComponent(key)}`);

/** Every Apiframe job of `key`, by id: `{ createdMs, completedMs }` (wall clock, ms). */
async function apiframeJobs(url, key) {
  const jobs = new Map();
  let cursor = '';
  for (;;) {
    const page = await getJson(`${url}/v2/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { 'X-API-Key': key });
    for (const job of page.jobs) {
      jobs.set(job.id, {
        status: job.status,
        createdMs: Date.parse(job.createdAt),
        completedMs: job.completedAt ? Date.parse(job.completedAt) : null,
      });
    }
    if (!page.hasMore) return jobs;
    cursor = page.nextCursor;
  }
}

/** How far (wall ms) a look may seem to contradict the truth: a reply's transit, a timestamp's ms. */
const CONSISTENCY_MS = 3;

/** `sorted` at quantile `q`, as the schedule simulation reads it. */
function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.round((sorted.length - 1) * q)];
}

/** A client for one way: default options, or (below scale 1) the default bounds scaled. */
function clientFor(provider, key, url) {
  const options = { provider, apiKey: key, baseUrl: url };
  if (SCALE < 1) {
    options.poll = {
      minDelayMs: Math.max(100, Math.round(500 * SCALE)),
      maxDelayMs: Math.max(100, Math.round(10_000 * SCALE)),
      typicalMs: Math.round(TYPICAL_MS[provider] * SCALE),
    };
  }
  return createClient(options);
}

const REQUEST = { prompt: 'polling bench: a lighthouse at dawn, watercolour' };

/**
 * One job one way. `submitted(jobId, atMs)` is called as soon as the job exists. Resolves
 * `{ jobId, seenMs }` (when this side saw it completed) or `{ error }`.
 */
async function oneJob(client, way, submitted) {
  try {
    if (way.every === null) {
      const result = await client.generate(REQUEST, {
        onUpdate: (update) => {
          if (update.status === 'queued' || update.status === 'processing') submitted(update.id, now());
        },
      });
      return { jobId: result.jobId, seenMs: now() };
    }
    const job = await client.submit(REQUEST);
    submitted(job.id, now());
    let runningSentMs;
    for (;;) {
      await sleep(way.every * SCALE);
      const sentMs = now();
      const update = await client.status(job.id);
      if (update.status === 'completed') return { jobId: job.id, seenMs: now(), runningSentMs };
      runningSentMs = sentMs;
      if (update.status === 'failed') return { jobId: job.id, error: update.error ?? 'failed' };
    }
  } catch (error) {
    return { error: `${error?.kind ?? 'error'}: ${error?.message ?? error}` };
  }
}

/**
 * Runs `count` jobs one way on one client, which first imports `learned` when given. Apiframe's
 * start all at once; API in One's one submit after another (each after the previous reply), so
 * their creation order is known. Resolves the records in submit order, and (for ours) what the
 * client learned.
 */
async function runWay(provider, way, url, key, count, learned = null) {
  const client = await clientFor(provider, key, url);
  if (learned) client.importDurations(learned);
  const records = Array.from({ length: count }, () => ({}));
  const started = now();
  const runs = [];
  for (let i = 0; i < count; i++) {
    const record = records[i];
    let exists;
    const made = new Promise((resolve) => {
      exists = resolve;
    });
    const done = oneJob(client, way, (jobId, atMs) => {
      if (record.jobId) return;
      record.jobId = jobId;
      record.submittedMs = atMs;
      exists();
    }).then((outcome) => {
      Object.assign(record, outcome);
      exists();
    });
    runs.push(done);
    if (provider === 'apiinone') await made;
  }
  await Promise.all(runs);
  const wallMs = now() - started;
  return { records, wallMs, learned: way.every === null ? client.exportDurations() : null };
}

/** Request counts of one key, from the emulator's stats. */
function requestCounts(stats) {
  return {
    submits: stats.submits_received,
    jobsMade: stats.jobs_created,
    polls: stats.polls_total,
    listings: stats.list_requests ?? 0,
    account: stats.account_requests ?? 0,
  };
}

/** Durations (scaled ms) of the first `count` jobs a seed makes with API in One's distribution. */
async function apiinoneDurations(count) {
  const twin = await startEmulator(caseArgs('none', APIINONE_DURATION));
  try {
    const key = `afk_bench_twin_${SEED}`;
    const ids = [];
    for (let i = 0; i < count; i++) {
      const reply = await fetch(`${twin.url}/v2/images/generate`, {
        method: 'POST',
        headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: REQUEST.prompt, model: 'gpt-image-1.5' }),
      });
      if (reply.status !== 202) throw new Error(`twin submit: HTTP ${reply.status}`);
      ids.push((await reply.json()).jobId);
    }
    for (;;) {
      const jobs = await apiframeJobs(twin.url, key);
      if (ids.every((id) => jobs.get(id)?.completedMs != null)) {
        return ids.map((id) => jobs.get(id).completedMs - jobs.get(id).createdMs);
      }
      await sleep(Math.max(50, 1_000 * SCALE));
    }
  } finally {
    await twin.stop();
  }
}

/** What ours learns from one earlier burst of the case: another seed, an emulator of its own. */
async function warmUp(kase) {
  const seed = Number(SEED) + 1_000;
  const emulator = await startEmulator(caseArgs(kase.progress), seed);
  try {
    const key = `${kase.provider === 'apiframe' ? 'afk' : 'aio'}_bench_${kase.progress}_warmup_${seed}`;
    return (await runWay(kase.provider, WAYS[0], emulator.url, key, JOBS)).learned;
  } finally {
    await emulator.stop();
  }
}

/** One case one way on a fresh emulator: its records, request counts and true durations. */
async function caseWay(kase, way) {
  const learned = way.warm ? await warmUp(kase) : null;
  const emulator = await startEmulator(caseArgs(kase.progress));
  try {
    const key = `${kase.provider === 'apiframe' ? 'afk' : 'aio'}_bench_${kase.progress}_${way.name.replaceAll(/\W+/g, '')}_${SEED}`;
    const { records, wallMs } = await runWay(kase.provider, way, emulator.url, key, JOBS, learned);
    const counts = requestCounts(await statsFor(emulator.url, key));
    const truth = kase.provider === 'apiframe' ? await apiframeJobs(emulator.url, key) : null;
    return { records, wallMs, counts, truth };
  } finally {
    await emulator.stop();
  }
}

/** Figures of one way: requests per job and detection delays (unscaled ms). */
function figures(way, run, durations) {
  const delays = [];
  let failed = 0;
  let inconsistent = 0;
  const seen = [];
  run.records.forEach((r, k) => {
    if (r.error || r.seenMs === undefined) {
      failed += 1;
      return;
    }
    let completedMs;
    if (run.truth) {
      completedMs = run.truth.get(r.jobId)?.completedMs;
      const job = run.truth.get(r.jobId);
      if (job) seen.push(job.completedMs - job.createdMs);
    } else {
      completedMs = r.submittedMs + durations[k];
      seen.push(durations[k]);
    }
    if (completedMs == null) {
      failed += 1;
      return;
    }
    // Seen completed before it ended, or asked while it ran and told running after it ended:
    // the truth is wrong (API in One's order, the twin) by more than a reply's transit.
    if (r.seenMs < completedMs - CONSISTENCY_MS || r.runningSentMs > completedMs + CONSISTENCY_MS) {
      inconsistent += 1;
    }
    delays.push((r.seenMs - completedMs) / SCALE);
  });
  delays.sort((a, b) => a - b);
  const { counts } = run;
  return {
    way: way.name,
    jobs: run.records.length,
    completed: delays.length,
    failed,
    inconsistent,
    errors: [...new Set(run.records.filter((r) => r.error).map((r) => r.error))].slice(0, 3),
    ...counts,
    requestsPerJob: (counts.submits + counts.polls + counts.listings) / Math.max(1, counts.jobsMade),
    p50Ms: quantile(delays, 0.5),
    p95Ms: quantile(delays, 0.95),
    maxMs: delays.at(-1) ?? null,
    minMs: delays[0] ?? null,
    // Sorted durations this way met (scaled ms), to check every way met the same ones.
    durations: seen.sort((a, b) => a - b),
  };
}

async function runCase(kase) {
  log(`${kase.name}: ${JOBS} jobs × ${WAYS.length} ways`);
  const twin = kase.provider === 'apiinone' ? apiinoneDurations(JOBS) : Promise.resolve(null);
  let runs;
  if (PARALLEL === 'none') {
    runs = [];
    for (const way of WAYS) runs.push(await caseWay(kase, way));
  } else {
    runs = await Promise.all(WAYS.map((way) => caseWay(kase, way)));
  }
  const durations = await twin;
  const ways = WAYS.map((way, i) => figures(way, runs[i], durations));
  // The ways met the same durations when their sorted lists agree (to the ms the emulator's
  // timestamps carry).
  const spread = Math.max(
    0,
    ...ways.flatMap((w) => w.durations.map((d, k) => Math.abs(d - ways[0].durations[k]))).filter(Number.isFinite),
  );
  const all = ways[0].durations;
  const row = {
    name: kase.name,
    provider: kase.provider,
    progress: kase.progress,
    durationsMs: {
      min: all[0] / SCALE,
      median: quantile(all, 0.5) / SCALE,
      max: all.at(-1) / SCALE,
    },
    // API in One's come from the twin for every way: the same by construction; the looks that
    // would contradict them are counted in `inconsistent`.
    durationSource: kase.provider === 'apiframe' ? 'completedAt' : 'twin',
    sameDurations: ways.every((w) => w.durations.length === all.length) && spread <= 2,
    durationSpreadMs: spread / SCALE,
    ways: ways.map(({ durations: _, ...rest }) => rest),
  };
  log(`${kase.name}: done (${ways.map((w) => `${w.way} ${w.requestsPerJob.toFixed(2)} req/job, p95 ${Math.round(w.p95Ms)} ms`).join('; ')})`);
  return row;
}

/** BENCH_MANY generate() calls at once on one Apiframe client. */
async function many() {
  log(`${MANY} jobs at once on one client`);
  const emulator = await startEmulator(caseArgs('linear'));
  try {
    const key = `afk_bench_many_${SEED}`;
    const run = await runWay('apiframe', WAYS[0], emulator.url, key, MANY);
    const counts = requestCounts(await statsFor(emulator.url, key));
    const truth = await apiframeJobs(emulator.url, key);
    const f = figures(WAYS[0], { ...run, counts, truth }, null);
    const durations = [...truth.values()].map((j) => j.completedMs - j.createdMs);
    const slowest = Math.max(...durations);
    const firstCreated = Math.min(...[...truth.values()].map((j) => j.createdMs));
    const lastCompleted = Math.max(...[...truth.values()].map((j) => j.completedMs));
    const lastSeen = Math.max(...run.records.map((r) => r.seenMs ?? 0));
    // What a fixed 2 s loop would have asked on these durations: a poll every 2 s until one
    // lands at or after the end.
    const fixed2s = durations.reduce((sum, d) => sum + Math.max(1, Math.ceil(d / (2_000 * SCALE))), 0);
    log(`${MANY} jobs: done in ${Math.round(run.wallMs / SCALE)} ms (unscaled)`);
    return {
      jobs: MANY,
      completed: f.completed,
      failed: f.failed,
      errors: f.errors,
      ...counts,
      statusRequests: counts.polls + counts.listings,
      requestsPerJob: f.requestsPerJob,
      fixed2sStatusRequests: fixed2s,
      wallMs: run.wallMs / SCALE,
      slowestMs: slowest / SCALE,
      // From the first job's creation to the last job seen completed, and to the last real end.
      spanMs: (lastSeen - firstCreated) / SCALE,
      lastRealEndMs: (lastCompleted - firstCreated) / SCALE,
      p50Ms: f.p50Ms,
      p95Ms: f.p95Ms,
      maxDelayMs: f.maxMs,
    };
  } finally {
    await emulator.stop();
  }
}

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = now();
const report = { jobs: JOBS, seed: Number(SEED), timeScale: SCALE, parallel: PARALLEL, cases: [], many: null };
if (SCALE < 1) report.scaleNote = SCALE_NOTE;
if (PARTS.includes('cases')) {
  if (PARALLEL === 'all') report.cases = await Promise.all(CASES.map(runCase));
  else for (const kase of CASES) report.cases.push(await runCase(kase));
}
if (PARTS.includes('many') && MANY > 0) report.many = await many();
loop.disable();
report.eventLoopDelayMs = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
report.seconds = Math.round((now() - started) / 100) / 10;
process.stdout.write(`${JSON.stringify(report)}\n`);
