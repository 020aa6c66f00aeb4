/**
 * The catalog service: keeps the last good snapshot of every feed, syncs them on a schedule and on
 * demand (one run at a time, progress visible), imports signed offline bundles, records every
 * attempt in the sync history, and serves the CatalogIndex that assessment reads. A failing feed
 * is logged and recorded; its previous snapshot stays in use.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { assertNewerSequence, type Bundle } from './bundle.js';
import { buildIndex, CatalogIndex } from './catalog-index.js';
import type { FeedSpec } from './feed-config.js';
import { syncFeed } from './feeds/sync-feed.js';
import type { FeedContent, VendorFile } from './model.js';
import type { FeedFetcher, FeedParser, SignatureVerifier } from './ports.js';
import { type Snapshot, type SnapshotMeta, SnapshotStore, type SyncHistoryEntry } from './snapshot-store.js';
import { WorkerFeedParser } from './worker-feed-parser.js';

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
  clock?: () => Date;
  /** How often the scheduler looks for due feeds; tests shorten it. */
  tickMs?: number;
}

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

const RETRY_AFTER_FAILURE_MS = 30 * 60_000;

const newRunId = (): string => `sync-${randomBytes(4).toString('hex')}`;

export class CatalogService {
  readonly name = 'catalog';
  private readonly store: SnapshotStore;
  private readonly parser: FeedParser;
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly clock: () => Date;
  private generation = 0;
  private built: CatalogIndex = new CatalogIndex(0);
  private running: SyncProgress | undefined;
  private runPromise: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private lastAttempts = new Map<string, SyncHistoryEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: CatalogServiceOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.parser = opts.parser ?? new WorkerFeedParser();
    this.store = new SnapshotStore(opts.dir, this.parser);
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.store.start();
    for (const id of await this.store.ids()) {
      try {
        const snap = await this.store.get(id, this.abort.signal);
        if (snap) this.snapshots.set(id, snap);
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
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 60_000);
    this.timer.unref();
    this.opts.log.info('catalog loaded', { feeds: this.snapshots.size, ...this.built.size });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.runPromise?.catch(() => {});
    await this.opts.fetcher.close?.();
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
      for (const file of snap.content.files ?? []) out.push({ feedId, file });
    return out;
  }

  progress(): SyncProgress | undefined {
    return this.running && { ...this.running };
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
        advisories: snap?.content.advisories.length ?? 0,
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
        advisories: snap.content.advisories.length,
        lastAttempt: this.lastAttempts.get(id),
      });
    }
    return out;
  }

  /**
   * Start a sync of the given feeds (all enabled ones when empty). Returns at once with the run;
   * a run already in progress is returned instead of starting a second one.
   */
  sync(feedIds: string[] = [], trigger: SyncHistoryEntry['trigger'] = 'manual'): SyncProgress {
    if (this.running) return { ...this.running };
    const unknown = feedIds.filter((id) => !this.opts.feeds.some((f) => f.id === id));
    if (unknown.length) throw new DepotError('NOT_FOUND', `no configured feed named ${unknown.join(', ')}`);
    const specs = this.opts.feeds.filter((f) => (feedIds.length ? feedIds.includes(f.id) : f.enabled));
    if (specs.length === 0)
      throw new DepotError('BAD_INPUT', 'no feeds to sync: add feeds under catalog.feeds in the settings');
    const run: SyncProgress = {
      runId: newRunId(),
      trigger,
      startedAt: this.clock().toISOString(),
      feedIds: specs.map((s) => s.id),
      done: 0,
      message: 'starting',
    };
    this.running = run;
    this.runPromise = this.runSync(run, specs).finally(() => {
      this.running = undefined;
      this.runPromise = undefined;
    });
    return { ...run };
  }

  /** Wait for the current run (CLI and tests). */
  async idle(): Promise<void> {
    await this.runPromise;
  }

  private tick(): void {
    if (this.running) return;
    const now = this.clock().getTime();
    const intervalMs = this.opts.syncIntervalMinutes * 60_000;
    const due = this.opts.feeds.filter((f) => {
      if (!f.enabled) return false;
      const attempt = this.lastAttempts.get(f.id);
      const last = attempt?.startedAt ?? this.snapshots.get(f.id)?.meta.syncedAt;
      // A failed feed (mirror down, bad document) is retried sooner than the regular interval.
      const wait = attempt?.outcome === 'failed' ? Math.min(intervalMs, RETRY_AFTER_FAILURE_MS) : intervalMs;
      return last === undefined || now - new Date(last).getTime() >= wait;
    });
    if (due.length)
      this.sync(
        due.map((f) => f.id),
        'schedule',
      );
  }

  private async runSync(run: SyncProgress, specs: FeedSpec[]): Promise<void> {
    const log = this.opts.log.child('sync', { runId: run.runId });
    const entries: SyncHistoryEntry[] = [];
    let changed = false;
    for (const spec of specs) {
      if (this.abort.signal.aborted) break;
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
          signal: this.abort.signal,
          progress: (message) => {
            run.message = `${spec.id}: ${message}`;
          },
        });
        if (res.status === 'not-modified') {
          entry = finished('unchanged', 'not modified since the last sync');
        } else {
          const meta = { feedId: spec.id, kind: spec.kind, origin: 'network' as const, state: res.state };
          await this.keep({ ...meta, bytes: res.bytes }, res.content);
          changed = true;
          entry = finished('updated', res.content.note ?? 'updated', {
            bytes: res.bytes,
            advisories: res.content.advisories.length,
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
      await this.keep({ ...meta, bytes: feed.bytes }, feed.content);
      const entry: SyncHistoryEntry = {
        id: `bundle-${bundle.manifest.sequence}`,
        feedId: feed.feedId,
        trigger: 'bundle',
        startedAt,
        finishedAt: this.clock().toISOString(),
        outcome: 'updated',
        message: `${feed.content.note ?? 'imported'} (bundle ${bundle.manifest.sequence} signed by ${bundle.keyId})`,
        bytes: feed.bytes,
        advisories: feed.content.advisories.length,
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

  /** Store a feed's new snapshot and use it from now on. */
  private async keep(meta: Omit<SnapshotMeta, 'syncedAt' | 'note'>, content: FeedContent): Promise<void> {
    const snapshot = { meta: { ...meta, syncedAt: this.clock().toISOString(), note: content.note }, content };
    await this.store.put(snapshot);
    this.snapshots.set(meta.feedId, snapshot);
  }

  /** Index every snapshot anew; a rebuild overtaken by a newer one is dropped. */
  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
    const feeds = [...this.snapshots]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, snap]) => [id, snap.content.advisories] as const);
    const index = await buildIndex(generation, feeds);
    if (generation !== this.generation) return;
    this.built = index;
    for (const l of this.listeners) l();
  }
}
