/**
 * The one scheduler for every periodic task (feed syncs, scheduled scans, inventory rounds).
 * An entry says when it is next due from its owner's own records (so a restart keeps the rhythm)
 * and what to start then, usually a job. The scheduler adds jitter to due times still ahead (work
 * already overdue starts at once), sleeps on the Clock until the earliest entry is due, and never
 * fires one entry more often than once per minimum gap, so an entry whose work is still running
 * cannot spin. The next run of every entry is visible.
 */
import type { Clock, Service } from '../lifecycle.js';
import type { Logger } from '../log.js';

export interface ScheduleEntry {
  /** Stable id: `catalog.sync`, `discovery.scan:<scopeId>`, `inventory.collect`. */
  readonly id: string;
  /** What runs, in words, for the Activity page. */
  readonly label: string;
  /** When the entry is next due (ms since the epoch); undefined when it is not scheduled. */
  dueAt(): number | undefined;
  /** Each due time moves later by a random amount up to this, so periodic work does not bunch up. */
  readonly jitterMs?: number;
  /** How often it runs, for the Activity page ("every 6 hours"); absent when it has no fixed period. */
  readonly everyMs?: number | undefined;
  /** Start the work (usually: submit a job). A rejection is logged; the entry stays scheduled. */
  run(): Promise<unknown>;
}

export interface UpcomingRun {
  id: string;
  label: string;
  /** When it fires next, jitter included (ms since the epoch). */
  at: number;
  lastFiredAt?: number | undefined;
  everyMs?: number | undefined;
}

export interface SchedulerOptions {
  clock: Clock;
  log: Logger;
  /** In [0, 1); tests pin it. */
  random?: () => number;
  /** An entry fires at most once per this many ms (default one minute). */
  minGapMs?: number;
  /** Look at every entry at least this often, even without a wake-up (default five minutes). */
  maxSleepMs?: number;
}

interface Slot {
  entry: ScheduleEntry;
  jitterFor?: number | undefined;
  jitter: number;
  lastFiredAt?: number | undefined;
  running?: Promise<void> | undefined;
}

export class Scheduler implements Service {
  readonly name = 'scheduler';
  private readonly slots = new Map<string, Slot>();
  private wakeup = new AbortController();
  private loop: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly opts: SchedulerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.loop = this.cycle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.abort();
    await this.loop;
    await Promise.allSettled([...this.slots.values()].map((s) => s.running));
  }

  /** Add or replace an entry; it is looked at right away. */
  add(entry: ScheduleEntry): void {
    const old = this.slots.get(entry.id);
    this.slots.set(entry.id, { entry, jitter: 0, lastFiredAt: old?.lastFiredAt, running: old?.running });
    this.wake();
  }

  /** Remove the entry with this id, or every entry whose id starts with `prefix*`. */
  remove(id: string): void {
    if (id.endsWith('*')) {
      for (const key of [...this.slots.keys()]) if (key.startsWith(id.slice(0, -1))) this.slots.delete(key);
    } else this.slots.delete(id);
  }

  /** Something an entry's due time depends on changed: look again now. */
  wake(): void {
    this.wakeup.abort();
  }

  /** Every scheduled entry with its next run, soonest first. */
  upcoming(): UpcomingRun[] {
    const out: UpcomingRun[] = [];
    for (const slot of this.slots.values()) {
      const at = this.fireAt(slot);
      if (at !== undefined)
        out.push({
          id: slot.entry.id,
          label: slot.entry.label,
          at,
          lastFiredAt: slot.lastFiredAt,
          ...(slot.entry.everyMs ? { everyMs: slot.entry.everyMs } : {}),
        });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /** When the entry fires next, or undefined. */
  next(id: string): number | undefined {
    const slot = this.slots.get(id);
    return slot ? this.fireAt(slot) : undefined;
  }

  private fireAt(slot: Slot): number | undefined {
    const due = slot.entry.dueAt();
    if (due === undefined || !Number.isFinite(due)) return undefined;
    if (slot.jitterFor !== due) {
      slot.jitterFor = due;
      // Jitter spreads the runs to come; work that is already overdue (a feed never synced) is not
      // held back any further.
      const spread = due > this.opts.clock.now() ? (slot.entry.jitterMs ?? 0) : 0;
      slot.jitter = Math.floor((this.opts.random ?? Math.random)() * spread);
    }
    const at = due + slot.jitter;
    const gap = this.opts.minGapMs ?? 60_000;
    return slot.lastFiredAt === undefined ? at : Math.max(at, slot.lastFiredAt + gap);
  }

  private async cycle(): Promise<void> {
    const { clock } = this.opts;
    while (!this.stopped) {
      // A wake() from here on aborts this iteration's sleep, so no change is missed.
      const wakeup = new AbortController();
      this.wakeup = wakeup;
      if (this.stopped) break;
      const now = clock.now();
      let wakeAt = now + (this.opts.maxSleepMs ?? 300_000);
      for (const slot of [...this.slots.values()]) {
        let at = this.fireAt(slot);
        if (at !== undefined && at <= now) {
          this.fire(slot, now);
          at = this.fireAt(slot);
        }
        if (at !== undefined) wakeAt = Math.min(wakeAt, at);
      }
      await clock.sleep(Math.max(0, wakeAt - now), wakeup.signal).catch(() => {});
    }
  }

  private fire(slot: Slot, now: number): void {
    if (slot.running !== undefined) return;
    slot.lastFiredAt = now;
    this.opts.log.debug('scheduled task due', { task: slot.entry.id });
    slot.running = slot.entry
      .run()
      .then(
        () => {},
        (err: unknown) => this.opts.log.error('scheduled task failed to start', { task: slot.entry.id, err }),
      )
      .finally(() => {
        slot.running = undefined;
        this.wake();
      });
  }
}
