/**
 * Discovery as a daemon service: scopes (in the state file), scans on demand and on each scope's
 * schedule (one at a time, each with an id in logs and UI), live progress, and the asset list the
 * web layer pages through. Constructor stores dependencies; start() loads; stop() aborts a
 * running scan and flushes.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state-store.js';
import type { Asset } from './asset.js';
import { type AssetPage, type AssetQuery, queryAssets } from './asset-query.js';
import { AssetStore } from './asset-store.js';
import { formatIpv4 } from './ipv4.js';
import { mergeScan } from './merge.js';
import type { DiscoveryPorts, LocalSubnet } from './ports.js';
import { ScanLog, type ScanRecord } from './scan-log.js';
import { runScan, type ScanSettings } from './scanner.js';
import { expandScope, validateScope } from './scope.js';
import type { ScopeInput, ScopeRecord } from './scope-record.js';

export type DiscoveryConfig = Config['discovery'];

export const scanSettingsFrom = (c: DiscoveryConfig): ScanSettings => ({
  packetsPerSecond: c.packetsPerSecond,
  concurrency: c.concurrency,
  icmpTimeoutMs: c.icmpTimeoutMs,
  icmpRetries: c.icmpRetries,
  tcpTimeoutMs: c.tcpTimeoutMs,
  ports: c.ports,
  livenessPorts: c.livenessPorts,
  mdns: c.mdns,
  mdnsWindowMs: c.mdnsWindowMs,
  reverseDns: c.reverseDns,
  enrichTimeoutMs: c.enrichTimeoutMs,
});

const newId = (prefix: string, now: Date): string =>
  `${prefix}-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

export interface DiscoveryServiceOptions {
  dataDir: string;
  config: DiscoveryConfig;
  store: StateStore;
  ports: DiscoveryPorts;
  log: Logger;
  /** How often scope schedules are checked (tests shorten it). */
  tickMs?: number;
}

export class DiscoveryService {
  readonly name = 'discovery';
  readonly assets: AssetStore;
  private readonly scans: ScanLog;
  private running: { record: ScanRecord; abort: AbortController; done: Promise<void> } | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly assetListeners = new Set<(changed: readonly Asset[]) => Promise<void> | void>();

  constructor(private readonly opts: DiscoveryServiceOptions) {
    const dir = `${opts.dataDir}/discovery`;
    this.assets = new AssetStore(dir, opts.config.writeDebounceMs, opts.log.child('assets'));
    this.scans = new ScanLog(dir, opts.log.child('scans'));
  }

  async start(): Promise<void> {
    await this.assets.start();
    await this.scans.start();
    if (this.opts.config.schedule) {
      this.ticker = setInterval(() => this.tick(), this.opts.tickMs ?? 30_000);
      this.ticker.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.running) {
      this.running.abort.abort(new DepotError('UNAVAILABLE', 'the appliance is stopping'));
      await this.running.done;
    }
    await this.assets.stop();
  }

  // ---- scopes -------------------------------------------------------------------------------

  get maxScopeAddresses(): number {
    return this.opts.config.maxScopeAddresses;
  }

  scopes(): readonly ScopeRecord[] {
    return this.opts.store.data.discovery.scopes;
  }

  scope(id: string): ScopeRecord {
    const s = this.scopes().find((x) => x.id === id);
    if (!s) throw new DepotError('NOT_FOUND', `no scope ${id}`);
    return s;
  }

  async createScope(input: ScopeInput): Promise<ScopeRecord> {
    validateScope(input, this.maxScopeAddresses);
    const now = this.opts.ports.clock();
    const record: ScopeRecord = {
      id: newId('scope', now),
      ...input,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      lastScanAt: null,
      lastScanId: null,
    };
    await this.opts.store.update((s) => {
      s.discovery.scopes.push(record);
    });
    this.opts.log.info('scope created', {
      scopeId: record.id,
      include: record.include,
      exclude: record.exclude,
    });
    return record;
  }

  async updateScope(id: string, input: ScopeInput): Promise<void> {
    this.scope(id);
    validateScope(input, this.maxScopeAddresses);
    await this.opts.store.update((s) => {
      const target = s.discovery.scopes.find((x) => x.id === id);
      if (target) Object.assign(target, input, { updatedAt: this.opts.ports.clock().toISOString() });
    });
  }

  async deleteScope(id: string): Promise<void> {
    this.scope(id);
    await this.opts.store.update((s) => {
      s.discovery.scopes = s.discovery.scopes.filter((x) => x.id !== id);
    });
  }

  /** Directly connected subnets not yet covered by a scope: offered, never scanned unasked. */
  suggestions(): LocalSubnet[] {
    const known = new Set(this.scopes().flatMap((s) => s.include));
    return this.opts.ports.interfaces.connectedSubnets().filter((s) => !known.has(s.cidr));
  }

  // ---- scans --------------------------------------------------------------------------------

  current(): ScanRecord | undefined {
    return this.running?.record ?? this.scans.list()[0];
  }

  history(): readonly ScanRecord[] {
    return this.scans.list();
  }

  scanRecord(id: string): ScanRecord | undefined {
    return this.scans.get(id);
  }

