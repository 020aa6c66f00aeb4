/**
 * Paces probes to a packets-per-second cap (a token bucket with a small burst), so a scan never
 * floods a branch office's switch or a printer's tiny network stack.
 */
export class Pacer {
  private next = 0;
  private readonly gapMs: number;

  constructor(
    packetsPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.gapMs = 1000 / Math.max(1, packetsPerSecond);
  }

  /** Resolves when the caller may send one more packet. */
  async take(): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.next);
    this.next = at + this.gapMs;
    // Sleep only when more than a few ms ahead: timers are coarse and batching keeps the rate.
    if (at - now > 4) await this.wait(at - now);
  }
}
