/**
 * The transfer log under a flood of refused requests: a LAN host that asks for thousands of
 * missing files must not push the record of which device fetched which file out of the log (the
 * Devices page reads it), and the log stays capped and survives a restart in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferLog, type TransferRecord } from '../../../daemon/tftp/transfer-log.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const record = (over: Partial<TransferRecord>): TransferRecord => ({
  at: '2026-01-01T00:00:00.000Z',
  client: '10.0.0.5',
  file: 'T46U.rom',
  outcome: 'complete',
  detail: '',
  size: 10,
  bytesSent: 10,
  durationMs: 1,
  blksize: 512,
  windowsize: 1,
  ...over,
});

test('a flood of refused requests does not push completed transfers out of the log', async (t) => {
  const dir = await tempDir(t);
  const log = new TransferLog(dir, 100, memoryLogger(), 10);
  await log.start();
  log.add(record({ file: 'old.cfg' }));
  log.add(record({}));
  for (let i = 0; i < 5000; i++) {
    log.add(record({ client: '10.0.0.66', file: `probe-${i}`, outcome: 'refused', bytesSent: 0 }));
  }
  log.add(record({ client: '10.0.0.6', file: 'after.cfg' }));
  const phone = log.list({ client: '10.0.0.5' }).map((r) => r.file);
  assert.deepEqual(phone, ['T46U.rom', 'old.cfg'], 'what the phone fetched is still there');
  const all = log.list();
  assert.ok(all.length <= 110, `capped (${all.length})`);
  assert.equal(all[0]?.file, 'after.cfg', 'newest first');
  assert.equal(all[1]?.file, 'probe-4999');
  await log.stop();

  const again = new TransferLog(dir, 100, memoryLogger(), 10);
  await again.start();
  assert.deepEqual(again.list(), all, 'the same log after a restart');
  await again.stop();
});
