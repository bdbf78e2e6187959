// Look and feel: no serious or critical axe-core violations (page and dialogs), no CSP
// violations or console errors, usable at phone width, visible focus rings, light and dark,
// screenshots at 1400×1000 and 390×844.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { completedCards, connect, generate, keyFor, open, openSettings, screenshot } from './support.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const [name, viewport, scheme] of [
  ['desktop', { width: 1400, height: 1000 }, 'light'],
  ['desktop-dark', { width: 1400, height: 1000 }, 'dark'],
  ['phone', { width: 390, height: 844 }, 'dark'],
  ['phone-light', { width: 390, height: 844 }, 'light'],
]) {
  test(`${name}: accessible, no CSP violations, screenshots saved`, async (t) => {
    const { page, problems } = await open(t, { viewport });
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `studio-${name}-first-visit`, { fullPage: false });
    await connect(page, { key: keyFor('apiframe', `look_${name}`) });
    await page.locator('#count').selectOption('2');
    await generate(page, 'a paper boat on a pond');
    await completedCards(page, 1);
    await page.locator('#count').selectOption('1');
    await generate(page, 'a lighthouse at dawn, watercolour');
    await completedCards(page, 2);
    assert.deepEqual(await axe(page), []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await screenshot(page, `studio-${name}`, { fullPage: false });
    await screenshot(page, `studio-${name}-full`);
    // The dialogs too.
    await openSettings(page);
    assert.deepEqual(await axe(page), []);
    await screenshot(page, `studio-${name}-settings`, { fullPage: false });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'View image 1 of “a paper boat on a pond” full size' }).click();
    await page.locator('#viewer').waitFor();
    assert.deepEqual(await axe(page), []);
    await screenshot(page, `studio-${name}-viewer`, { fullPage: false });
    await page.keyboard.press('Escape');
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  });
}

test('focus is always visible', async (t) => {
  const { page } = await open(t, { viewport: { width: 1400, height: 1000 } });
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const el = document.activeElement;
      // The prompt's ring is drawn round its box, which holds the references too.
      const style = getComputedStyle(el.id === 'prompt' ? el.closest('.prompt-box') : el);
      return { what: el.id || el.textContent.trim().slice(0, 30), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.ok(ring.outline !== 'none' && ring.width >= 2, `no focus ring on ${ring.what}`);
  }
});

test('narrowest phone (360 px) and keyboard use', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 360, height: 740 } });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  // Every form control has an accessible name.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  // The skip link leads to the prompt.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the prompt');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#prompt');
  assert.deepEqual(problems, []);
});

test('keyboard: Settings opens from the summary and Escape gives the focus back', async (t) => {
  const { page, problems } = await open(t, { viewport: { width: 390, height: 844 } });
  await page.locator('#connection-summary').focus();
  await page.keyboard.press('Enter');
  await page.locator('#settings').waitFor();
  assert.ok(await page.evaluate(() => document.getElementById('settings').contains(document.activeElement)), 'focus moves into the dialog');
  await page.keyboard.press('Escape');
  await page.locator('#settings').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'connection-summary');
  assert.deepEqual(problems, []);
});
