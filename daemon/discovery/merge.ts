/**
 * Folding one scan's observations into the asset list: new devices, IP changes, online/offline
 * transitions, with an event for each. Pure: the store persists what this returns.
 */
import {
  type Asset,
  type AssetEvent,
  assetIdFor,
  MAX_EVENTS,
  MAX_HOSTNAMES,
  MAX_IP_HISTORY,
  SELF_EVIDENCE,
} from './asset.js';
import type { Observation } from './scanner.js';

export interface MergeResult {
  /** Assets created or changed (including ones that went offline). */
  changed: Asset[];
  /** Ids of assets an IP-only record was folded into a MAC record for: delete these. */
  removed: string[];
  counts: { found: number; new: number; offline: number; ipChanged: number };
}

export interface AssetLookup {
  byId(id: string): Asset | undefined;
  byIp(ip: string): Asset[];
  all(): Iterable<Asset>;
}

const pushEvent = (a: Asset, e: AssetEvent): void => {
  a.events.push(e);
  if (a.events.length > MAX_EVENTS) a.events.splice(0, a.events.length - MAX_EVENTS);
};

/**
 * The names the scan heard, then earlier ones while there is room, sorted: a scan that missed a
 * name keeps it, but a host answering mDNS with new names every scan no longer grows its asset
 * (or any in-scope address it names) without end.
 */
const names = (before: readonly string[], now: readonly string[]): string[] => {
  const kept = new Set(now.slice(0, MAX_HOSTNAMES));
  for (const n of before) {
    if (kept.size >= MAX_HOSTNAMES) break;
    kept.add(n);
  }
  return [...kept].sort();
};

/** A device seen for the first time; an IP-only record of it (seen before without MAC) lends its history. */
const newAsset = (
  o: Observation,
  ipOnly: Asset | undefined,
  { id, at, scanId }: { id: string; at: string; scanId: string },
): Asset => ({
  id,
  mac: o.mac,
  ip: o.ip,
  ipHistory: [{ ip: o.ip, firstSeen: at, lastSeen: at }],
  vendor: null,
  hostnames: [],
  services: [],
  openPorts: [],
  banners: {},
  deviceClass: 'unknown',
  os: null,
  model: null,
  evidence: [],
  seenBy: [],
  firstSeen: ipOnly?.firstSeen ?? at,
  lastSeen: at,
  online: true,
  isNew: ipOnly?.isNew ?? true,
  tags: ipOnly?.tags ?? [],
  notes: ipOnly?.notes ?? '',
  lastScanId: scanId,
  events: ipOnly ? [...ipOnly.events] : [],
});

/**
 * What the scan saw, or what was known when it could not classify; 'this appliance' only when the
 * scan found this address to be one of the appliance's own: kept from an earlier scan, a host that
 * took an address the appliance left (or cloned its MAC) was listed as the appliance itself.
 */
const evidenceOf = (asset: Asset, o: Observation, self: boolean): string[] => {
  const seen = o.deviceClass === 'unknown' && asset.deviceClass !== 'unknown' ? asset.evidence : o.evidence;
  const rest = seen.filter((e) => e !== SELF_EVIDENCE);
  return self ? [SELF_EVIDENCE, ...rest] : rest;
};

export const mergeScan = (
  assets: AssetLookup,
  observations: Observation[],
  scannedIps: Set<string>,
  scanId: string,
  now: Date,
): MergeResult => {
  const at = now.toISOString();
  const changed = new Map<string, Asset>();
  const removed: string[] = [];
  const counts = { found: observations.length, new: 0, offline: 0, ipChanged: 0 };
  const seen = new Set<string>();

  for (const o of observations) {
    const id = assetIdFor(o.mac, o.ip);
    let asset = changed.get(id) ?? assets.byId(id);
    // A device first seen without MAC (off-link, or ARP raced) gets its IP-only record folded in.
    const ipOnly = o.mac ? assets.byId(assetIdFor(null, o.ip)) : undefined;
    // The appliance finds itself in its own scope: listed, but never a new device to review.
    const self = o.evidence.includes(SELF_EVIDENCE);
    if (!asset) {
      if (!self) counts.new++;
      asset = newAsset(o, ipOnly, { id, at, scanId });
      if (self) asset.isNew = false;
      pushEvent(asset, {
        at,
        scanId,
        kind: 'discovered',
        detail: `found at ${o.ip} (${o.seenBy.join(', ')})`,
      });
    } else {
      asset = structuredClone(asset);
      if (self) asset.isNew = false;
      if (asset.ip !== o.ip) {
        counts.ipChanged++;
        pushEvent(asset, { at, scanId, kind: 'ip-changed', detail: `${asset.ip} → ${o.ip}` });
        asset.ip = o.ip;
      }
      if (!asset.online) pushEvent(asset, { at, scanId, kind: 'online', detail: `back online at ${o.ip}` });
    }
    if (ipOnly && ipOnly.id !== id) removed.push(ipOnly.id);
    const hist = asset.ipHistory.find((h) => h.ip === o.ip);
    if (hist) hist.lastSeen = at;
    else asset.ipHistory.push({ ip: o.ip, firstSeen: at, lastSeen: at });
    if (asset.ipHistory.length > MAX_IP_HISTORY)
      asset.ipHistory.splice(0, asset.ipHistory.length - MAX_IP_HISTORY);
    const before = asset.deviceClass;
    Object.assign(asset, {
      vendor: o.vendor ?? asset.vendor,
      hostnames: names(asset.hostnames, o.hostnames),
      // What is open and advertised now replaces the past: services come and go.
      services: o.services.length ? o.services : asset.services,
      openPorts: o.openPorts,
      banners: Object.keys(o.banners).length ? o.banners : asset.banners,
      deviceClass: o.deviceClass === 'unknown' ? asset.deviceClass : o.deviceClass,
      os: o.os ?? asset.os,
      model: o.model ?? asset.model,
      evidence: evidenceOf(asset, o, self),
      seenBy: o.seenBy,
      lastSeen: at,
      online: true,
      lastScanId: scanId,
    });
    if (before !== 'unknown' && asset.deviceClass !== before)
      pushEvent(asset, { at, scanId, kind: 'changed', detail: `class ${before} → ${asset.deviceClass}` });
    changed.set(id, asset);
    seen.add(id);
  }

  // Anything online at an address this scan covered, and not seen, has gone offline.
  for (const a of assets.all()) {
    if (seen.has(a.id) || !a.online || !scannedIps.has(a.ip) || removed.includes(a.id)) continue;
    const off = structuredClone(a);
    off.online = false;
    pushEvent(off, { at, scanId, kind: 'offline', detail: `no answer at ${a.ip}` });
    changed.set(off.id, off);
    counts.offline++;
  }
  return { changed: [...changed.values()], removed, counts };
};
