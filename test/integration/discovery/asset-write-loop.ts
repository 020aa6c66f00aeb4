/**
 * Child process for the kill -9 test: adds assets one at a time through the AssetStore and prints
 * `ack N` once asset N is durable. The parent kills it with SIGKILL at arbitrary moments.
 */
import type { Asset } from '../../../daemon/discovery/asset.js';
import { AssetStore } from '../../../daemon/discovery/asset-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { sampleAsset } from '../../sample-asset.js';

const [dir = '', from = '0'] = process.argv.slice(2);
const store = new AssetStore(dir, 1, memoryLogger());
await store.start();
const at = new Date().toISOString();
const asset = (n: number): Asset =>
  sampleAsset({
    id: `ip-10.0.${(n >> 8) & 255}.${n & 255}`,
    ip: `10.0.${(n >> 8) & 255}.${n & 255}`,
    hostnames: [`host-${n}`],
    firstSeen: at,
    lastSeen: at,
    isNew: true,
    notes: 'x'.repeat(200),
  });
for (let n = Number(from); ; n++) {
  await store.apply([asset(n)]);
  process.stdout.write(`ack ${n}\n`);
}
