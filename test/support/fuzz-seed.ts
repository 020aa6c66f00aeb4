/**
 * How every seeded test is replayed, whatever it fuzzes (a TCP listener, a UDP one, kill -9
 * timings): the seed comes from `FUZZ_SEED` or is drawn fresh, the number of inputs from
 * `FUZZ_COUNT` or the test's default, and the test prints both as one line (`replay`) that, set in
 * the environment, runs the same inputs again.
 */
import { randomInt } from 'node:crypto';

const MAX_SEED = 2 ** 32 - 1;

/** A whole number from the environment, or an error saying what is wrong with it. */
const wholeNumber = (name: string, given: string, min: number, max: number): number => {
  const n = /^\d+$/.test(given) ? Number(given) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${given}"`);
  return n;
};

/** The seed of this run: `FUZZ_SEED` to replay one, otherwise a fresh one (print it). */
export const fuzzSeed = (env: NodeJS.ProcessEnv = process.env): number => {
  const given = env.FUZZ_SEED;
  if (given === undefined || given === '') return randomInt(MAX_SEED);
  return wholeNumber('FUZZ_SEED', given, 0, MAX_SEED);
};

export interface FuzzRun {
  seed: number;
  /** How many inputs to generate. */
  count: number;
  /** `FUZZ_SEED=<seed> FUZZ_COUNT=<count>`: print it; set it to replay this run. */
  replay: string;
}

/** The seed and size of this run, from `FUZZ_SEED` and `FUZZ_COUNT` when they are set. */
export const fuzzRun = (defaultCount: number, env: NodeJS.ProcessEnv = process.env): FuzzRun => {
  const seed = fuzzSeed(env);
  const given = env.FUZZ_COUNT;
  const count =
    given === undefined || given === '' ? defaultCount : wholeNumber('FUZZ_COUNT', given, 1, 10_000_000);
  return { seed, count, replay: `FUZZ_SEED=${seed} FUZZ_COUNT=${count}` };
};
