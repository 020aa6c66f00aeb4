/**
 * Child process for the inventory store kill -9 test: stores realistic inventories of a few hosts
 * round after round straight through InventoryRecords (as the daemon's collections do), each round
 * adding package versions to the table, and replaces the table by a new generation whenever it has
 * grown (as the daemon does after a collection), in the background while the next round writes.
 * Prints `ack N` once every host of round N is stored. `storeRound` is what the test checks against.
 */
import { hostFactory, realPackages } from '../../../bench/assess/generate.js';
import { InventoryRecords } from '../../../daemon/inventory/inventory-records.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';

export const HOSTS = 6;
/** Small limits, so that a new generation of the table starts every few rounds. */
export const TABLE_OPTS = { compactFactor: 1.5, compactMinLines: 1_000 };

const pkgs = realPackages();

/** Host `h`'s inventory at round `n` (deterministic): its versions change from round to round. */
export const inventoryAt = (h: number, n: number): HostInventory => {
  const inv = hostFactory(pkgs, 400, 11 + (n % 7) * 13 + h)(h);
  return {
    ...inv,
    collectedAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    packages: [{ name: `marker-${h}`, version: `1.${n}`, arch: 'all' }, ...inv.packages],
  };
};

/** The round an inventory read back was stored in. */
export const roundOf = (inv: HostInventory): number => Number(inv.packages[0]!.version.slice(2));

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [dir, startAt] = process.argv.slice(2);
  const records = new InventoryRecords(dir!, TABLE_OPTS);
  await records.start();
  let migration = records.migrate();
  for (let round = Number(startAt); ; round++) {
    await Promise.all(
      Array.from({ length: HOSTS }, (_, h) => records.put(`host-${h}`, inventoryAt(h, round))),
    );
    process.stdout.write(`ack ${round}\n`);
    if (records.grown()) migration = records.migrate();
    if (round % 5 === 0) await migration;
  }
}