  /** Start a scan of a saved scope in the background; resolves with its record once it is logged. */
  async startScan(scopeId: string, trigger: ScanRecord['trigger'] = 'manual'): Promise<ScanRecord> {
    const scope = this.scope(scopeId);
    if (this.running) {
      throw new DepotError(
        'CONFLICT',
        `scan ${this.running.record.id} is still running; wait for it to finish`,
      );
    }
    const addresses = expandScope(scope, this.maxScopeAddresses);
    const now = this.opts.ports.clock();
    const record: ScanRecord = {
      id: newId('scan', now),
      scopeId: scope.id,
      scopeName: scope.name,
      trigger,
      startedAt: now.toISOString(),
      finishedAt: null,
      durationMs: null,
      status: 'running',
      addresses: addresses.length,
      progress: { phase: 'icmp', done: 0, total: addresses.length, alive: 0 },
      counts: null,
      error: null,
    };
    const abort = new AbortController();
    // Claim the slot before any await so two clicks cannot start two scans.
    this.running = { record, abort, done: Promise.resolve() };
    await this.scans.put(record);
    this.running.done = this.execute(record, scope, addresses, abort.signal);
    return record;
  }

  cancelScan(): void {
    this.running?.abort.abort(new DepotError('UNAVAILABLE', 'cancelled by the administrator'));
  }

  /** Wait for the running scan (tests, CLI). */
  async idle(): Promise<void> {
    await this.running?.done;
  }

  private async execute(record: ScanRecord, scope: ScopeRecord, addresses: number[], signal: AbortSignal) {
    const log = this.opts.log.child('scan', { scanId: record.id, scopeId: scope.id });
    const t0 = performance.now();
    log.info('scan started', { addresses: addresses.length, trigger: record.trigger });
    try {
      const observations = await runScan(
        addresses,
        this.opts.ports,
        scanSettingsFrom(this.opts.config),
        (p) => {
          record.progress = p;
        },
        signal,
        (message, err) => log.warn(message, { err }),
      );
      const scanned = new Set(addresses.map(formatIpv4));
      const merged = mergeScan(this.assets, observations, scanned, record.id, this.opts.ports.clock());
      // The end of a scan is the natural write point: one durable write now, no debounce wait.
      await Promise.all([this.assets.apply(merged.changed, merged.removed), this.assets.flush()]);
      // The scan ends once its listeners are done: a table reloaded at "done" sees their work too.
      for (const listener of this.assetListeners) await listener(merged.changed);
      record.counts = merged.counts;
      record.status = 'done';
      log.info('scan finished', { ...merged.counts, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      record.status = signal.aborted ? 'cancelled' : 'failed';
      record.error = err instanceof Error ? err.message : String(err);
      log[signal.aborted ? 'info' : 'error'](`scan ${record.status}`, { err });
    } finally {
      const end = this.opts.ports.clock();
      record.finishedAt = end.toISOString();
      record.durationMs = Math.round(performance.now() - t0);
      this.running = undefined;
      await this.scans.put(record);
      await this.opts.store
        .update((s) => {
          const target = s.discovery.scopes.find((x) => x.id === scope.id);
          if (target) Object.assign(target, { lastScanAt: record.startedAt, lastScanId: record.id });
        })
        .catch((err: unknown) => log.error('could not record the scan on its scope', { err }));
    }
  }

  /** Start the first due scheduled scope, if nothing runs. */
  tick(): void {
    if (this.running) return;
    const now = this.opts.ports.clock().getTime();
    const due = this.scopes().find(
      (s) =>
        s.enabled &&
        s.everyMinutes !== null &&
        (s.lastScanAt === null || Date.parse(s.lastScanAt) + s.everyMinutes * 60_000 <= now),
    );
    if (!due) return;
    this.startScan(due.id, 'schedule').catch((err: unknown) =>
      this.opts.log.error('scheduled scan could not start', { err, scopeId: due.id }),
    );
  }

  // ---- assets -------------------------------------------------------------------------------

  /** Called with the assets a scan changed, once they are on disk (the host directory follows). */
  onAssetsChanged(listener: (changed: readonly Asset[]) => Promise<void> | void): () => void {
    this.assetListeners.add(listener);
    return () => this.assetListeners.delete(listener);
  }

  query(q: AssetQuery): AssetPage {
    return queryAssets(this.assets.all(), (id) => this.assets.haystack(id), q);
  }

  asset(id: string): Asset {
    const a = this.assets.byId(id);
    if (!a) throw new DepotError('NOT_FOUND', `no asset ${id}`);
    return a;
  }

  private vendorCache: { version: number; list: string[] } | undefined;
  vendors(): string[] {
    if (this.vendorCache?.version !== this.assets.version) {
      const set = new Set<string>();
      for (const a of this.assets.all()) if (a.vendor) set.add(a.vendor);
      this.vendorCache = { version: this.assets.version, list: [...set].sort() };
    }
    return this.vendorCache.list;
  }

  async editAsset(id: string, edit: { tags: string[]; notes: string }): Promise<Asset> {
    const a = structuredClone(this.asset(id));
    a.tags = [...new Set(edit.tags.map((t) => t.trim()).filter(Boolean))].slice(0, 32);
    a.notes = edit.notes.slice(0, 4000);
    a.events.push({
      at: this.opts.ports.clock().toISOString(),
      scanId: null,
      kind: 'edited',
      detail: 'tags/notes edited',
    });
    await this.assets.apply([a]);
    return a;
  }

  /** Clear the "new device" flag of one asset, or of all. */
  async acknowledge(id: string | 'all'): Promise<number> {
    const targets = id === 'all' ? [...this.assets.all()].filter((a) => a.isNew) : [this.asset(id)];
    const changed = targets.map((a) => ({ ...a, isNew: false }));
    if (changed.length) await this.assets.apply(changed);
    return changed.length;
  }
}
