/**
 * The Assets page at 5,000 assets: time to query (search/filter/sort/page in memory) and render
 * the table fragment, for the requests a technician makes most. Synthetic but realistic records.
 */
import type { Asset } from '../../daemon/discovery/asset.js';
import { assetQuerySchema, queryAssets } from '../../daemon/discovery/asset-query.js';
import { DEVICE_CLASSES } from '../../daemon/discovery/classify.js';
import { AssetTable } from '../../web/views/assets.js';

const VENDORS = [
  'Brother industries, LTD.',
  'Dell Inc.',
  'Apple, Inc.',
  'HP Inc.',
  'Ubiquiti Inc',
  'Espressif Inc.',
];

const synthetic = (n: number): Asset[] =>
  Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    return {
      id: `m-0250${i.toString(16).padStart(8, '0')}`,
      mac: `02:50:${i
        .toString(16)
        .padStart(8, '0')
        .replace(/(..)(?!$)/g, '$1:')}`,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      ipHistory: [{ ip: `10.0.${(i >> 8) & 255}.${i & 255}`, firstSeen: at, lastSeen: at }],
      vendor: VENDORS[i % VENDORS.length]!,
      hostnames: [`host-${i}.office.lan`],
      services: [],
      openPorts: [22, 80],
      banners: {},
      deviceClass: DEVICE_CLASSES[i % DEVICE_CLASSES.length]!,
      os: null,
      model: null,
      evidence: ['port 22 open (SSH) → server'],
      seenBy: ['icmp', 'arp'],
      firstSeen: at,
      lastSeen: at,
      online: i % 5 !== 0,
      isNew: i % 13 === 0,
      tags: i % 97 === 0 ? ['finance'] : [],
      notes: '',
      lastScanId: null,
      events: [],
    };
  });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const measureAssetPage = (count = 5000, rounds = 50) => {
  const assets = synthetic(count);
  const hay = new Map(
    assets.map((a) => [a.id, [a.ip, a.mac, a.vendor, ...a.hostnames, ...a.tags].join(' ').toLowerCase()]),
  );
  const requests: Record<string, Record<string, string>> = {
    'first page': {},
    'search "host-42"': { q: 'host-42' },
    'printers by Brother, online': { class: 'printer', vendor: 'brother', status: 'online' },
    'sort by last seen, page 60': { sort: 'lastSeen', dir: 'desc', page: '60' },
  };
  return Object.entries(requests).map(([name, params]) => {
    const q = assetQuerySchema.parse(params);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const page = queryAssets(assets, (id) => hay.get(id)!, q);
      bytes = String(
        AssetTable({ page, total: assets.length, hostOf: () => undefined, hasScopes: true }),
      ).length;
      times.push(performance.now() - t0);
    }
    return { request: name, medianMs: +median(times).toFixed(2), bytes };
  });
};
