// References the easy way: paste (Ctrl/⌘+V) and drop images onto the prompt, thumbnails with
// remove (keyboard too); an image the provider cannot take is refused with the reason; a large
// one is scaled down in the browser once the user agrees, and an edit is then generated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completedCards, connect, keyFor, makePng, open, stats } from './support.js';

/** Dispatches `type` (paste or drop) on `selector` carrying files made from base64 bytes. */
async function carry(page, selector, type, files) {
  await page.evaluate(({ selector, type, files }) => {
    const transfer = new DataTransfer();
    for (const { name, mime, base64 } of files) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name, { type: mime }));
    }
    const target = document.querySelector(selector);
    if (type === 'paste') {
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    } else {
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, { selector, type, files });
}

test('paste and drop images onto the prompt; remove one with the keyboard', async (t) => {
  const { context, page, problems } = await open(t);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const key = keyFor('apiframe', 'refs');
  await connect(page, { key });
  const png = (await makePng(page)).toString('base64');
  // A real Ctrl+V: put a PNG on the clipboard, then paste into the prompt.
  await page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': new Blob([bytes], { type: 'image/png' }) })]);
  }, png);
  await page.locator('#prompt').focus();
  await page.keyboard.press('Control+V');
  try {
    await page.locator('.reference-list li').first().waitFor({ timeout: 3_000 });
  } catch {
    // Headless Chromium may not turn a clipboard image into a paste event: send the same
    // event the browser would.
    await carry(page, '#prompt', 'paste', [{ name: 'pasted.png', mime: 'image/png', base64: png }]);
    await page.locator('.reference-list li').first().waitFor();
  }
  await carry(page, '.prompt-box', 'drop', [{ name: 'dropped.png', mime: 'image/png', base64: png }]);
  await page.waitForFunction(() => document.querySelectorAll('.reference-list li').length === 2);
  assert.equal(await page.locator('.reference-list img').count(), 2);
  // Remove the first with the keyboard.
  await page.getByRole('button', { name: 'Remove reference 1' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.reference-list li').length === 1);
  // The edit goes out with the reference.
  await page.locator('#prompt').fill('make it blue');
  await page.locator('#prompt').press('Control+Enter');
  await completedCards(page, 1);
  assert.equal((await stats(key)).jobs_created, 1);
  assert.deepEqual(problems, []);
});

test('an image the provider cannot take is refused with the reason', async (t) => {
  const { page } = await open(t);
  await connect(page, { key: keyFor('apiframe', 'refused') });
  const gif = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64').toString('base64');
  await carry(page, '.prompt-box', 'drop', [{ name: 'cat.gif', mime: 'image/gif', base64: gif }]);
  await page.locator('#reference-error').getByText('cat.gif is a GIF image: Apiframe takes PNG, JPEG or WebP references.').waitFor();
  assert.equal(await page.locator('.reference-list li').count(), 0);
  await carry(page, '#prompt', 'paste', [{ name: 'notes.txt', mime: 'text/plain', base64: btoa('hello') }]);
  await page.locator('#reference-error').getByText('not an image (text/plain)').waitFor();
});

test('a large image is scaled down in the browser once the user agrees', async (t) => {
  const { page, problems } = await open(t);
  await connect(page, { key: keyFor('apiframe', 'large') });
  const big = await makePng(page, { width: 1400, height: 1000, noisy: true });
  assert.ok(big.length > 1024 * 1024, `the test image is ${big.length} bytes`);
  await carry(page, '.prompt-box', 'drop', [{ name: 'photo.png', mime: 'image/png', base64: big.toString('base64') }]);
  const offer = page.getByRole('group', { name: 'Scale this image down?' });
  await offer.getByText(/^photo\.png is \d+\.\d MB; a reference can be 1\.0 MB at most/).waitFor();
  assert.equal(await page.locator('.reference-list li').count(), 0, 'nothing is added before the user agrees');
  await offer.getByRole('button', { name: 'Scale down and add' }).click();
  await page.locator('.reference-list img').waitFor();
  const reference = await page.evaluate(() => JSON.parse(localStorage.getItem('gpt-image-studio.settings')).form.references[0]);
  assert.ok(reference.startsWith('data:image/webp;base64,'), reference.slice(0, 40));
  assert.ok(reference.length * 3 / 4 <= 1024 * 1024, `${reference.length * 3 / 4} bytes`);
  // "Don't add" leaves nothing behind.
  await carry(page, '.prompt-box', 'drop', [{ name: 'again.png', mime: 'image/png', base64: big.toString('base64') }]);
  await offer.getByRole('button', { name: "Don't add" }).click();
  await offer.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.reference-list li').count(), 1);
  assert.deepEqual(problems, []);
});
