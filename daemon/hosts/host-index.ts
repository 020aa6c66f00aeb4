/**
 * Lookups over the host records: by id, asset, MAC, address and alias. Built from the records
 * and kept in step as they change, so matching a scan of thousands of assets and every page's
 * "which host is this?" stay map lookups.
 */
import type { HostRecord } from './host-record.js';

const keysOf = (h: HostRecord): Array<[map: 'asset' | 'mac' | 'alias', key: string]> => [
  ...(h.assetId ? [['asset', h.assetId] as ['asset', string]] : []),
  ...(h.mac ? [['mac', h.mac] as ['mac', string]] : []),
  ...h.aliases.map((a) => ['alias', a] as ['alias', string]),
];

export class HostIndex {
  private readonly byIdMap = new Map<string, HostRecord>();
  private readonly unique = {
    asset: new Map<string, string>(),
    mac: new Map<string, string>(),
    alias: new Map<string, string>(),
  };
  private readonly byAddressMap = new Map<string, Set<string>>();
  private readonly indexed = new Map<string, { keys: ReturnType<typeof keysOf>; address: string | null }>();

  constructor(hosts: Iterable<HostRecord> = []) {
    for (const h of hosts) this.put(h);
  }

  /** Add a record, or re-index one whose asset, MAC, address or aliases changed. */
  put(h: HostRecord): void {
    this.drop(h.id);
    this.byIdMap.set(h.id, h);
    const keys = keysOf(h);
    for (const [map, key] of keys) this.unique[map].set(key, h.id);
    if (h.address) {
      const ids = this.byAddressMap.get(h.address) ?? new Set<string>();
      ids.add(h.id);
      this.byAddressMap.set(h.address, ids);
    }
    this.indexed.set(h.id, { keys, address: h.address });
  }

  private drop(id: string): void {
    const old = this.indexed.get(id);
    if (!old) return;
    for (const [map, key] of old.keys) if (this.unique[map].get(key) === id) this.unique[map].delete(key);
    if (old.address) this.byAddressMap.get(old.address)?.delete(id);
    this.indexed.delete(id);
    this.byIdMap.delete(id);
  }

  get(id: string): HostRecord | undefined {
    return this.byIdMap.get(id);
  }

  all(): IterableIterator<HostRecord> {
    return this.byIdMap.values();
  }

  get size(): number {
    return this.byIdMap.size;
  }

  private via(map: 'asset' | 'mac' | 'alias', key: string): HostRecord | undefined {
    const id = this.unique[map].get(key);
    return id === undefined ? undefined : this.byIdMap.get(id);
  }

  byAsset(assetId: string): HostRecord | undefined {
    return this.via('asset', assetId);
  }

  byMac(mac: string): HostRecord | undefined {
    return this.via('mac', mac.toLowerCase());
  }

  byAlias(alias: string): HostRecord | undefined {
    return this.via('alias', alias);
  }

  /** Every host whose current address this is; the one seen on the LAN (with a MAC) first. */
  atAddress(address: string): HostRecord[] {
    return [...(this.byAddressMap.get(address) ?? [])]
      .map((id) => this.byIdMap.get(id)!)
      .sort(
        (a, b) => Number(b.mac !== null) - Number(a.mac !== null) || a.createdAt.localeCompare(b.createdAt),
      );
  }
}
