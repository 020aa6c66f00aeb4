/**
 * Last good snapshot of each feed, one file per feed under `<dataDir>/catalog/feeds/`, replaced
 * atomically (temp + fsync + rename): a failed or interrupted sync leaves the previous snapshot in
 * place. The sync history is a bounded list in `<dataDir>/catalog/history.json`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { RecordDir } from '../store/record-dir.js';
import type { FeedState } from './feeds/adapter.js';
import type { FeedContent, FeedKind } from './model.js';
import { feedKinds } from './model.js';

export interface SnapshotMeta {
  feedId: string;
  kind: FeedKind;
  /** `network` for scheduled/manual syncs, `bundle` for offline imports. */
  origin: 'network' | 'bundle';
  syncedAt: string;
  state: FeedState;
  bytes: number;
  note?: string | undefined;
}

export interface Snapshot {
  meta: SnapshotMeta;
  content: FeedContent;
}

// The snapshot is our own output, so only its envelope is checked on load: a truncated or foreign
// file is refused, while validating every advisory again would cost seconds on the full tracker.
const snapshotShape = z.object({
  meta: z.object({
    feedId: z.string(),
    kind: z.enum(feedKinds),
    origin: z.enum(['network', 'bundle']),
    syncedAt: z.string(),
    state: z.record(z.string(), z.unknown()),
    bytes: z.number(),
    note: z.string().optional(),
  }),
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

export class SnapshotStore {
  private readonly snapshots: RecordDir<Snapshot>;
  private readonly historyFile: string;

  constructor(readonly dir: string) {
    this.snapshots = new RecordDir(
      join(dir, 'feeds'),
      (v) => snapshotShape.parse(v) as unknown as Snapshot,
      0o644,
    );
    this.historyFile = join(dir, 'history.json');
  }

  async start(): Promise<void> {
    await this.snapshots.start();
  }

  async put(snapshot: Snapshot): Promise<void> {
    await this.snapshots.put(snapshot.meta.feedId, snapshot);
  }

  /** Undefined when the feed never synced; throws STORE_CORRUPT for an unreadable file. */
  get(feedId: string): Promise<Snapshot | undefined> {
    return this.snapshots.get(feedId);
  }

  ids(): Promise<string[]> {
    return this.snapshots.ids();
  }

  delete(feedId: string): Promise<void> {
    return this.snapshots.delete(feedId);
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
