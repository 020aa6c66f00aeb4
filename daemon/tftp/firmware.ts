/**
 * Which vendor files go into the TFTP root, and which device should fetch which: pure decisions
 * over the files signed manifests list and the assets discovery knows. No I/O here.
 *
 * - A file is staged under its manifest `name`, the name the device asks for. When two manifests
 *   list one name with different bytes for one product, the higher version wins and the clash is
 *   reported. For two products (another vendor or product) no version can settle it: one feed
 *   must not take over the file another vendor's devices fetch by claiming a higher version, so
 *   neither is staged, and that is reported.
 * - A device matches a file when the asset's vendor (from the MAC's OUI) contains the file's
 *   vendor, and, when the file names models, the asset's model (mDNS TXT, banners) contains one
 *   of them. Among a device's matches the newest version of each product is the one it should
 *   fetch.
 */
import type { VendorFile } from '../catalog/model.js';
import type { Asset } from '../discovery/asset.js';
import type { TransferRecord } from './transfer-log.js';

export interface FirmwareEntry extends VendorFile {
  feedId: string;
}

export interface FirmwarePlan {
  /** One per name, each with a URL to fetch it from. */
  entries: FirmwareEntry[];
  /** Plain sentences for the Network devices page. */
  problems: string[];
}

const versionOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const newer = (a: VendorFile, b: VendorFile): boolean => versionOrder.compare(a.version, b.version) > 0;

const folded = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const productOf = (f: VendorFile): string => `${folded(f.vendor)}/${folded(f.product)}`;

export const planFirmware = (files: readonly { feedId: string; file: VendorFile }[]): FirmwarePlan => {
  const byName = new Map<string, FirmwareEntry>();
  /** Names two products claim: a version cannot say which one a device asking for it wants. */
  const contested = new Set<string>();
  const problems: string[] = [];
  for (const { feedId, file } of files) {
    if (!file.url || contested.has(file.name)) continue;
    const seen = byName.get(file.name);
    if (seen && seen.sha256 !== file.sha256 && productOf(seen) !== productOf(file)) {
      contested.add(file.name);
      problems.push(
        `${file.name} is listed for two products (${seen.vendor} ${seen.product} ${seen.version} by ${seen.feedId}, ${file.vendor} ${file.product} ${file.version} by ${feedId}); neither is staged from these manifests (a file staged before stays): the manifests must name them apart`,
      );
      continue;
    }
    if (seen && seen.sha256 !== file.sha256) {
      const [keep, drop] = newer(file, seen) ? [file, seen] : [seen, file];
      problems.push(
        `${file.name} is listed twice with different contents (${drop.vendor} ${drop.product} ${drop.version} and ${keep.version}); serving ${keep.version}`,
      );
      if (keep === seen) continue;
    }
    byName.set(file.name, { ...file, feedId });
  }
  return { entries: [...byName.values()].filter((e) => !contested.has(e.name)), problems };
};

export type MatchStrength = 'model' | 'vendor';

/** How well `file` fits `asset`, or undefined when it does not. */
export const matchStrength = (asset: Asset, file: VendorFile): MatchStrength | undefined => {
  const vendor = folded(file.vendor);
  if (!vendor || !asset.vendor || !folded(asset.vendor).includes(vendor)) return undefined;
  if (!file.models?.length) return 'vendor';
  const seen = [asset.model, ...Object.values(asset.banners)].filter((s): s is string => !!s).map(folded);
  if (seen.length === 0) return 'vendor';
  return file.models.some((m) => folded(m) && seen.some((s) => s.includes(folded(m)))) ? 'model' : undefined;
};

export interface DeviceFirmware {
  entry: FirmwareEntry;
  strength: MatchStrength;
}

/** The file of each product the device should fetch: its newest version, model matches first. */
export const firmwareFor = (asset: Asset, entries: readonly FirmwareEntry[]): DeviceFirmware[] => {
  const best = new Map<string, DeviceFirmware>();
  for (const entry of entries) {
    const strength = matchStrength(asset, entry);
    if (!strength) continue;
    const key = `${folded(entry.vendor)}/${folded(entry.product)}`;
    const seen = best.get(key);
    const better =
      !seen ||
      (strength === 'model' && seen.strength === 'vendor') ||
      (strength === seen.strength && newer(entry, seen.entry));
    if (better) best.set(key, { entry, strength });
  }
  return [...best.values()];
};

export type FetchState =
  | { state: 'fetched'; at: string }
  | { state: 'failed'; at: string; detail: string }
  | { state: 'not-fetched' };

/**
 * Whether the device fetched `name`, from the transfer log (newest first) and every address the
 * device has had: a complete transfer means it has it; else the newest failure says why not.
 */
export const fetchState = (
  asset: Pick<Asset, 'ip' | 'ipHistory'>,
  name: string,
  transfers: readonly TransferRecord[],
): FetchState => {
  const addresses = new Set([asset.ip, ...asset.ipHistory.map((h) => h.ip)]);
  const mine = transfers.filter((t) => addresses.has(t.client) && t.file === name);
  const done = mine.find((t) => t.outcome === 'complete');
  if (done) return { state: 'fetched', at: done.at };
  const failed = mine[0];
  if (failed) return { state: 'failed', at: failed.at, detail: `${failed.outcome}: ${failed.detail}` };
  return { state: 'not-fetched' };
};

export interface DeviceFile extends DeviceFirmware {
  /** In the TFTP root now, as listed. */
  staged: boolean;
  fetch: FetchState;
}

export interface DeviceRow {
  asset: Asset;
  files: DeviceFile[];
  /** Fetched every file it should: counts as updated. */
  updated: boolean;
}

/**
 * The devices the firmware concerns: every asset some listed file matches, and every asset that
 * fetched anything over TFTP (a device no manifest covers yet still shows up).
 */
export const deviceRows = (
  assets: Iterable<Asset>,
  entries: readonly FirmwareEntry[],
  transfers: readonly TransferRecord[],
  isStaged: (entry: FirmwareEntry) => boolean,
): DeviceRow[] => {
  const clients = new Set(transfers.map((t) => t.client));
  const rows: DeviceRow[] = [];
  for (const asset of assets) {
    const files = firmwareFor(asset, entries).map((m) => ({
      ...m,
      staged: isStaged(m.entry),
      fetch: fetchState(asset, m.entry.name, transfers),
    }));
    const fetchedSomething = [asset.ip, ...asset.ipHistory.map((h) => h.ip)].some((ip) => clients.has(ip));
    if (files.length === 0 && !fetchedSomething) continue;
    const updated = files.length > 0 && files.every((f) => f.fetch.state === 'fetched');
    rows.push({ asset, files, updated });
  }
  return rows.sort((a, b) => Number(a.updated) - Number(b.updated) || a.asset.ip.localeCompare(b.asset.ip));
};
