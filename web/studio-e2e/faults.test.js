// The studio under faults (issue 9, item 6): with 20 jobs running and the base URL on a
// random-fault spec, a reload resumes all 20, and each ends completed, or failed as the provider
// said. None stuck, none lost, none duplicated: the jobs the studio shows are exactly the jobs
// the emulator made.
//
// Each test starts its own emulator (the debug build the tier uses), so the seed, the job
// durations and the concurrency limit are this file's: `FAULTS_SEED=N` replays another seed
// (default 7). The assertions hold for any seed; the faults that fire differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, open, screenshot } from './support.js';

const SEED = process.env.FAULTS_SEED || '7';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Where `cargo xtask` builds the emulator (crates/xtask: `Ctx::target_dir`).
const EMULATOR_BIN = process.env.EMULATOR_BIN
  || join(resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'debug/gpt-image-emulator');

/**
 * Every kind of trouble a real network throws at submits and polls, at random, from `--seed`:
 * 5xx, 429 with `Retry-After` (seconds) or `retry-after-ms`, the connection closed before the
 * job is made (`reset`, `drop`) or after it (`reset-after`, `drop-after`: the reply is lost),
 * replies that are not JSON (`malformed`) or cut short (`truncated`), slow replies, and failed
 * jobs (`fail`, besides the emulator's `--fail-rate`).
 */
const APIFRAME_SPEC = [
  'submit:503@0.03', 'submit:500@0.02', 'submit:429ms=400@0.03', 'submit:429=1@0.02',
  'submit:reset@0.02', 'submit:drop@0.02', 'submit:drop-after@0.03', 'submit:reset-after@0.03',
  'submit:truncated@0.02', 'submit:malformed@0.02', 'submit:fail@0.1',
  'poll:502@0.04', 'poll:503@0.03', 'poll:429=1@0.03', 'poll:429ms=300@0.03', 'poll:reset@0.02',
  'poll:drop@0.02', 'poll:malformed@0.03', 'poll:truncated@0.03',
  'any:slow=1500@0.1',
].join(',');

/**
 * API in One has no idempotency key: a submit whose reply is lost cannot be resent safely, and
 * the studio rightly says so instead of guessing. So its submits only see faults that prove no
 * task was made and that the client resends (429), slow replies and failed tasks; its polls see
 * everything.
 */
const APIINONE_SPEC = [
  'submit:429ms=400@0.05', 'submit:429=1@0.03', 'submit:fail@0.15',
  'poll:500@0.04', 'poll:502@0.04', 'poll:429=1@0.03', 'poll:reset@0.03', 'poll:drop@0.03',
  'poll:malformed@0.03', 'poll:truncated@0.03',
  'any:slow=1500@0.1',
].join(',');

const RUNNING = ['Sending', 'Queued', 'Processing'];
const LABELS = [...RUNNING, 'Completed', 'Failed', 'Stopped waiting'];

/** Starts an emulator of this test's own on a free port; stopped when the test ends. */
async function emulator(t, args) {
  assert.ok(existsSync(EMULATOR_BIN), `no emulator at ${EMULATOR_BIN}: build it with \`cargo xtask test studio\``);
  const child = spawn(EMULATOR_BIN, ['--port', '0', '--seed', SEED, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill());
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((ok, no) => {
    const timer = setTimeout(() => no(new Error('the emulator did not start within 20 s')), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      ok(line);
    });
    child.once('exit', (code) => no(new Error(`the emulator exited (${code})`)));
  });
  lines.on('line', () => {}); // keep draining
  const url = first.replace(/^listening on /, '').trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, first);
  return url;
}

/** The emulator's counters for one key. */
async function statsOf(url, key) {
  return (await fetch(`${url}/_emulator/stats?key=${encodeURIComponent(key)}`)).json();
}

/** The gallery's job cards (the History region's articles). */
function cards(page) {
  return page.getByRole('region', { name: 'History' }).getByRole('article');
}

/**
 * What each card shows: its status (the label its heading starts with), its job id, its error
 * text and whether every image in it has loaded. Text is read block by block with textContent:
 * cards out of view are not rendered (content-visibility: auto), and Chromium gives an empty
 * innerText for them.
 */
