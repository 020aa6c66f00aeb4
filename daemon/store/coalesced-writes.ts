/**
 * Serialised, coalesced writes of records kept in memory: writes of one record never overlap, and
 * a save asked for while an earlier write of the same record has not started yet joins it (that
 * write serialises the newest state anyway). So the file always ends up holding the newest state,
 * and a caller that awaits `save` knows a write holding its change is durable.
 */
export class CoalescedWrites {
  private readonly pending = new Map<string, { queued: boolean; done: Promise<void> }>();

  /** `write(id)` writes the record's current state; a rejection reaches whoever awaits `save`. */
  constructor(private readonly write: (id: string) => Promise<void>) {}

  save(id: string): Promise<void> {
    const slot = this.pending.get(id);
    if (slot?.queued) return slot.done;
    const previous = slot?.done.catch(() => {}) ?? Promise.resolve();
    const next = { queued: true, done: Promise.resolve() };
    next.done = previous.then(async () => {
      next.queued = false;
      try {
        await this.write(id);
      } finally {
        if (this.pending.get(id) === next) this.pending.delete(id);
      }
    });
    this.pending.set(id, next);
    return next.done;
  }

  /** The write in flight for `id`, if any (settles, never rejects). */
  inFlight(id: string): Promise<void> | undefined {
    return this.pending.get(id)?.done.catch(() => {});
  }

  /** Every write started so far has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((p) => p.done));
  }
}
