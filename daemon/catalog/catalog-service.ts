/**
 * The catalog service: keeps the last good snapshot of every feed, syncs them on a schedule and on
 * demand (as `catalog.sync` jobs, see sync-jobs.ts; progress visible), imports signed offline
 * bundles, records every attempt in the sync history, and serves the CatalogIndex that assessment
 * reads. A failing feed is logged and recorded; its previous snapshot stays in use.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Problem } from '../observability/health.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { assertNewerSequence, type Bundle } from './bundle.js';
import { buildIndex, CatalogIndex } from './catalog-index.js';
import type { FeedSpec } from './feed-config.js';
import { staleFeeds } from './feed-health.js';
import type { FeedStatus, SyncProgress } from './feed-status.js';
import { syncFeed } from './feeds/sync-feed.js';
import type { VendorFile } from './model.js';
import type { ParsedContent } from './parsed-content.js';
import type { FeedFetcher, FeedParser, SignatureVerifier } from './ports.js';
import { type KeptFeed, type NewMeta, SnapshotStore, type SyncHistoryEntry } from './snapshot-store.js';
import { CatalogSyncJobs } from './sync-jobs.js';
import { WorkerFeedParser } from './worker-feed-parser.js';

export type { FeedStatus, SyncProgress } from './feed-status.js';

export interface CatalogServiceOptions {
  /** `<dataDir>/catalog` */
  dir: string;
  feeds: FeedSpec[];
  fetcher: FeedFetcher;
  verifier: SignatureVerifier;
  trustedKeys: string[];
  maxFeedBytes: number;
  /** Most a compressed feed may expand to (`catalog.maxUnpackedMB`). */
  maxUnpackedBytes: number;
  /** Where documents are parsed; default: a worker thread per task with Node's default heap. */
  parser?: FeedParser;
  syncIntervalMinutes: number;
  log: Logger;
  clock?: Clock;
  /** Runs syncs as jobs (absent in the CLI, which syncs directly with syncNow). */
  jobs?: JobRunner | undefined;
  scheduler?: Scheduler | undefined;
}

const newRunId = (): string => `sync-${randomBytes(4).toString('hex')}`;

