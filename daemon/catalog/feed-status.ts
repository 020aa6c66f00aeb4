/** What the catalog tells about its feeds and a running sync (the Feeds page, health, the schedule). */
import type { Snapshot, SyncHistoryEntry } from './snapshot-store.js';

export interface SyncProgress {
  runId: string;
  trigger: SyncHistoryEntry['trigger'];
  startedAt: string;
  feedIds: string[];
  done: number;
  current?: string | undefined;
  message: string;
}

export interface FeedStatus {
  id: string;
  kind: Snapshot['meta']['kind'];
  configured: boolean;
  enabled: boolean;
  url?: string | undefined;
  snapshot?: Snapshot['meta'] | undefined;
  advisories: number;
  lastAttempt?: SyncHistoryEntry | undefined;
}
