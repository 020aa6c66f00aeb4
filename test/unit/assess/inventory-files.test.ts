import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inventoryFiles } from '../../../daemon/assess/inventory-files.js';
import { InventoryRecords } from '../../../daemon/inventory/inventory-records.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

test('reads per-host inventory files one at a time and skips a damaged one with a warning', async (t) => {
  const dir = join(await tempDir(t), 'hosts');
  const records = new InventoryRecords(dir);
  const inv: HostInventory = {
    hostId: 'pc-1',
    collectedAt: '2026-11-23T10:00:00.000Z',
    os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12' },
    kernel: '6.1.0',
    packages: [{ name: 'curl', version: '7.88.1-10+deb12u15' }],
    ecosystem: 'dpkg',
    rebootRequired: false,
  };
  await records.put('pc-1', inv);
  await writeFile(join(dir, 'pc-2.json'), '{"hostId": "pc-2", "truncated');
  const log = memoryLogger();
  const source = inventoryFiles(records, log);
  assert.deepEqual(await source.ids(), ['pc-1', 'pc-2']);
  assert.deepEqual(await source.get('pc-1'), inv);
  assert.equal(await source.get('pc-2'), undefined);
  assert.equal(await source.get('pc-3'), undefined);
  assert.ok(
    log.lines.some((l) => l.msg === 'inventory unreadable; host skipped in assessment' && l.host === 'pc-2'),
  );
});