export class CatalogService {
  readonly name = 'catalog';
  private readonly store: SnapshotStore;
  private readonly parser: FeedParser;
  /** Each feed's last good snapshot: its meta and its content, packed. */
  private readonly snapshots = new Map<string, KeptFeed>();
  private readonly clock: () => Date;
  private generation = 0;
  private built: CatalogIndex = new CatalogIndex(0);
  private running: SyncProgress | undefined;
  private readonly syncJobs: CatalogSyncJobs | undefined;
  private abort = new AbortController();
  private lastAttempts = new Map<string, SyncHistoryEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: CatalogServiceOptions) {
    const clock = opts.clock ?? systemClock;
    this.clock = () => dateOf(clock);
    this.parser = opts.parser ?? new WorkerFeedParser();
    this.store = new SnapshotStore(opts.dir, this.parser);
    this.syncJobs =
      opts.jobs &&
      new CatalogSyncJobs(this, opts.jobs, opts.scheduler, {
        intervalMs: opts.syncIntervalMinutes * 60_000,
        clock,
      });
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.store.start();
    for (const id of await this.store.ids()) {
      try {
        const { kept, rebuilt } = await this.store.load(id, this.abort.signal);
        if (kept) this.snapshots.set(id, kept);
        if (kept && rebuilt)
          this.opts.log.info('feed index rebuilt from its snapshot', { feed: id, why: rebuilt });
      } catch (err) {
        // One unreadable snapshot must not take the others down; the next sync rewrites it.
        this.opts.log.error('feed snapshot unreadable; it will be replaced by the next sync', {
          feed: id,
          err,
        });
      }
    }
    for (const h of (await this.store.history().catch(() => [])).reverse())
      this.lastAttempts.set(h.feedId, h);
    await this.rebuild();
    this.syncJobs?.start();
    this.opts.log.info('catalog loaded', { feeds: this.snapshots.size, ...this.built.size });
  }

  async stop(): Promise<void> {
    await this.syncJobs?.stop();
    this.abort.abort();
    await this.opts.fetcher.close?.();
  }

  /** New feeds and trusted keys from the settings page, used from the next sync on (no restart). */
  reconfigure(settings: { feeds: FeedSpec[]; trustedKeys: string[] }): void {
    this.opts.feeds = settings.feeds;
    this.opts.trustedKeys = settings.trustedKeys;
    for (const listener of this.listeners) listener();
  }

  /** Called after every change of the index (assessment recomputes). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  index(): CatalogIndex {
    return this.built;
  }

  /** Vendor files listed by signed manifests, with the feed that listed them. */
  vendorFiles(): { feedId: string; file: VendorFile }[] {
    const out: { feedId: string; file: VendorFile }[] = [];
    for (const [feedId, snap] of this.snapshots)
      for (const file of snap.feed.extra.files ?? []) out.push({ feedId, file });
    return out;
  }

  /** The sync running now, else one waiting to run. */
  progress(): SyncProgress | undefined {
    return this.running ? { ...this.running } : this.syncJobs?.pending();
  }

  /** Feeds stale beyond twice the sync interval, or never synced because their sync fails. */
  health(): Problem[] {
    return staleFeeds(this.feeds(), this.opts.syncIntervalMinutes * 60_000, this.clock().getTime());
  }

  history(): Promise<SyncHistoryEntry[]> {
    return this.store.history();
  }

  feeds(): FeedStatus[] {
    const out: FeedStatus[] = this.opts.feeds.map((spec) => {
      const snap = this.snapshots.get(spec.id);
      return {
        id: spec.id,
        kind: spec.kind,
        configured: true,
        enabled: spec.enabled,
        url: spec.url,
        snapshot: snap?.meta,
        advisories: snap?.feed.count ?? 0,
        lastAttempt: this.lastAttempts.get(spec.id),
      };
    });
    for (const [id, snap] of this.snapshots) {
      if (this.opts.feeds.some((f) => f.id === id)) continue;
      out.push({
        id,
        kind: snap.meta.kind,
        configured: false,
        enabled: true,
        snapshot: snap.meta,
        advisories: snap.feed.count,
        lastAttempt: this.lastAttempts.get(id),
      });
    }
    return out;
  }

  /**
   * Submit a sync job for the given feeds (all enabled ones when empty); a sync already waiting
   * or running is returned instead of starting a second one. Its run id is the job id.
   */
  async sync(feedIds: string[] = [], trigger: SyncHistoryEntry['trigger'] = 'manual'): Promise<SyncProgress> {
    if (!this.syncJobs) throw new DepotError('UNAVAILABLE', 'background syncs run only in the daemon');
    return this.syncJobs.request(feedIds, trigger);
  }

  /** Sync now, in this process, without the job runner (the CLI). */
  syncNow(
    feedIds: string[] = [],
    trigger: SyncHistoryEntry['trigger'] = 'manual',
  ): Promise<SyncHistoryEntry[]> {
    return this.syncFeeds(newRunId(), this.pickFeeds(feedIds), trigger, this.abort.signal);
  }

  /** Wait until no sync job is waiting or running (CLI and tests). */
  async idle(): Promise<void> {
    await this.syncJobs?.idle();
  }

  /** The configured feeds to sync: these ids, or every enabled feed when none are given. */
  pickFeeds(feedIds: string[]): FeedSpec[] {
    const unknown = feedIds.filter((id) => !this.opts.feeds.some((f) => f.id === id));
    if (unknown.length) throw new DepotError('NOT_FOUND', `no configured feed named ${unknown.join(', ')}`);
    return this.opts.feeds.filter((f) => (feedIds.length ? feedIds.includes(f.id) : f.enabled));
  }

  /** Sync these feeds one after the other, with progress visible, and record each attempt. */
  async syncFeeds(
    runId: string,
    specs: FeedSpec[],
    trigger: SyncHistoryEntry['trigger'],
    signal: AbortSignal,
  ): Promise<SyncHistoryEntry[]> {
    const run: SyncProgress = {
      runId,
      trigger,
      startedAt: this.clock().toISOString(),
      feedIds: specs.map((s) => s.id),
      done: 0,
      message: 'starting',
    };
    this.running = run;
    try {
      return await this.runSync(run, specs, signal);
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async runSync(
    run: SyncProgress,
    specs: FeedSpec[],
    signal: AbortSignal,
  ): Promise<SyncHistoryEntry[]> {
    const log = this.opts.log.child('sync', { runId: run.runId });
    const entries: SyncHistoryEntry[] = [];
    let changed = false;
    for (const spec of specs) {
      if (signal.aborted) break;
      run.current = spec.id;
      run.message = `${spec.id}: starting`;
      const startedAt = this.clock().toISOString();
      const previous = this.snapshots.get(spec.id);
      const finished = (
        outcome: SyncHistoryEntry['outcome'],
        message: string,
        extra: Pick<SyncHistoryEntry, 'bytes' | 'advisories'> = {},
      ): SyncHistoryEntry => ({
        id: run.runId,
        feedId: spec.id,
        trigger: run.trigger,
        startedAt,
        finishedAt: this.clock().toISOString(),
        outcome,
        message,
        ...extra,
      });
      let entry: SyncHistoryEntry;
      try {
        const res = await syncFeed(spec, {
          fetcher: this.opts.fetcher,
          verifier: this.opts.verifier,
          parser: this.parser,
          now: this.clock,
          maxBytes: this.opts.maxFeedBytes,
          maxUnpackedBytes: this.opts.maxUnpackedBytes,
          trustedKeys: this.opts.trustedKeys,
          previous: previous?.meta.origin === 'network' ? previous.meta.state : undefined,
          signal,
          progress: (message) => {
            run.message = `${spec.id}: ${message}`;
          },
        });
        if (res.status === 'not-modified') {
          entry = finished('unchanged', 'not modified since the last sync');
        } else {
          const meta = { feedId: spec.id, kind: spec.kind, origin: 'network' as const, state: res.state };
          const { feed } = await this.keep({ ...meta, bytes: res.bytes }, res.content);
          changed = true;
          entry = finished('updated', feed.extra.note ?? 'updated', {
            bytes: res.bytes,
            advisories: feed.count,
          });
        }
        log.info('feed synced', { feed: spec.id, outcome: entry.outcome });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        entry = finished(
          'failed',
          previous ? `${message} (keeping the snapshot of ${previous.meta.syncedAt})` : message,
        );
        log.warn('feed sync failed', { feed: spec.id, err });
      }
      this.lastAttempts.set(spec.id, entry);
      entries.push(entry);
      run.done++;
    }
    run.current = undefined;
    run.message = 'finished';
    await this.store.appendHistory(entries);
    if (changed) await this.rebuild();
    return entries;
  }

  /** Import a signed offline bundle; all of it or nothing. `zip` is handed over to the parser. */
  async importBundle(zip: Uint8Array): Promise<SyncHistoryEntry[]> {
    const startedAt = this.clock().toISOString();
    const stateFile = join(this.opts.dir, 'bundle-state.json');
    let lastSequence = -1;
    try {
      lastSequence = (JSON.parse(await readFile(stateFile, 'utf8')) as { sequence: number }).sequence;
    } catch {
      // first bundle on this appliance
    }
    let bundle: Bundle;
    try {
      bundle = await this.checkedBundle(zip, lastSequence);
    } catch (err) {
      const entry: SyncHistoryEntry = {
        id: 'bundle',
        feedId: '(bundle)',
        trigger: 'bundle',
        startedAt,
        finishedAt: this.clock().toISOString(),
        outcome: 'failed',
        message: (err as Error).message,
      };
      await this.store.appendHistory([entry]);
      throw err;
    }
    const entries: SyncHistoryEntry[] = [];
    for (const feed of bundle.feeds) {
      const meta = { feedId: feed.feedId, kind: feed.kind, origin: 'bundle' as const, state: {} };
      const packed = (await this.keep({ ...meta, bytes: feed.bytes }, feed.content)).feed;
      const entry: SyncHistoryEntry = {
        id: `bundle-${bundle.manifest.sequence}`,
        feedId: feed.feedId,
        trigger: 'bundle',
        startedAt,
        finishedAt: this.clock().toISOString(),
        outcome: 'updated',
        message: `${packed.extra.note ?? 'imported'} (bundle ${bundle.manifest.sequence} signed by ${bundle.keyId})`,
        bytes: feed.bytes,
        advisories: packed.count,
      };
      this.lastAttempts.set(feed.feedId, entry);
      entries.push(entry);
    }
    await writeFileAtomic(
      stateFile,
      `${JSON.stringify({ sequence: bundle.manifest.sequence, importedAt: startedAt })}\n`,
    );
    await this.store.appendHistory(entries);
    await this.rebuild();
    this.opts.log.info('bundle imported', { sequence: bundle.manifest.sequence, feeds: entries.length });
    return entries;
  }

  /** Verify and parse a bundle (in the feed worker), then refuse rollbacks and kind clashes. */
  private async checkedBundle(zip: Uint8Array, lastSequence: number): Promise<Bundle> {
    const bundle = await this.parser.bundle({
      zip,
      trustedKeys: this.opts.trustedKeys,
      now: this.clock(),
      maxFeedBytes: this.opts.maxFeedBytes,
      maxUnpackedBytes: this.opts.maxUnpackedBytes,
    });
    assertNewerSequence(bundle.manifest.sequence, lastSequence);
    const clash = bundle.feeds.find((f) =>
      this.opts.feeds.some((s) => s.id === f.feedId && s.kind !== f.kind),
    );
    if (clash)
      throw new DepotError(
        'CONFLICT',
        `bundle feed ${clash.feedId} is a ${clash.kind} feed, but that id is configured as another kind`,
      );
    return bundle;
  }

  /** Store a feed's new snapshot and use it from now on, packed as a restart loads it. */
  private async keep(meta: NewMeta, content: ParsedContent): Promise<KeptFeed> {
    const kept = await this.store.keep({ ...meta, syncedAt: this.clock().toISOString() }, content);
    this.snapshots.set(meta.feedId, kept);
    return kept;
  }

  /** Index every snapshot anew; a rebuild overtaken by a newer one is dropped. */
  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
    const feeds = [...this.snapshots]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, snap]) => [id, snap.feed] as const);
    const index = await buildIndex(generation, feeds);
    if (generation !== this.generation) return;
    this.built = index;
    for (const l of this.listeners) l();
  }
}
