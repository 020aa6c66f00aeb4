/** The deployment store on disk: a finished record's strings are shared in memory, its file never changes by it. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const AT = '2026-12-01T10:00:00.000Z';
const pkgs = ['openssl', 'libssl3', 'curl'];
const install = pkgs.map((p) => `Unpacking ${p} (3.0.15-1~deb12u1) over (3.0.14-1~deb12u2) ...\n`).join('');
const step = (name: string, stdout: string) => ({
  step: name,
  command: `apt-get ${name}`,
  stdout,
  stderr: '',
  exitCode: 0,
  startedAt: AT,
  finishedAt: AT,
  truncated: false,
});
const deployment = (hosts: number): Deployment => ({
  id: 'dep-20261201T100000-abcdef',
  title: 'December fixes',
  createdAt: AT,
  createdBy: 'admin',
  state: 'completed',
  advisories: {},
  notApplicable: [],
  policy: {
    concurrency: 5,
    batchSize: 50,
    batchFailureThreshold: 3,
    gate: { minSuccessRate: 0.9, minVerified: 1, soakMs: 0 },
    windows: {},
    reboot: {},
    rules: [],
    spreadMs: 0,
    now: true,
  },
  approvals: [],
  hosts: Array.from({ length: hosts }, (_, i) => ({
    hostId: `h-${i}`,
    group: 'default',
    ring: 1,
    change: {
      hostId: `h-${i}`,
      ecosystem: 'dpkg',
      upgrades: pkgs.map((name) => ({ name, version: '3.0.15-1~deb12u1', advisories: ['DSA-5800-1'] })),
      allowRemove: [],
    },
    phase: 'done',
    attempts: 1,
    failures: [],
    // Each host's update output differs (its speed); the install's is the same on every host.
    steps: [step('update', `Fetched 1,234 kB in 0s (${5000 + i} kB/s)\n`), step('install', install)],
    outcome: 'verified',
    verified: pkgs,
  })),
  rings: [0, 1, 2].map(() => ({ state: 'passed' as const, batch: 0 })),
  breakers: [],
  haltedUpdates: [],
});

test("a finished deployment's repeated strings are shared after a load and after it finishes; the file stays the same", async (t) => {
  const dir = join(await tempDir(t), 'deployments');
  const log = memoryLogger();
  const writer = new DeploymentStore(dir, log, { shareStrings: true });
  await writer.load();
  const d = deployment(300);
  const expected = structuredClone(d);
  await writer.add(d);
  await writer.stringsShared();
  const [file] = await readdir(dir);
  const text = await readFile(join(dir, file!), 'utf8');
  const shared = () => log.lines.filter((l) => l.msg === 'deployment strings shared');
  assert.equal(shared().length, 1, 'shared once it was written finished');
  assert.ok(Number(shared()[0]!.replaced) > 300 * 10, `copies replaced: ${shared()[0]!.replaced}`);
  assert.deepEqual(writer.get(d.id), expected, 'no value changed');
  await writer.save(d);
  await writer.settled();
  assert.equal(await readFile(join(dir, file!), 'utf8'), text, 'written again, the same bytes');

  // Read by a daemon: shared in the background; by a CLI command: left as read.
  const daemon = new DeploymentStore(dir, log, { shareStrings: true });
  await daemon.load();
  await daemon.stringsShared();
  assert.equal(shared().length, 2);
  assert.deepEqual(daemon.get(d.id), expected);
  const cli = new DeploymentStore(dir, log);
  await cli.load();
  await cli.stringsShared();
  assert.equal(shared().length, 2);
});
