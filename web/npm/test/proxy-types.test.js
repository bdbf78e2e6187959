// The proxy's types (proxy.d.ts) under strict tsc: an app's uses compile (Node's http server
// included, with @types/node), misuses do not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

it('proxy.d.ts: strict tsc accepts the uses and refuses the misuses', () => {
  const tsc = fileURLToPath(new URL('../node_modules/.bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('./proxy-types/tsconfig.json', import.meta.url));
  const run = spawnSync(tsc, ['-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
