/**
 * Child process for the kill -9 test: adds assets one at a time through the AssetStore and prints
 * `ack N` once asset N is durable. The parent kills it with SIGKILL at arbitrary moments.
 */
import type { Asset } from '../../../daemon/discovery/asset.js';
import { AssetStore } from '../../../daemon/discovery/asset-store.js';
import { memoryLogger } from '../../fakes/log.js';

const [dir = '', from = '0'] = process.argv.slice(2);
const store = new AssetStore(dir, 1, memoryLogger());
await store.start();
const at = new Date().toISOString();
const asset = (n: number): Asset => ({
  id: `ip-10.0.${(n >> 8) & 255}.${n & 255}`,
  mac: null,
  ip: `10.0.${(n >> 8) & 255}.${n & 255}`,
  ipHistory: [],
  vendor: null,
  hostnames: [`host-${n}`],
  services: [],
  openPorts: [],
  banners: {},
  deviceClass: 'unknown',
  os: null,
  model: null,
  evidence: [],
  seenBy: ['icmp'],
  firstSeen: at,
  lastSeen: at,
  online: true,
  isNew: true,
  tags: [],
  notes: 'x'.repeat(200),
  lastScanId: null,
  events: [],
});
for (let n = Number(from); ; n++) {
  await store.apply([asset(n)]);
  process.stdout.write(`ack ${n}\n`);
}
