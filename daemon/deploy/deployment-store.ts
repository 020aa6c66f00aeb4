/**
 * Deployment records on disk: one JSON file per deployment (`<dataDir>/deploy/deployments`),
 * all in memory while the daemon runs. Writes go through the atomic writer, serialised and
 * coalesced per record; unlike job records, a failed write rejects, because the runner must not
 * start an install whose intent it could not make durable.
 */
import type { Logger } from '../log.js';
import { CoalescedWrites } from '../store/coalesced-writes.js';
import { RecordDir } from '../store/record-dir.js';
import { shareStringsInPieces } from '../store/shared-strings.js';
import { type Breaker, type Deployment, deploymentSchema } from './deployment.js';

/** States a deployment does not leave by itself: its record stops changing. */
const FINISHED: ReadonlySet<Deployment['state']> = new Set(['completed', 'cancelled']);

export class DeploymentStore {
  private readonly records: RecordDir<Deployment>;
  private readonly deployments = new Map<string, Deployment>();
  private readonly writes = new CoalescedWrites(async (id) => {
    const d = this.deployments.get(id);
    if (!d) return;
    await this.records.put(id, d);
    if (FINISHED.has(d.state)) this.shareStrings(d);
  });
  /** Records whose repeated strings are shared already (see shared-strings.ts). */
  private readonly shared = new WeakSet<Deployment>();
  private sharing: Promise<void> = Promise.resolve();

  /**
   * @param shareStrings share the repeated strings of the records in memory (the daemon, which
   * holds them for days; a CLI command reads and exits).
   */
  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly opts: { shareStrings?: boolean } = {},
  ) {
    this.records = new RecordDir(dir, (v) => deploymentSchema.parse(v), 0o640);
  }

  /** Read every record; a damaged one is logged and left out, the rest load. */
  async load(): Promise<Deployment[]> {
    await this.records.start();
    this.deployments.clear();
    for (const id of await this.records.ids()) {
      try {
        const d = await this.records.get(id);
        if (d?.id === id) this.deployments.set(id, d);
      } catch (err) {
        this.log.warn('deployment record unreadable; skipped', { deploymentId: id, err });
      }
    }
    for (const d of this.deployments.values()) this.shareStrings(d);
    return this.all();
  }

  /**
   * Share the repeated strings of a record read from disk or just finished (every host's commands,
   * versions and apt output), in the background, one record after another. Only the copies in
   * memory change, never a value: writes and readers see the same record.
   */
  private shareStrings(d: Deployment): void {
    if (!this.opts.shareStrings || this.shared.has(d)) return;
    this.shared.add(d);
    this.sharing = this.sharing
      .then(async () => {
        const replaced = await shareStringsInPieces(d, 'hosts');
        this.log.debug('deployment strings shared', { deploymentId: d.id, replaced });
      })
      .catch((err: unknown) => this.log.warn('could not share the strings of a deployment', { err }));
  }

  /** The background sharing of strings has caught up (tests). */
  stringsShared(): Promise<void> {
    return this.sharing;
  }

  /** Oldest first. */
  all(): Deployment[] {
    return [...this.deployments.values()].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  get(id: string): Deployment | undefined {
    return this.deployments.get(id);
  }

  add(d: Deployment): Promise<void> {
    this.deployments.set(d.id, d);
    return this.save(d);
  }

  /** Resolves once a write holding the record's current state is durable; rejects if it failed. */
  save(d: Deployment): Promise<void> {
    return this.writes.save(d.id);
  }

  settled(): Promise<void> {
    return this.writes.settled();
  }

  /** Update keys halted by any deployment: their promotion stops everywhere. */
  haltedUpdates(): Set<string> {
    return new Set(this.all().flatMap((d) => d.haltedUpdates));
  }

  /** The open (not reset) breaker for this update on this host, in any deployment. */
  openBreaker(hostId: string, update: string): Breaker | undefined {
    for (const d of this.all()) {
      const b = d.breakers.find((x) => x.hostId === hostId && x.update === update && !x.resetAt);
      if (b) return b;
    }
    return undefined;
  }

  /** Every open breaker on a host, with its deployment. */
  openBreakers(hostId?: string): Array<{ deploymentId: string; breaker: Breaker }> {
    return this.all().flatMap((d) =>
      d.breakers
        .filter((b) => !b.resetAt && (hostId === undefined || b.hostId === hostId))
        .map((breaker) => ({ deploymentId: d.id, breaker })),
    );
  }
}
