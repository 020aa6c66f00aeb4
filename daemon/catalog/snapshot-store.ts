/**
 * Last good snapshot of each feed, one file per feed under `<dataDir>/catalog/feeds/`, replaced
 * atomically (temp + fsync + rename): a failed or interrupted sync leaves the previous snapshot in
 * place. A snapshot of the full tracker is tens of MB of JSON, so it is written a few hundred
 * advisories at a time and read back by the feed worker: neither holds the event loop for long.
 * The sync history is a bounded list in `<dataDir>/catalog/history.json`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { sweepTempFiles, writeFileAtomic } from '../store/atomic-file.js';
import { RecordDir } from '../store/record-dir.js';
import { jsonMembers } from './feeds/json-members.js';
import type { Advisory, Snapshot, SnapshotMeta } from './model.js';
import type { ParsedContent } from './parsed-content.js';

export type { Snapshot, SnapshotMeta } from './model.js';

import { asPacked, packFeed } from './pack-feed.js';
import { PackedFeed } from './packed-feed.js';
import type { FeedParser } from './ports.js';
import { deleteIndex, loadIndex, savedIndexDir, saveIndex } from './saved-index.js';
import { snapshotMetaShape } from './snapshot-meta.js';

/** A feed as the catalog keeps it: its snapshot's meta and its content packed (packed-feed.ts). */
export interface KeptFeed {
  meta: SnapshotMeta;
  feed: PackedFeed;
}

/** A snapshot loaded at start, and whether its saved index served it or it was parsed again. */
export interface LoadedSnapshot {
  kept: KeptFeed | undefined;
  /** Why the saved index could not be used (the snapshot was parsed and the index saved anew). */
  rebuilt?: string | undefined;
}

// The snapshot is our own output, so only its envelope is checked on load: a truncated or foreign
// file is refused, while validating every advisory again would cost seconds on the full tracker.
const snapshotShape = z.object({
  meta: snapshotMetaShape,
  content: z.object({ advisories: z.array(z.unknown()), files: z.array(z.unknown()).optional() }),
});

export const historySchema = z.object({
  id: z.string(),
  feedId: z.string(),
  trigger: z.enum(['schedule', 'manual', 'bundle', 'startup']),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.enum(['updated', 'unchanged', 'failed']),
  message: z.string(),
  bytes: z.number().optional(),
  advisories: z.number().optional(),
});
export type SyncHistoryEntry = z.infer<typeof historySchema>;

const MAX_HISTORY = 200;
const ADVISORIES_PER_PIECE = 500;

/** The snapshot files of `<catalog dir>/feeds`: the store writes them, the feed worker reads them. */
export const snapshotFiles = (feedsDir: string): RecordDir<Snapshot> =>
  new RecordDir(feedsDir, (v) => snapshotShape.parse(v) as unknown as Snapshot, 0o644);

/**
 * Read a snapshot file one advisory at a time (json-members.ts), as the feed worker does: never
 * the whole file as one JSON tree. Undefined when there is none; STORE_CORRUPT when unreadable.
 */
export const readSnapshotFile = async (file: string): Promise<Snapshot | undefined> => {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const snap: Record<string, unknown> = {};
    for (const top of jsonMembers(bytes, file, 'object')) {
      if (top.key !== 'content') {
        snap[top.key!] = top.parse();
        continue;
      }
      const content: Record<string, unknown> = {};
      for (const c of jsonMembers(top.raw, file, 'object'))
        content[c.key!] =
          c.key === 'advisories'
            ? Array.from(jsonMembers(c.raw, file, 'array'), (a) => a.parse())
            : c.parse();
      snap.content = content;
    }
    return snapshotShape.parse(snap) as unknown as Snapshot;
  } catch (cause) {
    throw new DepotError('STORE_CORRUPT', `${file}: ${(cause as Error).message}`, { cause });
  }
};

/** A new snapshot's meta before it is kept (the time and the feed's note are added then). */
export type NewMeta = Omit<SnapshotMeta, 'syncedAt' | 'note'>;

/** A snapshot as the store takes it: its content parsed, or packed already. */
export interface NewSnapshot {
  meta: SnapshotMeta;
  content: ParsedContent;
}

/** Advisories `from` to `to` of parsed or packed content, as objects (packed ones made now). */
const advisorySlice = (content: ParsedContent, from: number, to: number): Advisory[] => {
  if (!(content instanceof PackedFeed)) return content.advisories.slice(from, to);
  const out: Advisory[] = [];
  for (let a = from; a < to; a++) out.push(content.plainAdvisory(a));
  return out;
};

/**
 * The JSON of a snapshot in pieces of a few hundred advisories: a packed feed's advisories become
 * objects a piece at a time, never all at once.
 */
