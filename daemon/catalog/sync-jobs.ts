/**
 * Feed syncs as jobs: the `catalog.sync` kind (one sync at a time; a sync cut short by a stop or
 * a crash runs again), the schedule entry that starts a sync when feeds are due (a failed feed
 * sooner than the full interval), and what the Feeds page shows for a sync still waiting to run.
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { JobRecord } from '../jobs/job.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Clock } from '../lifecycle.js';
import type { FeedSpec } from './feed-config.js';
import type { FeedStatus, SyncProgress } from './feed-status.js';
import type { SyncHistoryEntry } from './snapshot-store.js';

export const CATALOG_SYNC = 'catalog.sync';
const RETRY_AFTER_FAILURE_MS = 30 * 60_000;

const syncParams = z.object({
  feedIds: z.array(z.string()),
  trigger: z.enum(['schedule', 'manual', 'bundle', 'startup']),
});
type SyncParams = z.infer<typeof syncParams>;

/** What the job side needs from the catalog service. */
export interface SyncTarget {
  feeds(): FeedStatus[];
  pickFeeds(feedIds: string[]): FeedSpec[];
  syncFeeds(
    runId: string,
    specs: FeedSpec[],
    trigger: SyncHistoryEntry['trigger'],
    signal: AbortSignal,
  ): Promise<SyncHistoryEntry[]>;
}

/** When a feed is next due: its interval after the last attempt, or 30 minutes after a failure. */
export const feedDueAt = (f: FeedStatus, intervalMs: number, since: number): number | undefined => {
  if (!f.configured || !f.enabled) return undefined;
  const last = f.lastAttempt?.startedAt ?? f.snapshot?.syncedAt;
  if (last === undefined) return since;
  const wait =
    f.lastAttempt?.outcome === 'failed' ? Math.min(intervalMs, RETRY_AFTER_FAILURE_MS) : intervalMs;
  return Date.parse(last) + wait;
};

export class CatalogSyncJobs {
  private startedAt = 0;

  constructor(
    private readonly target: SyncTarget,
    private readonly jobs: JobRunner,
    private readonly scheduler: Scheduler | undefined,
    private readonly opts: { intervalMs: number; clock: Clock },
  ) {}

  start(): void {
    this.startedAt = this.opts.clock.now();
    this.jobs.register<SyncParams>({
      kind: CATALOG_SYNC,
      params: syncParams,
      recovery: 'retry',
      concurrency: 1,
      run: async (job, p, ctx) => {
        const entries = await this.target.syncFeeds(
          job.id,
          this.target.pickFeeds(p.feedIds.filter((id) => this.configured(id))),
          p.trigger,
          ctx.signal,
        );
        ctx.signal.throwIfAborted();
        const summary = entries.map((e) => `${e.feedId} ${e.outcome}`).join(', ') || 'no feeds';
        if (entries.length && entries.every((e) => e.outcome === 'failed'))
          throw new Error(entries.map((e) => `${e.feedId}: ${e.message}`).join('; '));
        return { summary };
      },
    });
    this.scheduler?.add({
      id: CATALOG_SYNC,
      label: 'Sync vendor feeds',
      everyMs: this.opts.intervalMs,
      // Appliances that share a mirror should not all ask at the same minute.
      jitterMs: Math.min(10 * 60_000, this.opts.intervalMs / 20),
      dueAt: () => this.nextDue(),
      run: () => this.syncDue(),
    });
  }

  async stop(): Promise<void> {
    this.scheduler?.remove(CATALOG_SYNC);
    await this.jobs.unregister(CATALOG_SYNC);
  }

  private configured(id: string): boolean {
    return this.target.feeds().some((f) => f.id === id && f.configured);
  }

  private nextDue(): number | undefined {
    const due = this.target
      .feeds()
      .map((f) => feedDueAt(f, this.opts.intervalMs, this.startedAt))
      .filter((t) => t !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }

  private async syncDue(): Promise<void> {
    if (this.jobs.unfinished(CATALOG_SYNC).length) return;
    const now = this.opts.clock.now();
    const due = this.target
      .feeds()
      .filter((f) => (feedDueAt(f, this.opts.intervalMs, this.startedAt) ?? now + 1) <= now);
    if (due.length)
      await this.request(
        due.map((f) => f.id),
        'schedule',
      );
  }

  /** Submit a sync, or return the one already waiting or running. */
  async request(feedIds: string[], trigger: SyncHistoryEntry['trigger']): Promise<SyncProgress> {
    const pending = this.pendingJob();
    if (pending) return this.view(pending);
    const specs = this.target.pickFeeds(feedIds);
    if (specs.length === 0)
      throw new DepotError('BAD_INPUT', 'no feeds to sync: add feeds under catalog.feeds in the settings');
    const job = await this.jobs.submit({
      kind: CATALOG_SYNC,
      title: `Sync ${specs.map((s) => s.id).join(', ')}`,
      params: { feedIds: specs.map((s) => s.id), trigger },
      trigger,
    });
    return this.view(job);
  }

  private pendingJob(): JobRecord | undefined {
    return this.jobs.unfinished(CATALOG_SYNC).at(-1);
  }

  /** A sync that has not started yet (queued, or interrupted and waiting to be retried). */
  pending(): SyncProgress | undefined {
    const job = this.pendingJob();
    return job && this.view(job);
  }

  private view(job: JobRecord): SyncProgress {
    const parsed = syncParams.safeParse(job.params);
    const p = parsed.success ? parsed.data : { trigger: 'manual' as const, feedIds: [] };
    return {
      runId: job.id,
      trigger: p.trigger,
      startedAt: job.startedAt ?? job.createdAt,
      feedIds: p.feedIds,
      done: 0,
      message: job.state === 'running' ? 'starting' : `${job.state}, waiting to run`,
    };
  }

  idle(): Promise<void> {
    return this.jobs.idle(CATALOG_SYNC);
  }
}