async function readCards(page) {
  const raw = await cards(page).evaluateAll((articles) => articles.map((a) => {
    const heading = a.querySelector('h1, h2, h3, h4, [role="heading"]');
    const imgs = [...a.querySelectorAll('img')];
    const blocks = (selector) => [...a.querySelectorAll(selector)].map((e) => e.textContent.trim()).filter(Boolean);
    return {
      heading: (heading?.textContent ?? '').trim(),
      text: blocks('h1, h2, h3, h4, p, [role="alert"]').join('\n'),
      alerts: blocks('[role="alert"]'),
      images: imgs.length,
      loaded: imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0),
    };
  }));
  return raw.map((c) => ({
    ...c,
    status: [...LABELS].sort((a, b) => b.length - a.length).find((l) => c.heading.startsWith(l)) ?? `? ${c.heading}`,
    jobId: c.text.match(/\b(?:Job|Task) ([A-Za-z0-9_-]{6,})/)?.[1] ?? null,
  }));
}

/** Polls `readCards` until `done(cards)` holds; on timeout, fails showing what was left. */
async function until(page, done, what, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = await readCards(page);
    if (done(now)) return now;
    if (Date.now() > deadline) {
      const summary = now.map((c) => `${c.status} ${c.jobId ?? '(no job id)'} ${c.alerts.join(' | ')}`);
      assert.fail(`${what} within ${timeout / 1000} s; the cards:\n${summary.join('\n')}`);
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

/** Types a prompt and presses Generate, as a person does. */
async function generate(page, prompt) {
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByRole('button', { name: /^Generate/ }).click();
}

/** Problems that are the studio's own (a panic, a page error, a CSP violation), not the network's. */
function ownProblems(problems) {
  return problems.filter((p) => /panicked|page error|CSP violation|RuntimeError|unreachable/i.test(p));
}

/**
 * Starts `count` jobs through the fault spec, reloads while they run (once `readyToReload`
 * holds), and checks that every one comes back and ends completed with its image, or failed
 * with the provider's reason; returns the cards and the emulator's counters.
 */
async function faultRun(t, { provider, count, spec, emulatorArgs, readyToReload, name }) {
  const url = await emulator(t, emulatorArgs);
  const key = provider === 'apiinone' ? `aio_e2e_faults_${SEED}` : `afk_e2e_faults_${SEED}`;
  const { page, problems } = await open(t);
  await connect(page, { provider, key, baseUrl: `${url}/_fault/${spec}` });
  const prompts = Array.from({ length: count }, (_, i) => `fault run ${name}: a lighthouse, take ${String(i + 1).padStart(2, '0')}`);
  for (const prompt of prompts) await generate(page, prompt);
  // Every click is a card (saved before its submit leaves), then wait for the moment to reload.
  const before = await until(page, (now) => now.length === count && readyToReload(now), `${count} cards ready to reload`, 60_000);
  const runningAtReload = before.filter((c) => RUNNING.includes(c.status)).length;
  t.diagnostic(`${name}: reloading with ${runningAtReload} of ${count} jobs running (${before.filter((c) => c.status === 'Sending').length} not yet accepted)`);
  assert.ok(runningAtReload > 0, 'the reload must happen while jobs run');
  await page.reload();

  // All come back, and each ends: none stuck, none lost.
  const after = await until(
    page,
    (now) => now.length >= count && now.every((c) => !RUNNING.includes(c.status)
      && (c.status !== 'Completed' || c.loaded)),
    `all ${count} jobs ending after the reload`,
    180_000,
  );
  await screenshot(page, `faults-${name}`);
  assert.equal(after.length, count, 'every job is back after the reload, and only those');
  const stuck = after.filter((c) => !['Completed', 'Failed'].includes(c.status));
  assert.deepEqual(stuck.map((c) => `${c.status}: ${c.alerts.join(' | ')}`), [], 'no job is left stopped or running');
  // None duplicated: one job id per card, each different.
  const ids = after.map((c) => c.jobId);
  assert.ok(ids.every(Boolean), `every card names its job: ${after.filter((c) => !c.jobId).map((c) => `${c.status}: ${c.alerts.join(' | ')}`).join('\n')}`);
  assert.equal(new Set(ids).size, count, 'no two cards show the same job');
  for (const c of after.filter((c) => c.status === 'Completed')) {
    assert.ok(c.images > 0 && c.loaded, `completed job ${c.jobId} shows its image`);
    assert.deepEqual(c.alerts, [], `completed job ${c.jobId} shows no error`);
  }

  const stats = await statsOf(url, key);
  t.diagnostic(`${name}: ${JSON.stringify({
    completed: after.filter((c) => c.status === 'Completed').length,
    failed: after.filter((c) => c.status === 'Failed').length,
    jobs_created: stats.jobs_created,
    submits_received: stats.submits_received,
    duplicates_prevented: stats.duplicates_prevented,
    concurrency_refused: stats.concurrency_refused,
    polls_total: stats.polls_total,
    faults_fired: stats.faults_fired,
  })}`);
  assert.equal(stats.jobs_created, count, 'the emulator made exactly one job per card');
  assert.deepEqual(ownProblems(problems), []);
  return { url, key, after, stats };
}

test('20 Apiframe jobs under random faults: a reload resumes all, each completes or fails as the provider said', async (t) => {
  const { url, key, after } = await faultRun(t, {
    provider: 'apiframe',
    count: 20,
    spec: APIFRAME_SPEC,
    name: 'apiframe',
    // 10–20 s jobs, a tenth failing with a realistic reason, and the emulator's default limit
    // of 10 jobs running at once per key: the 10 beyond it are refused with 429
    // `too_many_concurrent_jobs` and must wait their turn, not fail (`FAULTS_MAX_CONCURRENT=0`
    // lifts the limit).
    emulatorArgs: [
      '--time-scale', '0.5', '--apiframe-duration', 'uniform:min=20s,max=40s', '--fail-rate', '0.1',
      ...(process.env.FAULTS_MAX_CONCURRENT ? ['--max-concurrent-jobs', process.env.FAULTS_MAX_CONCURRENT] : []),
    ],
    // Reload as soon as all 20 cards are there: some submits may still be unanswered, which
    // the studio resends after the reload with the same idempotency key.
    readyToReload: () => true,
  });
  // The emulator's own view of the same jobs: same ids, same outcome, same reason.
  const listed = await (await fetch(`${url}/v2/jobs?limit=100`, { headers: { 'X-API-Key': key } })).json();
  const byId = new Map(listed.jobs.map((j) => [j.id, j]));
  assert.deepEqual([...byId.keys()].sort(), after.map((c) => c.jobId).sort(), 'the studio shows exactly the jobs the emulator made');
  for (const c of after) {
    const job = byId.get(c.jobId);
    assert.equal(c.status.toUpperCase(), job.status, `job ${c.jobId}: the studio and the provider agree`);
    if (job.status === 'FAILED') {
      assert.ok(c.text.includes(job.error), `failed job ${c.jobId} shows the provider's reason “${job.error}”: ${c.alerts.join(' | ')}`);
    }
  }
});

test('API in One tasks under random poll faults: a reload resumes all, each completes or fails as the provider said', async (t) => {
  const count = 6;
  const { url, key, after } = await faultRun(t, {
    provider: 'apiinone',
    count,
    spec: APIINONE_SPEC,
    name: 'apiinone',
    emulatorArgs: ['--time-scale', '0.5', '--apiinone-duration', 'uniform:min=16s,max=30s', '--fail-rate', '0.1'],
    // A task whose submit is unanswered when the page closes cannot be resent safely (no
    // idempotency): reload once every task is accepted.
    readyToReload: (now) => now.every((c) => c.jobId),
  });
  for (const c of after) {
    const r = await fetch(`${url}/api/v1/tasks/${c.jobId}`, { headers: { Authorization: `Bearer ${key}` } });
    const task = (await r.json()).data;
    assert.equal(c.status.toLowerCase(), task.status, `task ${c.jobId}: the studio and the provider agree`);
    if (task.status === 'failed') {
      assert.ok(c.text.includes(task.error), `failed task ${c.jobId} shows the provider's reason “${task.error}”: ${c.alerts.join(' | ')}`);
    }
  }
});
