/**
 * The host directory: every machine the appliance knows, one record each, in ONE small JSON
 * document (`<dataDir>/hosts/directory.json`, validated on read, replaced atomically on write,
 * changes queued one after another). Per-host data (inventories, attempts) stays in its own files,
 * filed under the host id. Lookups answer from memory; every change goes through the file first,
 * so what the UI shows is what a restart finds.
 */

import { isIP } from 'node:net';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import { JsonDocument } from '../store/json-document.js';
import { HostIndex } from './host-index.js';
import { directorySchema, type HostRecord, newHost } from './host-record.js';
import { adoptLegacyIds, type LegacyId } from './legacy.js';
import { foldAssets, type Move, type SeenAsset } from './match.js';

export class HostDirectory {
  private index = new HostIndex();
  /** Bumped on every change (pages keep lists ordered by the names hosts give until it moves). */
  version = 0;
  private readonly doc: JsonDocument<typeof directorySchema>;

  constructor(
    readonly file: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.doc = new JsonDocument(file, directorySchema, () => ({ version: 1 as const, hosts: [] }), 0o640);
  }

  async start(): Promise<void> {
    this.index = new HostIndex((await this.doc.read()).hosts);
  }

  // ---- queries (records are the directory's own: treat as read-only) ---------------------------

  get(id: string): HostRecord | undefined {
    return this.index.get(id);
  }

  list(): HostRecord[] {
    return [...this.index.all()];
  }

  get size(): number {
    return this.index.size;
  }

  byAsset(assetId: string): HostRecord | undefined {
    return this.index.byAsset(assetId);
  }

  byMac(mac: string): HostRecord | undefined {
    return this.index.byMac(mac);
  }

  /** The machine answering at this address now (the one seen on the LAN when two claim it). */
  byAddress(address: string): HostRecord | undefined {
    return this.index.atAddress(address)[0];
  }

  /**
   * Whatever a link or a form names: a host id, an asset id, an old id, an address, a MAC, or the
   * name the machine reports (pages call it that; only when one machine alone reports it).
   */
  resolve(ref: string): HostRecord | undefined {
    const r = ref.trim();
    return (
      this.index.get(r) ??
      this.index.byAsset(r) ??
      this.index.byAlias(r) ??
      this.byAddress(r) ??
      this.byAddress(r.toLowerCase()) ??
      (/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(r) ? this.index.byMac(r.replaceAll('-', ':')) : undefined) ??
      this.byHostname(r)
    );
  }

  /** The one machine reporting this name (any case); none when two do (cloned machines). */
  private byHostname(name: string): HostRecord | undefined {
    const wanted = name.toLowerCase();
    let found: HostRecord | undefined;
    for (const h of this.index.all()) {
      if (h.hostname?.toLowerCase() !== wanted) continue;
      if (found) return undefined;
      found = h;
    }
    return found;
  }

  // ---- changes ---------------------------------------------------------------------------------

  private async change<R>(fn: (hosts: HostRecord[], index: HostIndex) => R): Promise<R> {
    const { result, index } = await this.doc.update((doc) => {
      const fresh = new HostIndex(doc.hosts);
      return { result: fn(doc.hosts, fresh), index: fresh };
    });
    this.index = index;
    this.version++;
    return result;
  }

  /** Fold what a scan saw into the machines; returns the machines that changed address. */
  fold(assets: Iterable<SeenAsset>): Promise<Move[]> {
    const list = [...assets];
    if (list.length === 0) return Promise.resolve([]);
    return this.change((hosts, index) => foldAssets(hosts, index, list, dateOf(this.clock)));
  }

  /** The machine at `address`, made now when none is known there (SSH access given by address). */
  async forAddress(given: string): Promise<HostRecord> {
    // Host names are matched as a scan reports them: lower case.
    const address = isIP(given) ? given : given.toLowerCase();
    const known = this.byAddress(address) ?? this.index.byAlias(address);
    if (known) return known;
    return this.change((hosts, index) => {
      const raced = index.atAddress(address)[0];
      if (raced) return raced;
      const host = newHost(
        { mac: null, assetId: null, address },
        dateOf(this.clock),
        `added by address ${address}`,
      );
      hosts.push(host);
      index.put(host);
      return host;
    });
  }

  /** Note the name the machine reported at its last inventory (no write when it is the same). */
  async setHostname(id: string, hostname: string | undefined): Promise<void> {
    if (this.get(id)?.hostname === hostname) return;
    await this.change((_hosts, index) => {
      const host = index.get(id);
      if (!host) return;
      if (hostname === undefined) delete host.hostname;
      else host.hostname = hostname;
      index.put(host);
    });
  }

  /** Give every old id a host (see legacy.ts); returns old id -> host id. */
  adopt(legacy: readonly LegacyId[]): Promise<Map<string, string>> {
    if (legacy.length === 0) return Promise.resolve(new Map());
    return this.change((hosts, index) => adoptLegacyIds(hosts, index, legacy, dateOf(this.clock)));
  }
}
