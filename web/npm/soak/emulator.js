// How the soak's emulator runs: its flags, in one place for `cargo xtask soak` (which runs
// `node web/npm/soak/emulator.js` and reads one flag per line) and for the npm tier's short soak
// (web/npm/test/soak.test.js, which starts the emulator itself).
//
// About 30 % of requests meet a fault, of every kind the emulator has (see
// crates/gpt-image-emulator/README.md, "Faults"): a reply-deciding fault for about one submit
// and one poll in five, a slow reply for one request in twelve, and a FAILED job for one submit
// in twenty. Rates are seeded by `--seed`, per API key, so a run is reproducible.
import { fileURLToPath } from 'node:url';

/** The seed both the short soak and `cargo xtask soak` use unless told otherwise. */
export const DEFAULT_SEED = 7;

/** Job durations times 0.02: Apiframe 0.22–0.38 s, API in One 0.06–0.2 s. */
export const TIME_SCALE = '0.02';

/** The random-fault spec: submit rules, poll rules, then a slow reply on any request. */
export const FAULT_SPEC = [
  // Submits: 5xx, 429 with Retry-After (seconds) and retry-after-ms, the connection closed
  // before the job is made (reset, drop) and after it (reset-after, drop-after), a body that is
  // not JSON, a body cut short after the job is made, and failed jobs.
  'submit:500@0.02',
  'submit:503@0.03',
  'submit:429=1@0.02',
  'submit:429ms=200@0.03',
  'submit:reset@0.02',
  'submit:drop@0.02',
  'submit:reset-after@0.02',
  'submit:drop-after@0.02',
  'submit:malformed@0.02',
  'submit:truncated@0.02',
  'submit:fail@0.05',
  // Polls: the same kinds (a poll does no work, so "after" is the same as "before").
  'poll:502@0.03',
  'poll:504@0.02',
  'poll:429=1@0.01',
  'poll:429ms=100@0.02',
  'poll:reset@0.02',
  'poll:drop@0.02',
  'poll:reset-after@0.01',
  'poll:malformed@0.03',
  'poll:truncated@0.03',
  // Slow replies: 10 s times the time scale = 0.2 s, well within a request's timeout.
  'any:slow=10000@0.08',
].join(',');

/** The emulator's flags, without --port and --seed (the runner adds both). */
export const EMULATOR_ARGS = ['--time-scale', TIME_SCALE, '--fault', FAULT_SPEC];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${EMULATOR_ARGS.join('\n')}\n`);
}
