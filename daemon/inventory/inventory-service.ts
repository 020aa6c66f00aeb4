/**
 * The inventory service: who to log in to (credentials), how (the appliance key, pinned host
 * keys), and the collections themselves, one host or many at once with a bounded number of SSH
 * sessions. Each host's last good inventory and its last attempt live in their own files, so one
 * host failing, or the appliance being killed mid-run, never costs another host's data.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { CredentialStore, type HostCredential, type HostCredentialView } from '../remote/credentials.js';
import { ApplianceKeyStore } from '../remote/keys.js';
import { algorithmsForKeyType, hostPortKey, type KnownHostEntry, KnownHosts } from '../remote/known-hosts.js';
import type { RemoteRunner, RemoteSession } from '../remote/ports.js';
import { asRemoteError, RemoteError, type RemoteFailure } from '../remote/remote-error.js';
import { RecordDir } from '../store/record-dir.js';
import { collectInventory, type InventoryParsers } from './collector.js';
import { followTarget, rekeyTarget, targetIds } from './target-identity.js';
import { type HostInventory, hostInventorySchema } from './types.js';

export interface InventoryServiceOptions {
  /** Root for keys, pins, credentials and per-host files (`<dataDir>/inventory`). */
  dir: string;
  runner: RemoteRunner;
  parsers: InventoryParsers;
  log: Logger;
  concurrency: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** A host with more installed packages is refused (`inventory.maxPackages`). */
  maxPackages: number;
  dpkgAdminDir?: string | undefined;
  /** Collect every host this often while running; 0 or absent = only on request. */
  scheduleMs?: number | undefined;
  clock?: () => Date;
}

