/**
 * Search, filter, sort and page the asset list in memory. At 5,000 assets a full pass is a few
 * milliseconds (search text is precomputed per asset), so there is no second index to keep in sync.
 */
import { z } from 'zod';
import type { Asset } from './asset.js';
import { DEVICE_CLASSES } from './classify.js';
import { ipSortKey } from './ipv4.js';

export const SORT_KEYS = ['ip', 'name', 'vendor', 'class', 'lastSeen', 'firstSeen'] as const;

export const assetQuerySchema = z.object({
  q: z.string().trim().max(200).default(''),
  class: z.enum([...DEVICE_CLASSES, '']).default(''),
  vendor: z.string().trim().max(200).default(''),
  status: z.enum(['', 'online', 'offline', 'new']).default(''),
  sort: z.enum(SORT_KEYS).default('ip'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(10).max(500).default(50),
});

export type AssetQuery = z.infer<typeof assetQuerySchema>;

export interface AssetPage {
  items: Asset[];
  total: number;
  page: number;
  pages: number;
  query: AssetQuery;
}

/**
 * The name the network gives a device: a DNS name first (what the site's admin registered), then
 * an mDNS `.local` one (what the device announces); undefined when it has neither.
 */
export const networkName = (a: Asset): string | undefined =>
  a.hostnames.find((n) => !n.endsWith('.local')) ?? a.hostnames[0];

/**
 * What a device is called: its network name, else the name it reports itself (`reported`: `uname -n`
 * at its inventory, known to the host directory), else the first service it advertises.
 */
export const displayName = (a: Asset, reported?: string): string =>
  networkName(a) ?? (reported || a.services[0]?.name) ?? '';

/** The name an asset's machine reported at its inventory (the host directory knows it), if any. */
export type ReportedName = (assetId: string) => string | undefined;

/** Sort keys, computed once per asset per query (not once per comparison). */
const sortKey: Record<AssetQuery['sort'], (a: Asset, reported: ReportedName) => string | number> = {
  ip: (a) => ipSortKey(a.ip),
  name: (a, reported) => displayName(a, reported(a.id)).toLowerCase(),
  vendor: (a) => (a.vendor ?? '').toLowerCase(),
  class: (a) => a.deviceClass,
  lastSeen: (a) => a.lastSeen,
  firstSeen: (a) => a.firstSeen,
};

const cmpKeys = (x: string | number, y: string | number): number => (x < y ? -1 : x > y ? 1 : 0);

export interface AssetCounts {
  total: number;
  online: number;
  new: number;
}

/**
 * How many assets there are, online and new, in one pass: the dashboard and the console summary
 * need the totals only (three queries sorted every asset by address three times per load).
 */
export const countAssets = (assets: Iterable<Asset>): AssetCounts => {
  const n = { total: 0, online: 0, new: 0 };
  for (const a of assets) {
    n.total++;
    if (a.online) n.online++;
    if (a.isNew) n.new++;
  }
  return n;
};

export const queryAssets = (
  assets: Iterable<Asset>,
  haystack: (id: string) => string,
  query: AssetQuery,
  /** A machine is found and sorted by the name it reports too (pilot1), as the Name column shows it. */
  reported: ReportedName = () => undefined,
): AssetPage => {
  const terms = query.q.toLowerCase().split(/\s+/).filter(Boolean);
  const vendor = query.vendor.toLowerCase();
  const matches: Asset[] = [];
  for (const a of assets) {
    if (query.class && a.deviceClass !== query.class) continue;
    if (vendor && !(a.vendor ?? '').toLowerCase().includes(vendor)) continue;
    if (query.status === 'online' && !a.online) continue;
    if (query.status === 'offline' && a.online) continue;
    if (query.status === 'new' && !a.isNew) continue;
    if (terms.length) {
      const name = reported(a.id)?.toLowerCase();
      const text = name ? `${haystack(a.id)} ${name}` : haystack(a.id);
      if (!terms.every((t) => text.includes(t))) continue;
    }
    matches.push(a);
  }
  const key = sortKey[query.sort];
  const sign = query.dir === 'asc' ? 1 : -1;
  const decorated = matches.map((a) => ({ a, k: key(a, reported), ip: ipSortKey(a.ip) }));
  decorated.sort((x, y) => sign * cmpKeys(x.k, y.k) || x.ip - y.ip);
  const sorted = decorated.map((d) => d.a);
  const pages = Math.max(1, Math.ceil(matches.length / query.pageSize));
  const page = Math.min(query.page, pages);
  const start = (page - 1) * query.pageSize;
  return { items: sorted.slice(start, start + query.pageSize), total: sorted.length, page, pages, query };
};
