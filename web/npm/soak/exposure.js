// Where a secret shows in something thrown: shared by the soak (web/npm/soak/soak.js) and the
// key-leak audit (web/npm/test/leak.test.js).
import { inspect } from 'node:util';

/**
 * Every place `secret` appears in `thrown`: each own property (enumerable or not, `message`,
 * `stack` and `cause` included, followed into nested objects), `name`, `String(thrown)`,
 * `JSON.stringify(thrown)` and what `console.log(thrown)` would print (`util.inspect`).
 * Returns a list of places such as `error.body` or `JSON.stringify(error)`; empty when none.
 */
export function exposures(thrown, secret) {
  const places = [];
  const seen = new Set();
  const found = (text, place) => {
    if (typeof text === 'string' && text.includes(secret)) places.push(place);
  };
  const visit = (value, path, depth) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' && typeof value !== 'function') {
      found(String(value), path);
      return;
    }
    if (seen.has(value) || depth > 5) return;
    seen.add(value);
    try {
      found(String(value), `String(${path})`);
    } catch {
      // An object whose conversion throws shows nothing.
    }
    try {
      found(JSON.stringify(value), `JSON.stringify(${path})`);
    } catch {
      // Cycles or BigInts: the own properties are still visited below.
    }
    for (const name of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, name);
      if (descriptor && 'value' in descriptor) visit(descriptor.value, `${path}.${String(name)}`, depth + 1);
    }
    for (const name of ['name', 'message', 'stack', 'cause']) {
      let inherited;
      try {
        inherited = value[name];
      } catch {
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(value, name)) visit(inherited, `${path}.${name}`, depth + 1);
    }
  };
  visit(thrown, 'error', 0);
  found(inspect(thrown, { depth: 6, showHidden: true }), 'util.inspect(error)');
  return [...new Set(places)];
}

/**
 * Records everything written to the console and to process.stdout/stderr until `stop()` is
 * called (writes still go through). `stop()` returns the text seen.
 */
export function captureOutput() {
  const chunks = [];
  const restore = [];
  const wrap = (target, name, record) => {
    const original = target[name];
    target[name] = function (...args) {
      try {
        record(args);
      } catch {
        // Recording must never break the program's own output.
      }
      return original.apply(this, args);
    };
    restore.push(() => {
      target[name] = original;
    });
  };
  for (const stream of [process.stdout, process.stderr]) {
    wrap(stream, 'write', ([chunk]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    });
  }
  // console methods also reach stdout/stderr, but only after formatting: record their
  // arguments too, as util.inspect shows them, in case a test runner redirects the streams.
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table']) {
    wrap(console, name, (args) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6, showHidden: true }))).join(' '));
    });
  }
  return {
    stop() {
      for (const undo of restore.reverse()) undo();
      restore.length = 0;
      return chunks.join('\n');
    },
    text: () => chunks.join('\n'),
  };
}
