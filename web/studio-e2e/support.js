// Shared set-up for the studio's end-to-end tests: the system Chromium driven by
// playwright-core as a library, a fresh profile per test, and small helpers that use the
// studio the way a person does (labels, buttons), plus the emulator's request counters.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const STUDIO_URL = required('STUDIO_URL');
export const EMULATOR_URL = required('EMULATOR_URL');
export const ARTIFACTS = process.env.ARTIFACTS || join(process.cwd(), '../../target/e2e-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`cargo xtask test\``);
  return value;
}

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A unique key for one test, so emulator state never collides: `afk_e2e_<name>_<random>`. */
export function keyFor(provider, name) {
  const prefix = provider === 'apiinone' ? 'aio' : 'afk';
  return `${prefix}_e2e_${name}_${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * A browser with a fresh profile, and one page on the studio. Console errors, page errors and
 * Content-Security-Policy violations are collected in `problems`.
 */
export async function open(t, { viewport = { width: 1280, height: 800 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'studio-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport,
  });
  const problems = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const watch = (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  watch(page);
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  await page.goto(STUDIO_URL);
  await page.locator('#generate').waitFor();
  return { context, page, problems };
}

/** Opens the Settings dialog from the connection summary in the header. */
export async function openSettings(page) {
  await page.locator('#connection-summary').click();
  await page.locator('#settings').waitFor();
}

/** Closes the Settings dialog with its Done button. */
export async function closeSettings(page) {
  await page.locator('#settings').getByRole('button', { name: 'Done' }).click();
  await page.locator('#settings').waitFor({ state: 'hidden' });
}

/**
 * Points the studio at `baseUrl` for `provider` with `key` (direct), or at `proxyUrl` (through
 * a proxy, no key), through the Settings dialog, and closes it.
 */
export async function connect(page, { provider = 'apiframe', key, baseUrl = EMULATOR_URL, proxyUrl }) {
  await openSettings(page);
  const dialog = page.locator('#settings');
  await dialog.getByRole('radio', { name: provider === 'apiinone' ? 'API in One' : 'Apiframe' }).check();
  if (proxyUrl) {
    await dialog.getByRole('radio', { name: 'Through a proxy' }).check();
    await page.locator('#proxy-url').fill(proxyUrl);
  } else {
    await dialog.getByRole('radio', { name: 'Direct, with my key' }).check();
    await page.locator('#api-key').fill(key);
    await page.locator('#base-url').fill(baseUrl);
  }
  await closeSettings(page);
}

/** Types a prompt and presses Generate. */
export async function generate(page, prompt) {
  await page.locator('#prompt').fill(prompt);
  await page.locator('#generate').click();
}

/** The emulator's counters for one key. */
export async function stats(key) {
  const r = await fetch(`${EMULATOR_URL}/_emulator/stats?key=${encodeURIComponent(key)}`);
  return r.json();
}

/** The gallery's job cards. */
export const JOBS = '.jobs article';

/** Waits until `count` gallery jobs are completed and every image in them has loaded. */
export async function completedCards(page, count, timeout = 30_000) {
  const done = page.locator('.jobs article[data-status="Completed"]');
  await page.waitForFunction(
    (n) => {
      const cards = document.querySelectorAll('.jobs article[data-status="Completed"]');
      if (cards.length < n) return false;
      const imgs = [...cards].flatMap((c) => [...c.querySelectorAll('img')]);
      return imgs.length >= n && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    count,
    { timeout },
  );
  return done;
}

/**
 * Natural sizes of the images in a locator, once every one has loaded. A card may swap an image
 * for its stored blob: copy after completing, so a single read can catch the new element empty.
 */
export async function naturalSizes(locator, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const sizes = await locator
      .locator('img')
      .evaluateAll((imgs) => imgs.map((i) => (i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0])));
    if (sizes.length > 0 && sizes.every(([w]) => w > 0)) return sizes;
    if (Date.now() > deadline) return sizes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Saves a screenshot under ARTIFACTS. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** A PNG of `width`×`height` made in the page (noise when `noisy`, so it does not compress). */
export async function makePng(page, { width = 64, height = 64, noisy = false } = {}) {
  const base64 = await page.evaluate(async ({ width, height, noisy }) => {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (noisy) {
      const data = ctx.createImageData(width, height);
      for (let i = 0; i < data.data.length; i++) data.data[i] = (Math.random() * 256) | 0;
      ctx.putImageData(data, 0, 0);
    } else {
      ctx.fillStyle = '#3a7';
      ctx.fillRect(0, 0, width, height);
    }
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  }, { width, height, noisy });
  return Buffer.from(base64, 'base64');
}
