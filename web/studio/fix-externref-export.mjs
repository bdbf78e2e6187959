// Trunk post-build hook: repairs a wasm-opt 108 (Debian's binaryen) bug that breaks every
// wasm-bindgen 0.2.130 build with reference types.
//
// wasm-opt 108 rewrites the export `__wbindgen_externrefs` to point at table 0 (the funcref
// table of indirect calls) instead of the externref table, so start-up dies with
// "WebAssembly.Table.set(): Argument 1 is invalid for table". This script points the export
// back at the module's externref table, in place (both indices are one-byte LEBs). It changes
// nothing in a module that is already correct, so it is safe with a fixed wasm-opt too.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('run as a Trunk post_build hook (TRUNK_STAGING_DIR is not set)');

const EXTERNREF = 0x6f;

function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function skipLimits(bytes, at) {
  const flags = bytes[at++];
  [, at] = leb(bytes, at);
  if (flags & 1) [, at] = leb(bytes, at);
  return at;
}

function repair(bytes) {
  const tableTypes = [];
  let exportAt = null;
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    const end = at + size;
    if (id === 2) {
      // Imports: imported tables come first in the table index space.
      let count, p;
      [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        for (let s = 0; s < 2; s++) {
          let len;
          [len, p] = leb(bytes, p);
          p += len;
        }
        const kind = bytes[p++];
        if (kind === 0) [, p] = leb(bytes, p);
        else if (kind === 1) { tableTypes.push(bytes[p++]); p = skipLimits(bytes, p); }
        else if (kind === 2) p = skipLimits(bytes, p);
        else if (kind === 3) p += 2;
        else if (kind === 4) { p++; [, p] = leb(bytes, p); }
      }
    } else if (id === 4) {
      let count, p;
      [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        if (bytes[p] === 0x40) {
          // Table with an initialiser: 0x40 0x00 reftype limits expr.
          p += 2;
          tableTypes.push(bytes[p++]);
          p = skipLimits(bytes, p);
          while (bytes[p] !== 0x0b) p++;
          p++;
        } else {
          tableTypes.push(bytes[p++]);
          p = skipLimits(bytes, p);
        }
      }
    } else if (id === 7) {
      exportAt = at;
    }
    at = end;
  }
  if (exportAt === null) return false;
  const externref = tableTypes.indexOf(EXTERNREF);
  let count, p;
  [count, p] = leb(bytes, exportAt);
  for (let i = 0; i < count; i++) {
    let len;
    [len, p] = leb(bytes, p);
    const name = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
    p += len;
    const kind = bytes[p++];
    const indexAt = p;
    let index;
    [index, p] = leb(bytes, p);
    if (name === '__wbindgen_externrefs' && kind === 1 && tableTypes[index] !== EXTERNREF) {
      if (externref < 0 || externref > 127 || p - indexAt !== 1) {
        throw new Error('cannot repair the externref table export of this module');
      }
      bytes[indexAt] = externref;
      return true;
    }
  }
  return false;
}

for (const name of readdirSync(dir).filter((n) => n.endsWith('.wasm'))) {
  const path = join(dir, name);
  const bytes = readFileSync(path);
  if (repair(bytes)) {
    writeFileSync(path, bytes);
    console.log(`fix-externref-export: repaired ${name}`);
  }
}
