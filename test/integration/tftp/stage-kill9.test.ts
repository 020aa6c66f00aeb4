/**
 * Firmware staging survives kill -9: a process staging files is killed at varying moments; after
 * each kill a restarted root has every acknowledged file recorded and whole on disk, no temp file
 * is left, and any file in the root under its final name is complete (never a torn half a phone
 * would flash).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../daemon/lifecycle.js';
import { TftpRoot } from '../../../daemon/tftp/tftp-root.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';
import { firmwareEntry } from './stage-fixtures.js';

const child = fileURLToPath(new URL('./stage-write-loop.ts', import.meta.url));

test('staged firmware holds every acknowledged file across repeated kill -9, and no torn file', {
  timeout: 180_000,
}, async (t) => {
  const dir = await tempDir(t);
  const root = join(dir, 'tftp');
  await mkdir(root);
  const acknowledged = new Set<number>();
  let next = 0;
  let tornWrites = 0;
  for (let round = 0; round < 5; round++) {
    // Even rounds: the download after the last acknowledged file stalls halfway, so the kill
    // surely lands mid-write. Odd rounds: the kill lands wherever it lands.
    const count = 1 + (round % 3);
    const stall = round % 2 === 0 ? next + count : -1;
    const acks = await runAndKill(child, [dir, root, String(next), String(stall)], stall < 0 ? count : 1e9, {
      killOn: /^stalled /,
    });
    for (const n of acks) acknowledged.add(n);
    next = Math.max(next, ...acks) + 1;

    const log = memoryLogger();
    const files = new TftpRoot({ root, dataDir: dir, maxSiteFileBytes: 1 << 20, clock: systemClock, log });
    await files.start(); // sweeps what a dead writer left
    if (log.lines.some((l) => l.msg === 'removed unfinished files from the TFTP root')) tornWrites++;
    const names = await readdir(root);
    assert.deepEqual(
      names.filter((n) => !/^fw-\d+\.rom$/.test(n)),
      [],
      `round ${round}: temp files swept`,
    );
    for (const n of acknowledged) {
      assert.equal(await files.needs(firmwareEntry(n)), false, `round ${round}: fw-${n} staged and whole`);
    }
    for (const name of names) {
      const entry = firmwareEntry(Number(/\d+/.exec(name)![0]));
      const sum = createHash('sha256')
        .update(await readFile(join(root, name)))
        .digest('hex');
      assert.equal(sum, entry.sha256, `round ${round}: ${name} is complete`);
    }
  }
  assert.ok(acknowledged.size >= 5);
  t.diagnostic(`${tornWrites} of 5 kills left a half-written file behind, swept at start`);
  assert.ok(tornWrites >= 3, 'each stalled round left one');
});
