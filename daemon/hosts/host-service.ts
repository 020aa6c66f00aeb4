/**
 * The host directory as a daemon service: one id per machine, kept in step with discovery (a scan
 * that finds a machine at a new address moves it, and its SSH target follows), old data
 * directories adopted at start, SSH access given to a machine by id or by address, and the
 * joined view the host page renders. Constructor stores dependencies; start() loads, folds the
 * current assets and adopts old ids; stop() waits for folds in progress.
 */
import { join } from 'node:path';
import type { Asset } from '../discovery/asset.js';
import { displayName } from '../discovery/asset-query.js';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { type CredentialInput, validateCredential } from '../remote/credentials.js';
import { HostDirectory } from './host-directory.js';
import type { HostRecord } from './host-record.js';
import { type HostPaging, type HostView, hostView } from './host-view.js';
import { type Manageability, sshManageable } from './manageable.js';
import type { Move, SeenAsset } from './match.js';
import type { AssetSource, HostFindings, TargetStore } from './ports.js';

export interface HostServiceOptions {
  /** `<dataDir>/hosts`. */
  dir: string;
  assets?: AssetSource | undefined;
  targets?: TargetStore | undefined;
  findings?: HostFindings | undefined;
  log: Logger;
  clock?: Clock;
}

/** SSH access for a machine: `host` names a known one; otherwise the address picks or makes it. */
export type ManageInput = Omit<CredentialInput, 'hostId' | 'address'> & {
  host?: string | undefined;
  address?: string | undefined;
};

const seen = (a: Asset): SeenAsset => ({ id: a.id, mac: a.mac, ip: a.ip, names: a.hostnames });

export class HostService {
  readonly name = 'hosts';
  readonly directory: HostDirectory;
  private pending: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private unsubscribeCollected: (() => void) | undefined;

  constructor(private readonly opts: HostServiceOptions) {
    this.directory = new HostDirectory(join(opts.dir, 'directory.json'), opts.clock);
  }

  async start(): Promise<void> {
    await this.directory.start();
    const assets = this.opts.assets;
    if (assets) {
      await this.observe([...assets.all()]);
      this.unsubscribe = assets.onAssetsChanged((changed) => {
        this.pending = this.pending
          .then(async () => {
            await this.observe(changed);
          })
          .catch((err: unknown) => this.opts.log.error('host directory could not follow a scan', { err }));
        return this.pending;
      });
    }
    this.unsubscribeCollected = this.opts.findings?.onCollected?.((id, inventory) => {
      this.pending = this.pending
        .then(() => this.directory.setHostname(id, inventory.hostname))
        .catch((err: unknown) => this.opts.log.error('could not note the name a machine reported', { err }));
    });
    await this.adoptLegacyIds();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unsubscribeCollected?.();
    this.unsubscribeCollected = undefined;
    await this.pending;
  }

  /** Resolves once every scan reported so far is folded into the directory. */
  settled(): Promise<void> {
    return this.pending;
  }

  // ---- queries ---------------------------------------------------------------------------------

  get(id: string): HostRecord | undefined {
    return this.directory.get(id);
  }

  list(): HostRecord[] {
    return this.directory.list();
  }

  /** How many machines the directory holds (without copying the list). */
  count(): number {
    return this.directory.size;
  }

  /** Machines no scan has reported: added by address for SSH access, or their asset was forgotten. */
  unscanned(hasAsset: (assetId: string) => boolean): HostRecord[] {
    return this.directory.list().filter((h) => !h.assetId || !hasAsset(h.assetId));
  }

  byAddress(address: string): HostRecord | undefined {
    return this.directory.byAddress(address);
  }

  byMac(mac: string): HostRecord | undefined {
    return this.directory.byMac(mac);
  }

  byAsset(assetId: string): HostRecord | undefined {
    return this.directory.byAsset(assetId);
  }

  /** A host id, asset id, old id, address or MAC; an asset no scan has reported yet is folded now. */
  async resolve(ref: string): Promise<HostRecord | undefined> {
    const found = this.directory.resolve(ref);
    if (found) return found;
    const asset = this.opts.assets?.byId(ref);
    if (!asset) return undefined;
    await this.observe([asset]);
    return this.directory.byAsset(asset.id);
  }

