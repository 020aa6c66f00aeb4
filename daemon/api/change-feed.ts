/**
 * The change feed behind /api/v1/changes: every entity (a host, with its missing fixes) carries
 * the sequence number of its last change, and `since(n)` returns those changed after n, oldest
 * change first: a console that pulled up to n misses nothing and gets each entity once, in its
 * latest state. `since(0)` is the full pull. Changes are found by comparing digests of what a
 * console would see with the digests last recorded, at most every `minIntervalMs`, so a change
 * made while the daemon was down is found at the first look after the start. Sequence numbers
 * are written durably (DATA_DIR/api/changes.json, atomically) before any is handed out, so they
 * only ever grow, across restarts and kill -9. Deleted entities leave a tombstone; when old
 * tombstones are dropped the feed's `floor` rises, and a console behind it must pull again from 0.
 * A feed with no usable file (new, or its file lost) starts numbering at the clock's milliseconds,
 * above any number an earlier feed of this site can have handed out: an old `since` then falls
 * below the floor and the console is told to pull again, instead of silently missing changes.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';

/** What the feed watches: every entity now, by id, with a digest of what a console would see. */
export interface ChangeSource {
  digests(): Promise<Map<string, string>>;
}

export interface ChangeEntry {
  id: string;
  seq: number;
  /** null: the entity is gone (a tombstone). */
  digest: string | null;
}

export type ChangesAnswer =
  | { kind: 'changes'; epoch: string; items: ChangeEntry[]; next: number; more: boolean }
  | { kind: 'gone'; floor: number };

export interface ChangeFeedOptions {
  /** `<dataDir>/api/changes.json`. */
  file: string;
  source: ChangeSource;
  log: Logger;
  clock?: Clock;
  /** Look for changes at most this often (every request within it sees the last look). */
  minIntervalMs?: number;
  /** Tombstones kept; older ones are dropped and the floor rises past them. */
  maxTombstones?: number;
}

const fileSchema = z
  .object({
    version: z.literal(1),
    /** Random per feed: a console that sees another epoch knows the numbering started over. */
    epoch: z.string().regex(/^[0-9a-f]{16}$/),
    seq: z.number().int().min(0),
    floor: z.number().int().min(0),
    entries: z.array(z.tuple([z.string(), z.number().int().min(1), z.string().nullable()])),
  })
  .strict();

export class ChangeFeed {
  readonly name = 'change-feed';
  /** Insertion order is sequence order: a changed entity is deleted and set again at the end. */
  private entries = new Map<string, ChangeEntry>();
  private seq = 0;
  private floor = 0;
  private epoch = '';
  private lastLook = Number.NEGATIVE_INFINITY;
  private looking: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(private readonly opts: ChangeFeedOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  async start(): Promise<void> {
    let text: string | undefined;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const parsed = text === undefined ? undefined : fileSchema.safeParse(safeJson(text));
    if (!parsed?.success) {
      if (parsed)
        this.opts.log.warn('change feed file unreadable: numbering starts over', { file: this.opts.file });
      this.epoch = randomBytes(8).toString('hex');
      this.seq = this.floor = this.clock.now();
      return;
    }
    const doc = parsed.data;
    Object.assign(this, { epoch: doc.epoch, seq: doc.seq, floor: doc.floor });
    this.entries = new Map(doc.entries.map(([id, seq, digest]) => [id, { id, seq, digest }]));
  }

  async stop(): Promise<void> {
    await this.looking?.catch(() => undefined);
  }

  /** The last sequence number handed out. */
  head(): number {
    return this.seq;
  }

  /** Entities changed after `since`, oldest change first, at most `limit`. */
  async since(since: number, limit: number): Promise<ChangesAnswer> {
    await this.look();
    if (since > this.seq) {
      throw new DepotError(
        'BAD_INPUT',
        `since: ${since} is from the future: this site's changes go up to ${this.seq}; pull again from since=0`,
      );
    }
    // since=0 is the full pull, always possible; past tombstones only a number at or above the floor.
    if (since !== 0 && since < this.floor) return { kind: 'gone', floor: this.floor };
    const items: ChangeEntry[] = [];
    let more = false;
    for (const entry of this.entries.values()) {
      if (entry.seq <= since) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(entry);
    }
    const next = more ? items[items.length - 1]!.seq : this.seq;
    return { kind: 'changes', epoch: this.epoch, items, next, more };
  }

  /** Compare the source with the last record, unless that was done within `minIntervalMs`. */
  private look(): Promise<void> {
    if (this.clock.now() - this.lastLook < (this.opts.minIntervalMs ?? 10_000))
      return this.looking ?? Promise.resolve();
    this.looking ??= this.record().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  private async record(): Promise<void> {
    const started = this.clock.now();
    const now = await this.opts.source.digests();
    const changed: Array<[string, string | null]> = [];
    for (const id of [...now.keys()].sort()) {
      if (this.entries.get(id)?.digest !== now.get(id)) changed.push([id, now.get(id)!]);
    }
    for (const entry of this.entries.values()) {
      if (entry.digest !== null && !now.has(entry.id)) changed.push([entry.id, null]);
    }
    this.lastLook = started;
    if (changed.length === 0) return;
    const entries = new Map(this.entries);
    let seq = this.seq;
    for (const [id, digest] of changed) {
      entries.delete(id);
      entries.set(id, { id, seq: ++seq, digest });
    }
    const floor = this.dropTombstones(entries);
    // Durable first: a number a console has seen is never handed out again.
    await this.save(entries, seq, floor);
    Object.assign(this, { entries, seq, floor });
  }

  /** Drop the oldest tombstones past the cap; returns the new floor. */
  private dropTombstones(entries: Map<string, ChangeEntry>): number {
    let floor = this.floor;
    let extra =
      [...entries.values()].filter((e) => e.digest === null).length - (this.opts.maxTombstones ?? 10_000);
    for (const e of entries.values()) {
      if (extra <= 0) break;
      if (e.digest !== null) continue;
      entries.delete(e.id);
      floor = Math.max(floor, e.seq);
      extra--;
    }
    return floor;
  }

  private async save(entries: Map<string, ChangeEntry>, seq: number, floor: number): Promise<void> {
    const doc: z.infer<typeof fileSchema> = {
      version: 1,
      epoch: this.epoch,
      seq,
      floor,
      entries: [...entries.values()].map((e) => [e.id, e.seq, e.digest]),
    };
    await writeFileAtomic(this.opts.file, JSON.stringify(doc), { mode: 0o600 });
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
