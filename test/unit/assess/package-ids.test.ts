import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AssessMemo, assessHost, missingFixesOf } from '../../../daemon/assess/assess.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { InventoryRecords, packageIdsOf } from '../../../daemon/inventory/inventory-records.js';
import { parseDpkgQuery } from '../../../daemon/inventory/parse-dpkg.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { tempDir } from '../../temp-dir.js';
import { fixture } from '../catalog/version-gen.js';

const base = parseDpkgQuery(fixture('assess/dpkg-query-5col.txt'));
/** Hosts that share most packages, some older ('~' sorts before anything), some left out. */
const hostOf = (h: number): HostInventory => ({
  hostId: `pc-${h}`,
  collectedAt: '2026-11-23T10:00:00.000Z',
  os: parseOsRelease(fixture('assess/os-release-debian12')),
  kernel: '6.1.0-40-amd64',
  packages: base
    .filter((_, i) => (i + h) % 7 !== 0)
    .map((p, i) =>
      (i * 3 + h) % 5 === 0 ? { ...p, version: `${p.version.replace(/\+deb12u\d+$/, '')}~old` } : p,
    ),
  ecosystem: 'dpkg',
  rebootRequired: false,
});
const summary = (a: ReturnType<typeof assessHost>) => ({
  count: a.findings.count,
  unfixed: a.unfixed,
  bySeverity: a.bySeverity,
  fixes: missingFixesOf(a)
    .map((m) => [m.package, m.installed, m.fixed, m.advisoryId, m.binaries.join(' ')].join('|'))
    .sort(),
});

test('hosts read as site package ids are assessed exactly as the same hosts read by name', async (t) => {
  const index = new CatalogIndex(1);
  index.add('debian', parseDebianTracker(fixture('catalog/debian-tracker.json')).advisories);
  const records = new InventoryRecords(join(await tempDir(t), 'inventory', 'hosts'));
  const hosts = Array.from({ length: 24 }, (_, h) => hostOf(h));
  for (const inv of hosts) await records.put(inv.hostId, inv);
  // One memo across hosts each way, as a run shares it; and twice over, as the next run does.
  const byIds = new AssessMemo(index.generation);
  const byNames = new AssessMemo(index.generation);
  let withFindings = 0;
  for (const pass of [1, 2])
    for (const inv of hosts) {
      const read = (await records.get(inv.hostId))!;
      assert.ok(packageIdsOf(read));
      const want = summary(assessHost(structuredClone(inv), index, byNames));
      assert.deepEqual(summary(assessHost(read, index, byIds)), want, `${inv.hostId}, pass ${pass}`);
      if (want.count) withFindings++;
    }
  assert.ok(withFindings > 10, 'the hosts have findings to compare');
});