  /**
   * How pages name a machine: a name the network gives it (DNS, then mDNS: what others reach it
   * by), else the name it reports itself at inventory (`uname -n`: true, but not resolvable on
   * the LAN), else a service it advertises, else its address, else its id.
   */
  label(id: string): string {
    const host = this.directory.get(id);
    if (!host) return id;
    const asset = host.assetId ? this.opts.assets?.byId(host.assetId) : undefined;
    return (
      (asset ? displayName(asset, host.hostname) : host.hostname) ||
      host.address ||
      host.aliases[0] ||
      host.id
    );
  }

  /**
   * Changes whenever a label may have (a machine renamed, moved or newly named): what a page
   * derives from labels, such as hosts sorted by them, is kept while this stays the same.
   */
  labelsVersion(): string {
    return `${this.directory.version}.${this.opts.assets?.version() ?? 0}`;
  }

  /** Whether the machine is one to patch over SSH, from what discovery saw of it. */
  manageability(id: string): Manageability {
    const host = this.directory.get(id);
    return sshManageable(host?.assetId ? this.opts.assets?.byId(host.assetId) : undefined);
  }

  async view(id: string, paging: HostPaging): Promise<HostView> {
    const host = this.directory.get(id);
    if (!host) throw new DepotError('NOT_FOUND', `no machine ${id}`);
    const [target, inventory, assessment] = await Promise.all([
      this.opts.targets?.overview(id),
      this.opts.findings?.inventory(id),
      this.opts.findings?.assessment(id),
    ]);
    const asset = host.assetId ? this.opts.assets?.byId(host.assetId) : undefined;
    return hostView({ host, name: this.label(id), asset, target, inventory, assessment }, paging);
  }

  // ---- changes ---------------------------------------------------------------------------------

  /** Fold assets into the directory; SSH targets follow machines that moved. */
  async observe(assets: readonly Asset[]): Promise<Move[]> {
    const moves = await this.directory.fold(assets.map(seen));
    for (const move of moves) {
      const followed = (await this.opts.targets?.followHost(move.hostId, move.from, move.to)) ?? false;
      this.opts.log.info('machine moved', {
        host: move.hostId,
        from: move.from,
        to: move.to,
        targetFollowed: followed,
      });
    }
    return moves;
  }

  /**
   * Give a machine SSH access and return it. A named machine must exist; an address picks the
   * machine answering there, or makes one, so the same machine never gets a second row.
   */
  async manage(input: ManageInput): Promise<HostRecord> {
    const targets = this.opts.targets;
    if (!targets)
      throw new DepotError('UNAVAILABLE', 'SSH access cannot be stored: inventory is not running');
    const named = input.host?.trim();
    const host = named ? await this.resolve(named) : undefined;
    if (named && !host) {
      throw new DepotError(
        'BAD_INPUT',
        `host: no known machine ${JSON.stringify(named.slice(0, 80))}; leave it empty to use the address`,
      );
    }
    const address = input.address?.trim() || host?.address || '';
    // Check every field before a machine is made for the address: a typo must not leave a row.
    validateCredential(
      { ...input, hostId: host?.id ?? 'h-0000000000', address },
      dateOf(this.opts.clock ?? systemClock),
    );
    const machine = host ?? (await this.directory.forAddress(address));
    await targets.save({ ...input, hostId: machine.id, address });
    this.opts.log.info('SSH access saved', { host: machine.id, address, username: input.username });
    return machine;
  }

  /** Adopt ids from before the directory: every file lands under its machine's host id. */
  private async adoptLegacyIds(): Promise<void> {
    const targets = this.opts.targets;
    if (!targets) return;
    const old = (await targets.targetIds()).filter((id) => !this.directory.get(id));
    if (old.length === 0) return;
    const legacy = await Promise.all(
      old.map(async (id) => ({ id, address: (await targets.overview(id))?.credential.address })),
    );
    const mapping = await this.directory.adopt(legacy);
    for (const [from, to] of mapping) {
      if (from === to) continue;
      try {
        await targets.rekeyHost(from, to);
      } catch (err) {
        // One unreadable old file costs that host its history, never the others'.
        this.opts.log.error('could not file old host data under its machine', { from, to, err });
      }
    }
    this.opts.log.info('old host ids adopted by the host directory', { count: mapping.size });
  }
}
