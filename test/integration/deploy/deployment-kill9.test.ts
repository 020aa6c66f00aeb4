/**
 * Durability of a running deployment's record and journal: a writer saving hosts' progress (journal
 * lines, and whole rewrites after each start and as the journal grows) is killed with SIGKILL at
 * varying moments. After each kill the deployment reads cleanly as a new process reads it: every
 * acknowledged step is there, and so is the last acknowledged change to a host no save named; no
 * temp file is left beside the record.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';
import { HOSTS, ID } from './journal-writer.js';

const child = fileURLToPath(new URL('./journal-writer.ts', import.meta.url));
const KILLS = Number(process.env.DEPLOY_KILLS ?? 15);

test('a running deployment keeps every acknowledged step across repeated kill -9', {
  timeout: 240_000,
}, async (t) => {
  const dir = await tempDir(t);
  let lastAcked = -1;
  let acked = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    const acks = await runAndKill(child, [dir, String(lastAcked + 1)], Number.POSITIVE_INFINITY, {
      killAfterMs: 5 + Math.floor(Math.random() * 250),
    });
    acked += acks.length;
    if (acks.length) lastAcked = acks.at(-1)!;
    if (lastAcked < 0) continue;

    const log = memoryLogger();
    const reader = new DeploymentStore(join(dir, 'deployments'), log);
    await reader.load();
    assert.deepEqual(
      log.lines.filter((l) => l.level !== 'debug'),
      [],
      `kill ${kill}: the record and journal read cleanly`,
    );
    const d = (await reader.record(ID))!;
    // Each host keeps its newest 30 steps: the acknowledged ones among them are all there.
    for (let n = Math.max(0, lastAcked - 30 * HOSTS + 1); n <= lastAcked; n++)
      assert.ok(
        d.hosts[n % HOSTS]!.steps.some((s) => s.step === `seq ${n}`),
        `kill ${kill}: step ${n} (acknowledged up to ${lastAcked}) is there`,
      );
    const touched = lastAcked - (lastAcked % 5);
    assert.equal(d.hosts[(touched + 7) % HOSTS]!.waiting?.startsWith('touched at'), true, `kill ${kill}`);
    const names = await readdir(join(dir, 'deployments'));
    assert.ok(!names.some((n) => n.includes('.tmp-')), `kill ${kill}: temp files swept: ${names}`);
  }
  assert.ok(acked >= KILLS, `steps acknowledged: ${acked}`);
});
