/**
 * A small seeded PRNG (mulberry32) for replayable randomised tests: the same seed gives the same
 * sequence on every machine. A test prints its seed; FUZZ_SEED in the environment replays it.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  bytes(n: number): Buffer;
}

export const seededRng = (seed: number): Rng => {
  let a = seed >>> 0;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => u32() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n + 4);
      for (let i = 0; i < n; i += 4) out.writeUInt32LE(u32(), i);
      return out.subarray(0, n);
    },
  };
};

/** The seed of this run: FUZZ_SEED to replay one, otherwise a fresh one (print it). */
export const fuzzSeed = (env: NodeJS.ProcessEnv = process.env): number => {
  const given = env.FUZZ_SEED;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given) >>> 0;
  return Math.floor(Math.random() * 2 ** 32);
};
