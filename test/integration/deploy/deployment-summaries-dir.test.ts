/** A file (or a symlink to one) where the summaries directory should be: every record is read, the store loads. */
import assert from 'node:assert/strict';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { deploymentRecord } from '../../deployment-record.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const finished = () =>
  deploymentRecord(
    'dep-20261201T100000-abcdef',
    [
      {
        hostId: 'h-0',
        group: 'default',
        ring: 1,
        change: { hostId: 'h-0', ecosystem: 'dpkg', upgrades: [], allowRemove: [] },
        phase: 'done',
        attempts: 1,
        failures: [],
        steps: [],
        outcome: 'verified',
        verified: [],
      },
    ],
    { state: 'completed', rings: [0, 1, 2].map(() => ({ state: 'passed' as const, batch: 0 })) },
  );

for (const kind of ['a file', 'a symlink to a file']) {
  test(`deployment-summaries as ${kind}: the store loads every record from its file`, async (t) => {
    const base = await tempDir(t);
    const dir = join(base, 'deployments');
    const writer = new DeploymentStore(dir, memoryLogger(), { summarize: true });
    await writer.load();
    const d = finished();
    await writer.save(d);
    await new Promise((r) => setTimeout(r, 200));
    const summaries = join(base, 'deployment-summaries');
    await rm(summaries, { recursive: true, force: true });
    if (kind === 'a file') await writeFile(summaries, 'x');
    else {
      await writeFile(join(base, 'elsewhere'), 'x');
      await symlink(join(base, 'elsewhere'), summaries);
    }
    const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
    await store.load();
    assert.equal(store.summary(d.id)?.id, d.id);
    assert.equal((await store.record(d.id))?.hosts.length, 1);
  });
}
