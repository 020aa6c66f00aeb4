/**
 * The one seeded PRNG of the test suite: every randomised test that must replay (listener fuzzing
 * over TCP or UDP, the kill -9 campaign, generated version pairs) draws from it. mulberry32: tiny,
 * fast, and the same sequence for the same seed on every machine. How a test gets and prints its
 * seed is in fuzz-seed.ts.
 */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 random bits. */
  private u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max], both ends included. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes (four from each draw). */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n + 4);
    for (let i = 0; i < n; i += 4) out.writeUInt32LE(this.u32(), i);
    return out.subarray(0, n);
  }
}