export function* snapshotJson({ meta, content }: NewSnapshot): Generator<string> {
  const count = content instanceof PackedFeed ? content.count : content.advisories.length;
  const rest = content instanceof PackedFeed ? content.extra : { ...content, advisories: undefined };
  yield `{"meta":${JSON.stringify(meta)},"content":{"advisories":[`;
  for (let i = 0; i < count; i += ADVISORIES_PER_PIECE) {
    const piece = JSON.stringify(advisorySlice(content, i, Math.min(i + ADVISORIES_PER_PIECE, count))).slice(
      1,
      -1,
    );
    yield i === 0 ? piece : `,${piece}`;
  }
  const others = JSON.stringify(rest).slice(1, -1);
  yield `]${others ? `,${others}` : ''}}}\n`;
}

export class SnapshotStore {
  private readonly snapshots: RecordDir<Snapshot>;
  private readonly historyFile: string;

  constructor(
    readonly dir: string,
    private readonly parser: Pick<FeedParser, 'snapshot'>,
  ) {
    this.snapshots = snapshotFiles(join(dir, 'feeds'));
    this.historyFile = join(dir, 'history.json');
  }

  async start(): Promise<void> {
    await this.snapshots.start();
    // A save cut short (kill -9, power loss) leaves a temp file; the index it was for is rebuilt.
    await sweepTempFiles(savedIndexDir(this.dir));
  }

  /** Store a new snapshot, its note the feed's own; returns it as the catalog keeps it (packed). */
  async keep(meta: Omit<SnapshotMeta, 'note'>, content: ParsedContent): Promise<KeptFeed> {
    const feed = asPacked(content);
    const kept = { meta: { ...meta, note: feed.extra.note }, feed };
    await this.put({ meta: kept.meta, content: feed });
    return kept;
  }

  /** Write the snapshot, then its saved index (built from the snapshot just written). */
  async put(snapshot: NewSnapshot): Promise<PackedFeed> {
    const file = this.snapshots.file(snapshot.meta.feedId);
    await writeFileAtomic(file, snapshotJson(snapshot), { mode: 0o644 });
    const feed = asPacked(snapshot.content);
    // The snapshot is what counts: an index that cannot be saved now is found stale (it names
    // another snapshot) at the next start, and rebuilt then.
    await saveIndex(this.dir, file, snapshot.meta, feed).catch(() => undefined);
    return feed;
  }

  /**
   * A feed's snapshot for start-up: from its saved index when that matches the snapshot on disk,
   * else parsed from the snapshot (in the feed worker) with the index saved again for next time.
   * Throws STORE_CORRUPT when the snapshot itself is unreadable.
   */
  async load(feedId: string, signal?: AbortSignal): Promise<LoadedSnapshot> {
    const file = this.snapshots.file(feedId);
    let why: string;
    try {
      const saved = await loadIndex(this.dir, feedId, file);
      if (saved.status === 'loaded') return { kept: { meta: saved.meta, feed: saved.feed } };
      why = saved.why;
    } catch (err) {
      why = (err as Error).message;
    }
    const snapshot = await this.get(feedId, signal);
    if (!snapshot) {
      await deleteIndex(this.dir, feedId); // an index whose snapshot is gone
      return { kept: undefined };
    }
    const feed = packFeed(snapshot.content);
    try {
      await saveIndex(this.dir, file, snapshot.meta, feed);
    } catch (err) {
      why = `${why}; saving it again failed: ${(err as Error).message}`;
    }
    return { kept: { meta: snapshot.meta, feed }, rebuilt: why };
  }

  /** Undefined when the feed never synced; throws STORE_CORRUPT for an unreadable file. */
  get(feedId: string, signal?: AbortSignal): Promise<Snapshot | undefined> {
    return this.parser.snapshot(this.snapshots.dir, feedId, signal);
  }

  ids(): Promise<string[]> {
    return this.snapshots.ids();
  }

  async delete(feedId: string): Promise<void> {
    await this.snapshots.delete(feedId);
    await deleteIndex(this.dir, feedId);
  }

  async history(): Promise<SyncHistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.historyFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = z.array(historySchema).safeParse(JSON.parse(text));
    if (!parsed.success) throw new DepotError('STORE_CORRUPT', `${this.historyFile}: not a sync history`);
    return parsed.data;
  }

  async appendHistory(entries: SyncHistoryEntry[]): Promise<void> {
    let current: SyncHistoryEntry[] = [];
    try {
      current = await this.history();
    } catch {
      // A damaged history must not stop syncs; it restarts from these entries.
    }
    const next = [...[...entries].reverse(), ...current].slice(0, MAX_HISTORY);
    await writeFileAtomic(this.historyFile, `${JSON.stringify(next)}\n`);
  }
}
