// Shared by the node:test files: the emulator's address, unique keys, fast clients and the
// emulator's per-key counters.
import { randomBytes } from 'node:crypto';
import { createClient } from 'gpt-image-wasm';

/** The emulator under test (`cargo xtask test` starts it with --time-scale 0.05). */
export const EMULATOR = process.env.EMULATOR_URL ?? '';
if (!EMULATOR) throw new Error('EMULATOR_URL is not set: run these tests through `cargo xtask test`');

/** A key of its own per test, so the emulator's counters never mix: afk_npm_<name>_<random>. */
export function key(provider, name) {
  const prefix = provider === 'apiframe' ? 'afk' : 'aio';
  return `${prefix}_npm_${name}_${randomBytes(4).toString('hex')}`;
}

/** Polling tuned to the emulator's 0.05 time scale. */
export const FAST_POLL = { minDelayMs: 100, maxDelayMs: 250, typicalMs: 600 };

/** A client on the emulator (optionally through a fault prefix) with fast polling. */
export function client(provider, apiKey, { fault, ...options } = {}) {
  const baseUrl = fault ? `${EMULATOR}/_fault/${fault}` : EMULATOR;
  return createClient({ provider, apiKey, baseUrl, poll: FAST_POLL, ...options });
}

/** The emulator's counters for one key. */
export async function stats(apiKey) {
  const reply = await fetch(`${EMULATOR}/_emulator/stats?key=${encodeURIComponent(apiKey)}`);
  return reply.json();
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to reject, and it resolved');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const PROVIDERS = ['apiframe', 'apiinone'];
