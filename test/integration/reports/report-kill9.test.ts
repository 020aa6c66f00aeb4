/**
 * Durability of the remediation ledger's files: a writer recording one assessment after another
 * (a batch file of fixes, then remediation.json) is killed with SIGKILL at varying moments. After
 * each kill the reports read cleanly: every fix of an acknowledged round is there exactly once, no
 * batch file is left that remediation.json does not name, no temp file is left.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedFindings } from '../../../daemon/reports/remediation.js';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';
import { advisoriesOf, HOSTS, roundSite, roundTime } from './ledger-rounds.js';

const child = fileURLToPath(new URL('./ledger-writer.ts', import.meta.url));

test('the ledger keeps every acknowledged fix exactly once across repeated kill -9', {
  timeout: 180_000,
}, async (t) => {
  const dir = await tempDir(t);
  const reports = join(dir, 'reports');
  let next = 0;
  let lastAcked = -1;
  for (let kill = 0; kill < 20; kill++) {
    // Killed at a moment anywhere in a round: starting, recording, or between its two writes.
    const acks = await runAndKill(child, [dir, String(next)], Number.POSITIVE_INFINITY, {
      killAfterMs: 5 + Math.floor(Math.random() * 150),
    });
    if (acks.length) lastAcked = acks.at(-1)!;
    next = lastAcked + 1;

    const s = new ReportsService({
      dataDir: dir,
      settings: reportsSettingsSchema.parse({ keepDays: 30 }),
      timeZone: 'UTC',
      assess: { current: async () => roundSite(next), onComputed: () => () => {} },
      clock: { now: () => roundTime(next) } as never,
      log: memoryLogger(),
    });
    await s.start();
    await s.settled();
    assert.deepEqual(s.health(), [], `kill ${kill}: the reports read cleanly`);
    const fixes = closedFindings(s.ledger()).map((f) => `${f.hostId} ${f.advisoryId}`);
    assert.equal(new Set(fixes).size, fixes.length, `kill ${kill}: no fix counted twice`);
    // Round r's inventory no longer shows round r-1's advisories: fixed on every host.
    for (let round = 1; round <= lastAcked; round++)
      for (const a of advisoriesOf(round - 1))
        assert.ok(fixes.includes(`h${HOSTS - 1} ${a}`), `kill ${kill}: ${a} (round ${round}) is kept`);
    await s.stop();
    const named: string[] = JSON.parse(await readFile(join(reports, 'remediation.json'), 'utf8')).fixed;
    assert.deepEqual(
      (await readdir(join(reports, 'fixed'))).sort(),
      named.map((n) => `${n}.json`).sort(),
      `kill ${kill}: only the batches remediation.json names are left`,
    );
    for (const d of [reports, join(reports, 'fixed')])
      assert.ok(!(await readdir(d)).some((n) => n.includes('.tmp-')), `kill ${kill}: temp files swept`);
  }
  assert.ok(lastAcked >= 8, `rounds acknowledged: ${lastAcked + 1}`);
});
