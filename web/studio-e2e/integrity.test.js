// Sub-resource integrity: the release page names a sha384 hash for its stylesheet, its JS glue
// and its wasm, and each hash matches the bytes the host serves. (A post-build step that edits
// the wasm would break this, which is why the build has none.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { STUDIO_URL } from './support.js';

test('every asset of the page carries an integrity hash that matches what is served', async () => {
  const html = await (await fetch(STUDIO_URL)).text();
  const tags = [...html.matchAll(/<link\b[^>]*>/g)].map(([tag]) => tag);
  // The release page is minified: a value without spaces or quotes may be written unquoted.
  const attribute = (tag, name) => {
    const found = tag.match(new RegExp(`\\b${name}=(?:"([^"]*)"|([^\\s"'>]+))`));
    return found?.[1] ?? found?.[2];
  };
  const hashed = tags
    .map((tag) => ({ href: attribute(tag, 'href'), integrity: attribute(tag, 'integrity') }))
    .filter(({ integrity }) => integrity);
  const kinds = hashed.map(({ href }) => href.split('.').pop());
  for (const kind of ['css', 'js', 'wasm']) {
    assert.ok(kinds.includes(kind), `no integrity hash for the ${kind} asset in ${JSON.stringify(tags)}`);
  }
  for (const { href, integrity } of hashed) {
    const [algorithm, expected] = integrity.split('-');
    assert.equal(algorithm, 'sha384', `${href}: ${integrity}`);
    const reply = await fetch(new URL(href, STUDIO_URL));
    assert.equal(reply.status, 200, href);
    const actual = createHash('sha384').update(Buffer.from(await reply.arrayBuffer())).digest('base64');
    assert.equal(actual, expected, `${href}: the served bytes do not match their integrity hash`);
  }
});