const attemptSchema = z
  .object({
    hostId: z.string(),
    runId: z.string(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    ok: z.boolean(),
    failure: z.string().optional(),
    error: z.string().optional(),
    packages: z.number().int().optional(),
    /** Where the host was reached: with the pinned key, the witness that a moved host is still itself. */
    address: z.string().optional(),
  })
  .strict();
/** The last collection attempt of a host, kept apart from its last good inventory. */
export type CollectionAttempt = z.infer<typeof attemptSchema>;

export type HostRunState = 'queued' | 'running' | 'ok' | 'failed';
export interface CollectionRun {
  id: string;
  startedAt: string;
  finishedAt?: string;
  hosts: Map<string, { state: HostRunState; error?: string; packages?: number }>;
}

export interface HostOverview {
  credential: HostCredentialView;
  hostKey: KnownHostEntry | undefined;
  attempt: CollectionAttempt | undefined;
}

export interface CollectOptions {
  runId?: string;
  /** Replace a pinned host key if the host now presents exactly this fingerprint. */
  acceptHostKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

const MAX_RUNS_KEPT = 20;
export const newRunId = (): string => `inv-${randomBytes(4).toString('hex')}`;

export class InventoryService {
  readonly name = 'inventory';
  readonly keys: ApplianceKeyStore;
  readonly knownHosts: KnownHosts;
  readonly credentials: CredentialStore;
  readonly inventories: RecordDir<HostInventory>;
  readonly attempts: RecordDir<CollectionAttempt>;
  private readonly runs = new Map<string, CollectionRun>();
  private readonly clock: () => Date;
  private abort = new AbortController();
  private readonly active = new Set<Promise<unknown>>();
  private readonly inFlight = new Map<string, Promise<HostInventory>>();
  private readonly collectedListeners = new Set<(hostId: string) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** When the next scheduled collection starts (undefined: no schedule). */
  nextScheduledAt: Date | undefined;

  constructor(private readonly opts: InventoryServiceOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.keys = new ApplianceKeyStore(join(opts.dir, 'ssh'), opts.log);
    this.knownHosts = new KnownHosts(join(opts.dir, 'known-hosts.json'), opts.log, this.clock);
    this.credentials = new CredentialStore(join(opts.dir, 'credentials.json'), this.clock);
    this.inventories = new RecordDir(join(opts.dir, 'hosts'), (v) => hostInventorySchema.parse(v));
    this.attempts = new RecordDir(join(opts.dir, 'attempts'), (v) => attemptSchema.parse(v));
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    await this.inventories.start();
    await this.attempts.start();
    // Pins used to be keyed by address:port; they follow their host's id now.
    const creds = await this.credentials.list();
    await this.knownHosts.adopt(creds.map((c) => [hostPortKey(c.address, c.port), c.hostId] as const));
    this.schedule();
  }

  /** Called after every successful collection (assessment refreshes, the host page shows it). */
  onCollected(listener: (hostId: string) => void): () => void {
    this.collectedListeners.add(listener);
    return () => this.collectedListeners.delete(listener);
  }

  private schedule(): void {
    const every = this.opts.scheduleMs ?? 0;
    if (every <= 0) return;
    this.nextScheduledAt = new Date(this.clock().getTime() + every);
    this.timer = setTimeout(() => {
      // A run still going (a slow site, or one a technician started) is not doubled.
      const busy = this.activeRun() !== undefined;
      const started = busy ? Promise.resolve() : this.startRun().then(() => undefined);
      started
        .catch((err: unknown) => this.opts.log.error('scheduled inventory run failed to start', { err }))
        .finally(() => {
          if (!this.abort.signal.aborted) this.schedule();
        });
    }, every);
    // The schedule alone must not keep a CLI process alive.
    this.timer.unref();
  }

  /** Cancel running collections (their hosts are recorded as failed with "cancelled"). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.nextScheduledAt = undefined;
    this.abort.abort();
    await Promise.allSettled([...this.active]);
  }

  /**
   * Collect one host with explicit credentials (stored or given on the command line), save its
   * inventory and the attempt. Throws a RemoteError when the host could not be collected.
   */
  collect(cred: HostCredential, opts: CollectOptions = {}): Promise<HostInventory> {
    // A second request for a host being collected (a double click, a schedule overlapping a
    // manual run) shares the first one's result instead of opening another session.
    const running = this.inFlight.get(cred.hostId);
    if (running && opts.acceptHostKey === undefined) return running;
    const work = this.collectNow(cred, opts).finally(() => {
      if (this.inFlight.get(cred.hostId) === work) this.inFlight.delete(cred.hostId);
    });
    this.inFlight.set(cred.hostId, work);
    return work;
  }

  private async collectNow(cred: HostCredential, opts: CollectOptions): Promise<HostInventory> {
    const runId = opts.runId ?? newRunId();
    const startedAt = this.clock().toISOString();
    const log = this.opts.log.child('collect', { host: cred.hostId, runId });
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
    const t0 = performance.now();
    try {
      const session = await this.openSession(cred, opts.acceptHostKey, signal);
      let inventory: HostInventory;
      try {
        inventory = await collectInventory(session, cred.hostId, this.opts.parsers, {
          commandTimeoutMs: this.opts.commandTimeoutMs,
          maxOutputBytes: this.opts.maxOutputBytes,
          maxPackages: this.opts.maxPackages,
          signal,
          dpkgAdminDir: this.opts.dpkgAdminDir,
          clock: this.clock,
        });
      } finally {
        session.close();
      }
      await this.inventories.put(cred.hostId, inventory);
      await this.recordAttempt({
        hostId: cred.hostId,
        runId,
        startedAt,
        ok: true,
        packages: inventory.packages.length,
        address: cred.address,
      });
      for (const listener of this.collectedListeners) {
        try {
          listener(cred.hostId);
        } catch (err) {
          log.error('a collection listener failed', { err });
        }
      }
      log.info('inventory collected', {
        packages: inventory.packages.length,
        os: inventory.os.id,
        ms: Math.round(performance.now() - t0),
      });
      return inventory;
    } catch (err) {
      const failure = asRemoteError(err);
      log.warn('inventory failed', { failure: failure.kind, err: failure });
      await this.recordAttempt({
        hostId: cred.hostId,
        runId,
        startedAt,
        ok: false,
        failure: failure.kind,
        error: failure.message,
        address: cred.address,
      }).catch((writeErr: unknown) => log.error('cannot record the failed attempt', { err: writeErr }));
      throw failure;
    }
  }

  /**
   * Log in to a host, its key checked against the pin filed under its host id (wherever the host
   * answers now) before any credential is sent.
   */
  private async openSession(
    cred: HostCredential,
    acceptHostKey: string | undefined,
    signal: AbortSignal,
  ): Promise<RemoteSession> {
    const key = await this.keys.get();
    const pinned = await this.knownHosts.get(cred.hostId);
    const label = hostPortKey(cred.address, cred.port);
    const connect = (restrict: boolean) =>
      this.opts.runner.connect(
        {
          host: cred.address,
          port: cred.port,
          username: cred.username,
          privateKey: key.privateKey,
          password: cred.password,
          verifyHostKey: async (hostKey) => {
            await this.knownHosts.verify(cred.hostId, hostKey, { acceptFingerprint: acceptHostKey, label });
          },
          hostKeyAlgorithms: restrict && pinned ? algorithmsForKeyType(pinned.pinned.type) : undefined,
        },
        { timeoutMs: this.opts.connectTimeoutMs, signal },
      );
    // With a pin, ask only for the pinned key's type so negotiation stays stable. A host that
    // no longer has that type gets a second, unrestricted try: its new key then meets the pin
    // check and fails loudly with both fingerprints instead of "no matching host key".
    const restrict = pinned !== undefined && acceptHostKey === undefined;
    return connect(restrict).catch((err: unknown) => {
      if (restrict && err instanceof RemoteError && err.kind === 'connect' && /host key/i.test(err.message)) {
        return connect(false);
      }
      throw err;
    });
  }

  private async recordAttempt(a: Omit<CollectionAttempt, 'finishedAt'>): Promise<void> {
    await this.attempts.put(a.hostId, { ...a, finishedAt: this.clock().toISOString() });
  }

  /** Collect hosts with stored credentials in the background; returns the run to follow. */
  startRun(hostIds?: string[], opts: Pick<CollectOptions, 'acceptHostKey'> = {}): Promise<CollectionRun> {
    return this.credentials.list().then((all) => {
      const wanted = hostIds ? all.filter((c) => hostIds.includes(c.hostId)) : all;
      const run: CollectionRun = {
        id: newRunId(),
        startedAt: this.clock().toISOString(),
        hosts: new Map(wanted.map((c) => [c.hostId, { state: 'queued' as const }])),
      };
      this.runs.set(run.id, run);
      for (const old of [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - MAX_RUNS_KEPT))) {
        this.runs.delete(old);
      }
      const work = this.execute(run, opts).catch((err: unknown) =>
        this.opts.log.error('inventory run failed', { runId: run.id, err }),
      );
      this.active.add(work);
      void work.finally(() => this.active.delete(work));
      return run;
    });
  }

  getRun(id: string): CollectionRun | undefined {
    return this.runs.get(id);
  }

  /** The newest run that is still going, to show its progress when the page is opened. */
  activeRun(): CollectionRun | undefined {
    return [...this.runs.values()].reverse().find((r) => r.finishedAt === undefined);
  }

  /** Every host with credentials, its key pin and its last attempt: what the UI lists. */
  async overview(): Promise<HostOverview[]> {
    const [creds, pins] = await Promise.all([this.credentials.list(), this.knownHosts.all()]);
    return Promise.all(
      creds.map(async (credential) => ({
        credential,
        hostKey: pins[credential.hostId],
        attempt: await this.attempts.get(credential.hostId).catch(() => undefined),
      })),
    );
  }

  private async execute(run: CollectionRun, opts: Pick<CollectOptions, 'acceptHostKey'>): Promise<void> {
    const queue = [...run.hosts.keys()];
    const log = this.opts.log.child('run', { runId: run.id });
    log.info('inventory run started', { hosts: queue.length });
    const worker = async (): Promise<void> => {
      for (let hostId = queue.shift(); hostId !== undefined; hostId = queue.shift()) {
        const slot = run.hosts.get(hostId)!;
        if (this.abort.signal.aborted) {
          Object.assign(slot, { state: 'failed', error: 'cancelled: the appliance is stopping' });
          continue;
        }
        slot.state = 'running';
        try {
          const cred = await this.credentials.get(hostId);
          if (!cred) throw new Error('credentials were removed while the run was queued');
          const inv = await this.collect(cred, { runId: run.id, acceptHostKey: opts.acceptHostKey });
          Object.assign(slot, { state: 'ok', packages: inv.packages.length });
        } catch (err) {
          // One host's failure is that host's status, never the run's end.
          Object.assign(slot, { state: 'failed', error: asRemoteError(err).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
    run.finishedAt = this.clock().toISOString();
    const failed = [...run.hosts.values()].filter((h) => h.state === 'failed').length;
    log.info('inventory run finished', { hosts: run.hosts.size, failed });
  }

  /** Accept the changed key a host presented (after checking its fingerprint on the console). */
  async acceptHostKey(hostId: string, fingerprint: string): Promise<void> {
    const cred = await this.credentials.get(hostId);
    if (!cred) throw new DepotError('NOT_FOUND', `no credentials stored for ${hostId}`);
    await this.knownHosts.acceptRejected(cred.hostId, fingerprint);
  }

  /** Ids with a target, an inventory or an attempt on file (the host directory adopts old ones). */
  targetIds(): Promise<string[]> {
    return targetIds(this);
  }

  /** File everything known about a host under a new id. */
  rekeyHost(from: string, to: string): Promise<void> {
    return rekeyTarget(this, from, to);
  }

  /** Point a host's target at its new address when it pointed at the old one (DHCP moved it). */
  followHost(hostId: string, from: string, to: string): Promise<boolean> {
    return followTarget(this.credentials, hostId, from, to);
  }

  /** Remove a host's credentials and its key pin; its collected inventory stays for assessment. */
  async removeHost(hostId: string): Promise<void> {
    const old = await this.credentials.delete(hostId);
    if (old) await this.knownHosts.forget(old.hostId);
  }
}

export type { RemoteFailure };
