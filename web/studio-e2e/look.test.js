// Look and feel: no serious or critical axe-core violations, no CSP violations or console
// errors, usable at phone width, screenshots at desktop and phone sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { completedCards, connect, generate, keyFor, open, screenshot } from './support.js';

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
  ['desktop', { width: 1280, height: 800 }, 'light'],
  ['phone', { width: 390, height: 844 }, 'dark'],
]) {
  test(`${name}: accessible, no CSP violations, screenshot saved`, async (t) => {
    const { page, problems } = await open(t, { viewport });
    await page.emulateMedia({ colorScheme: scheme });
    await connect(page, { key: keyFor('apiframe', `look_${name}`) });
    await generate(page, 'a paper boat on a pond');
    await completedCards(page, 1);
    assert.deepEqual(await axe(page), []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await screenshot(page, `studio-${name}`);
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  });
}

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
