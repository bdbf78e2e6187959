// The package in a browser: the Vite example app (built from the packed tarball) and a plain
// module page (the unpacked package behind an import map), each served statically and driven
// in headless Chromium through playwright-core, generating an image against the emulator.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { EMULATOR, key, stats } from './support.js';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

describe('in headless Chromium', () => {
  let context;
  let profile;

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'gpt-image-wasm-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ARGS,
    });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  for (const [name, variable] of [['the Vite example app', 'VITE_APP_URL'], ['a plain module page', 'PLAIN_PAGE_URL']]) {
    it(`${name} generates an image`, async () => {
      const pageUrl = process.env[variable];
      assert.ok(pageUrl, `${variable} is not set: run through \`cargo xtask test\``);
      const apiKey = key('apiframe', variable.toLowerCase());
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} (${m.location().url})`));
      const url = `${pageUrl}?emulator=${encodeURIComponent(EMULATOR)}&key=${apiKey}`;
      await page.goto(url);
      await page.waitForSelector('#status:not([data-state="loading"])', { timeout: 30_000 });
      const state = await page.getAttribute('#status', 'data-state');
      const text = await page.textContent('#status');
      assert.equal(state, 'done', `${text}\n${problems.join('\n')}`);
      const width = await page.evaluate(() => document.querySelector('#image').naturalWidth);
      assert.equal(width, 1024, 'the image loaded');
      assert.equal((await stats(apiKey)).jobs_created, 1);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
});
