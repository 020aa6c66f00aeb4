/**
 * Start-up loads only what answering needs: a package some later work needs (ssh2, for the first
 * collection) is loaded by that work, not before /healthz answers. Measured in a process of its
 * own, since this test runner has loaded whatever other tests needed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const child = fileURLToPath(new URL('./loaded-packages.ts', import.meta.url));

test('the daemon answers /healthz without having loaded the SSH stack', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pd-start-up-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, dataDir], {
    timeout: 60_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    healthz: number;
    loaded: string[];
  };
  assert.equal(result.healthz, 200);
  assert.deepEqual(result.loaded, [], 'loaded before any work needed them');
});
