/**
 * Stores the generated fleet's inventories as the daemon stores them (InventoryRecords: each
 * host's packages as ids into the site's package table), in a process of its own so that the
 * measured run's peak RSS is the assessment's, not the fleet's collection.
 *   node --import tsx bench/assess/seed-inventories.ts <hosts dir> <hosts> <packages per host>
 * Prints one line: `SEEDED {json}`.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { InventoryRecords } from '../../daemon/inventory/inventory-records.js';
import { hostFactory, realPackages } from './generate.js';

const [dir = '', hosts = '0', perHost = '0'] = process.argv.slice(2);
const makeHost = hostFactory(realPackages(), Number(perHost));
const store = new InventoryRecords(dir);
await store.start();
const t0 = performance.now();
for (let i = 0; i < Number(hosts); i++) {
  const inv = makeHost(i);
  await store.put(inv.hostId, inv);
}
const kb = Number(execFileSync('du', ['-sk', dirname(dir)], { encoding: 'utf8' }).split('\t')[0]);
console.log(
  `SEEDED ${JSON.stringify({ storeMs: Math.round(performance.now() - t0), storedMB: +(kb / 1024).toFixed(1), sitePackages: (await store.packages()).size })}`,
);
