/**
 * Data directories from before the host directory filed a machine's inventory, attempts, SSH
 * credentials and pin under whatever id it was given: its address (the default) or the "asset
 * id" a technician typed. Each such id is matched to a host (its asset, an alias, the address
 * of the credentials or the id itself when it is an address), or a host is made for it, and
 * kept as an alias so old links still resolve. Pure: the directory persists what this changes.
 */
import { isIP } from 'node:net';
import type { HostIndex } from './host-index.js';
import { addAlias, addEvent, type HostRecord, isHostId, newHost, newHostId } from './host-record.js';

export interface LegacyId {
  id: string;
  /** The address its SSH credentials point at, when it has credentials. */
  address?: string | undefined;
}

const find = (index: HostIndex, legacy: LegacyId): HostRecord | undefined =>
  index.get(legacy.id) ??
  index.byAsset(legacy.id) ??
  index.byAlias(legacy.id) ??
  (legacy.address ? index.atAddress(legacy.address)[0] : undefined) ??
  (isIP(legacy.id) ? index.atAddress(legacy.id)[0] : undefined);

/** Map each old id to its host (adding hosts and aliases to `hosts`); host ids map to themselves. */
export const adoptLegacyIds = (
  hosts: HostRecord[],
  index: HostIndex,
  legacy: readonly LegacyId[],
  now: Date,
  makeId: () => string = newHostId,
): Map<string, string> => {
  const mapping = new Map<string, string>();
  for (const entry of legacy) {
    let host = find(index, entry);
    if (!host) {
      const address = entry.address ?? (isIP(entry.id) ? entry.id : null);
      // A host-id file whose record was lost keeps its id; any other name gets a new one.
      const id = isHostId(entry.id) ? entry.id : makeId();
      host = newHost(
        { mac: null, assetId: null, address },
        now,
        `adopted from data filed as ${entry.id}`,
        id,
      );
      hosts.push(host);
    } else if (host.id !== entry.id && !host.aliases.includes(entry.id) && host.assetId !== entry.id) {
      addEvent(host, { at: now.toISOString(), kind: 'adopted', detail: `data filed as ${entry.id} joined` });
    }
    addAlias(host, entry.id);
    index.put(host);
    mapping.set(entry.id, host.id);
  }
  return mapping;
};
