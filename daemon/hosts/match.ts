/**
 * Folding discovered assets into the host records: which machine is this asset? By its asset
 * id, then by MAC (so a machine DHCP moved is still the same machine), then by address for a
 * machine known only by its address so far (SSH access given before any scan). A machine that
 * changed address is reported as a move, so its SSH target can follow it. Pure: the directory
 * persists the records this changes.
 */
import { isIP } from 'node:net';
import { assetIdFor } from '../discovery/asset.js';
import type { HostIndex } from './host-index.js';
import { addAlias, addEvent, type HostRecord, newHost, newHostId } from './host-record.js';

/** What the directory needs of a discovered asset. */
export interface SeenAsset {
  id: string;
  mac: string | null;
  ip: string;
  /** Names the scan saw for it (mDNS, reverse DNS): SSH access given by host name finds it. */
  names?: readonly string[] | undefined;
}

export interface Move {
  hostId: string;
  from: string;
  to: string;
}

interface Claim {
  host: HostRecord;
  /** False: the asset is only another name for a machine already linked to its MAC asset. */
  link: boolean;
}

const claim = (index: HostIndex, a: SeenAsset): Claim | undefined => {
  const linked = index.byAsset(a.id) ?? (a.mac ? index.byMac(a.mac) : undefined);
  if (linked) return { host: linked, link: true };
  const here = index.atAddress(a.ip);
  const unlinked = here.find(
    (h) => h.mac === null && (h.assetId === null || h.assetId === assetIdFor(null, a.ip)),
  );
  if (unlinked) return { host: unlinked, link: true };
  for (const name of a.names ?? []) {
    const named = index.atAddress(name.toLowerCase()).find((h) => h.mac === null && h.assetId === null);
    if (named) return { host: named, link: true };
  }
  // Seen without its MAC (ARP raced, or routed) where a known machine lives: the same machine.
  const known = a.mac ? undefined : here.find((h) => h.mac !== null);
  return known ? { host: known, link: false } : undefined;
};

const link = (host: HostRecord, a: SeenAsset, at: string, moves: Move[]): void => {
  if (a.mac && host.mac === null) {
    host.mac = a.mac;
    addEvent(host, { at, kind: 'linked', detail: `MAC ${a.mac} seen at ${a.ip}` });
  }
  if (host.assetId !== a.id) {
    const old = host.assetId;
    host.assetId = a.id;
    host.aliases = host.aliases.filter((x) => x !== a.id);
    if (old) addAlias(host, old);
  }
  if (host.address !== a.ip) {
    // Known by a host name until now: the name stays an alias (and its SSH access keeps using it).
    if (host.address !== null && isIP(host.address) === 0) addAlias(host, host.address);
    else if (host.address !== null) {
      moves.push({ hostId: host.id, from: host.address, to: a.ip });
      host.lastMove = { from: host.address, to: a.ip, at };
      addEvent(host, {
        at,
        kind: 'moved',
        detail: `${host.address} → ${a.ip}${a.mac ? ` (same MAC ${a.mac})` : ''}`,
      });
    }
    host.address = a.ip;
  }
};

/** Fold `assets` into `hosts` (changed in place, new machines appended); returns the moves. */
export const foldAssets = (
  hosts: HostRecord[],
  index: HostIndex,
  assets: Iterable<SeenAsset>,
  now: Date,
  makeId: () => string = newHostId,
): Move[] => {
  const at = now.toISOString();
  const moves: Move[] = [];
  for (const a of assets) {
    const found = claim(index, a);
    if (!found) {
      const host = newHost(
        { mac: a.mac, assetId: a.id, address: a.ip },
        now,
        `discovered at ${a.ip}`,
        makeId(),
      );
      hosts.push(host);
      index.put(host);
    } else if (!found.link) {
      addAlias(found.host, a.id);
      index.put(found.host);
    } else {
      link(found.host, a, at, moves);
      index.put(found.host);
    }
  }
  return moves;
};
