/**
 * Seeded hostile inputs for the fuzz test of any HTTP/1.1 listener (web port, proxy port): the
 * same seed and options give the same inputs, byte for byte, and the same ways of leaving each
 * connection (half-close, hold open, drop, abandon, reset). The shapes are in http-fuzz-shapes.ts,
 * the runner that sends them in socket-runner.ts, the seed convention in fuzz-seed.ts.
 */
import type { HttpFuzzOptions } from './http-fuzz-parts.js';
import { SHAPES } from './http-fuzz-shapes.js';
import { Rng } from './prng.js';
import type { After } from './raw-socket.js';
import type { FuzzInput } from './socket-runner.js';

export type { HttpFuzzOptions } from './http-fuzz-parts.js';

/** Mostly a clean half-close; the rest every other way a client leaves. */
const ENDINGS: ReadonlyArray<[After, number]> = [
  ['end', 0.55],
  ['drop', 0.15],
  ['reset', 0.14],
  ['abandon', 0.08],
  ['end-unread', 0.04],
  ['read', 0.04],
];

const ending = (rng: Rng): Pick<FuzzInput, 'after' | 'resetAfterBytes'> => {
  let x = rng.next();
  let after: After = 'end';
  for (const [way, p] of ENDINGS) {
    if (x < p) {
      after = way;
      break;
    }
    x -= p;
  }
  return after === 'reset' ? { after, resetAfterBytes: rng.pick([0, 1, 100, 10_000]) } : { after };
};

/**
 * `count` inputs from `seed`, made one at a time as the runner asks (some are 100 KB; ten
 * thousand of them need not sit in memory). Shapes take turns, so each gets its share.
 */
export function* generateHttpInputs(
  seed: number,
  count: number,
  opts: HttpFuzzOptions,
): Generator<FuzzInput> {
  const rng = new Rng(seed);
  const kinds = Object.keys(SHAPES);
  for (let id = 0; id < count; id++) {
    const kind = kinds[id % kinds.length]!;
    const made = SHAPES[kind]!({ rng, opts });
    const chunks = Array.isArray(made)
      ? made
      : [typeof made === 'string' ? Buffer.from(made, 'latin1') : made];
    yield { id, kind, chunks, ...ending(rng) };
  }
}
