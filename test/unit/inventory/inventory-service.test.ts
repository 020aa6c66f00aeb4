import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import type { Clock } from '../../../daemon/lifecycle.js';
import { HostKeyChangedError, RemoteError } from '../../../daemon/remote/remote-error.js';
import { fingerprintOf } from '../../../daemon/remote/ssh-key-format.js';
import { ManualClock } from '../../fakes/clock.js';
import { alpine, debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

type Setup = {
  concurrency?: number;
  dir?: string;
  clock?: Clock;
  scheduleMs?: number;
  runner?: FakeRunner;
  hostLabel?: (hostId: string) => string | undefined;
};

/** The service as the daemon runs it, over a job runner and the scheduler. */
const setup = async (t: Parameters<typeof tempDir>[0], opts: Setup = {}) => {
  const runner = opts.runner ?? new FakeRunner();
  const dir = opts.dir ?? (await tempDir(t));
  const work = await startJobs(dir, opts.clock ? { clock: opts.clock } : {});
  const service = new InventoryService({
    dir: join(dir, 'inventory'),
    runner,
    parsers: inventoryParsers,
    log: memoryLogger(),
    concurrency: opts.concurrency ?? 2,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
    scheduleMs: opts.scheduleMs,
    clock: work.clock,
    jobs: work.jobs,
    scheduler: work.scheduler,
    hostLabel: opts.hostLabel,
  });
  await service.start();
  const stop = async () => {
    await service.stop();
    await work.stop();
  };
  onTeardown(t, stop);
  const key = await service.keys.get();
  return { ...work, runner, service, key, dir, stop };
};

test('a run collects every host with bounded sessions; bad hosts fail alone', async (t) => {
  const { runner, service, key } = await setup(t, { concurrency: 2 });
  for (let i = 1; i <= 6; i++) {
    runner.add(`10.0.0.${i}`, 22, fakeHost(i % 2 ? debian : alpine, key.privateKey, `h${i}`));
    await service.credentials.put({ address: `10.0.0.${i}`, username: 'root' });
  }
  // .7 refuses the login, .8 has no sshd, .9 hangs on the package list.
  runner.add('10.0.0.7', 22, { ...fakeHost(debian, 'another key'), logins: {} });
  await service.credentials.put({ address: '10.0.0.7', username: 'root' });
  await service.credentials.put({ address: '10.0.0.8', username: 'root' });
  runner.add('10.0.0.9', 22, fakeHost({ ...debian, packages: [['dpkg-query', 'hang']] }, key.privateKey));
  await service.credentials.put({ address: '10.0.0.9', username: 'root' });

  const started = await service.startRun();
  assert.equal(started.hosts.size, 9);
  await waitFor(() => service.getRun(started.id)?.finishedAt !== undefined, 'the run to finish');
  const run = service.getRun(started.id)!;
  assert.ok(runner.maxOpen <= 2, `at most 2 sessions at once, saw ${runner.maxOpen}`);
  assert.equal(runner.open, 0, 'every session closed');
  const states = Object.fromEntries([...run.hosts].map(([id, h]) => [id, h.state]));
  for (let i = 1; i <= 6; i++) assert.equal(states[`10.0.0.${i}`], 'ok');
  assert.equal(states['10.0.0.7'], 'failed');
  assert.match(run.hosts.get('10.0.0.7')!.error!, /login refused/);
  assert.match(run.hosts.get('10.0.0.8')!.error!, /connection refused/);
  assert.match(run.hosts.get('10.0.0.9')!.error!, /did not finish within 1000 ms/);

  assert.deepEqual(await service.inventories.ids(), [
    '10.0.0.1',
    '10.0.0.2',
    '10.0.0.3',
    '10.0.0.4',
    '10.0.0.5',
    '10.0.0.6',
  ]);
  assert.equal((await service.inventories.get('10.0.0.2'))?.ecosystem, 'apk');
  const failed = await service.attempts.get('10.0.0.9');
  assert.equal(failed?.ok, false);
  assert.equal(failed?.failure, 'timeout');
  assert.equal(failed?.runId, run.id);
  assert.equal((await service.attempts.get('10.0.0.1'))?.packages, 4);
});

test('a failed attempt keeps the last good inventory', async (t) => {
  const { runner, service, key } = await setup(t);
  const host = runner.add('h', 22, fakeHost(debian, key.privateKey));
  const cred = await service.credentials.put({ address: 'h', username: 'root' });
  const first = await service.collect((await service.credentials.get(cred.hostId))!);
  host.answers.unshift(['dpkg-query', { stdout: '', stderr: 'boom', exitCode: 1 }]);
  await assert.rejects(service.collect((await service.credentials.get('h'))!), RemoteError);
  assert.deepEqual(await service.inventories.get('h'), first);
  assert.equal((await service.attempts.get('h'))?.error, 'dpkg-query failed on the host (exit 1): boom');
});

test('a changed host key fails the host until the technician accepts the presented key', async (t) => {
  const { runner, service, key } = await setup(t);
  const host = runner.add('h', 22, fakeHost(debian, key.privateKey, 'original'));
  await service.credentials.put({ address: 'h', username: 'root' });
  await service.collect((await service.credentials.get('h'))!);
  host.hostKey = fakeHostKey('impostor');
  const commandsBefore = runner.commands.length;
  assert.deepEqual(await service.health(), []);
  await assert.rejects(service.collect((await service.credentials.get('h'))!), HostKeyChangedError);
  assert.equal(runner.commands.length, commandsBefore, 'no command ran on the changed host');
  assert.equal((await service.attempts.get('h'))?.failure, 'host-key-changed');
  const [waiting] = await service.health();
  assert.equal(waiting?.source, 'inventory');
  assert.match(
    waiting?.message ?? '',
    /^h(:22)? presented a new host key \(SHA256:.*\); collections stop until/,
  );
  await service.acceptHostKey('h', fingerprintOf(host.hostKey.blob));
  assert.deepEqual(await service.health(), [], 'accepted: nothing waits');
  await service.collect((await service.credentials.get('h'))!);
  assert.equal((await service.attempts.get('h'))?.ok, true);
});

test('a pinned key type is the only one asked for; a host without it meets the pin check', async (t) => {
  const { runner, service, key } = await setup(t);
  const host = runner.add('h', 22, fakeHost(debian, key.privateKey, 'k'));
  await service.credentials.put({ address: 'h', username: 'root' });
  await service.collect((await service.credentials.get('h'))!);
  const first = runner.connects.at(-1);
  assert.deepEqual(first?.hostKeyAlgorithms, undefined, 'nothing pinned yet: any type');
  await service.collect((await service.credentials.get('h'))!);
  assert.deepEqual(runner.connects.at(-1)?.hostKeyAlgorithms, ['ssh-ed25519']);
  // The host now only offers an RSA key: the restricted try fails to negotiate, the open retry
  // meets the pin check and fails loudly; the pin is untouched.
  host.hostKey = fakeHostKey('k', 'ssh-rsa');
  await assert.rejects(service.collect((await service.credentials.get('h'))!), HostKeyChangedError);
  assert.equal((await service.knownHosts.get('h'))?.pinned.type, 'ssh-ed25519');
});

test('stop() cuts a run short; after a restart the interrupted and queued hosts are collected', async (t) => {
  const first = await setup(t, { concurrency: 1 });
  for (const a of ['a', 'b', 'c']) {
    first.runner.add(
      a,
      22,
      fakeHost({ ...debian, packages: [['dpkg-query', 'hang']] }, first.key.privateKey, a),
    );
    await first.service.credentials.put({ address: a, username: 'root' });
  }
  const run = await first.service.startRun();
  await waitFor(
    () => first.service.getRun(run.id)?.hosts.get('a')?.state === 'running',
    'the first host to start',
  );
  await first.stop();
  assert.equal(first.runner.open, 0);
  const cut = first.jobs.list({ group: run.id });
  assert.deepEqual(
    cut.map((j) => [j.host, j.state]),
    [
      ['c', 'queued'],
      ['b', 'queued'],
      ['a', 'interrupted'],
    ],
  );
  const runner = new FakeRunner();
  for (const a of ['a', 'b', 'c']) runner.add(a, 22, fakeHost(debian, first.key.privateKey, a));
  const again = await setup(t, { concurrency: 1, dir: first.dir, runner });
  await waitFor(
    () => again.service.getRun(run.id)?.finishedAt !== undefined,
    'the run to finish after the restart',
  );
  const after = again.service.getRun(run.id)!;
  assert.deepEqual(
    [...after.hosts].map(([h, s]) => [h, s.state, s.packages]),
    [
      ['a', 'ok', 4],
      ['b', 'ok', 4],
      ['c', 'ok', 4],
    ],
  );
  assert.equal(again.jobs.list({ host: 'a' })[0]?.attempts, 2);
});

test('removing a host drops its credentials and pin but keeps its inventory', async (t) => {
  const { runner, service, key } = await setup(t);
  runner.add('h', 22, fakeHost(debian, key.privateKey));
  await service.credentials.put({ address: 'h', username: 'root' });
  await service.collect((await service.credentials.get('h'))!);
  await service.removeHost('h');
  assert.equal(await service.credentials.get('h'), undefined);
  assert.equal(await service.knownHosts.get('h'), undefined);
  assert.ok(await service.inventories.get('h'));
  assert.ok((await readdir(service.inventories.dir)).includes('h.json.gz'));
});

test('scheduled runs collect every host on their own and stop with the service', async (t) => {
  const hour = 3_600_000;
  const clock = new ManualClock();
  const { runner, service, key, jobs } = await setup(t, { clock, scheduleMs: hour });
  runner.add('h', 22, fakeHost(debian, key.privateKey));
  await service.credentials.put({ address: 'h', username: 'root' });
  assert.equal(service.nextScheduledAt?.getTime(), clock.now() + hour);
  await clock.advance(hour);
  await waitFor(() => jobs.list()[0]?.state === 'succeeded', 'a scheduled collection');
  await clock.advance(hour);
  await waitFor(() => runner.connects.length === 2, 'the next scheduled collection');
  assert.deepEqual(
    jobs.list().map((j) => [j.kind, j.trigger, j.host]),
    [
      ['inventory.collect', 'schedule', 'h'],
      ['inventory.collect', 'schedule', 'h'],
    ],
  );
  assert.ok(await service.inventories.get('h'));
  await service.stop();
  assert.equal(service.nextScheduledAt, undefined);
});

test('a restart does not put the scheduled collection off: it is due an interval after the last round', async (t) => {
  const day = 24 * 3_600_000;
  const clock = new ManualClock();
  const dir = await tempDir(t);
  const first = await setup(t, { clock, scheduleMs: day, dir });
  first.runner.add('h', 22, fakeHost(debian, first.key.privateKey));
  await first.service.credentials.put({ address: 'h', username: 'root' });
  const roundAt = clock.now() + day;
  await clock.advance(day);
  await waitFor(() => first.jobs.list()[0]?.state === 'succeeded', 'a scheduled collection');
  await first.stop();

  // Restarted 20 hours later (the office switched it off for the night): due in 4 hours, not in 24.
  await clock.advance(20 * 3_600_000);
  const again = await setup(t, { clock, scheduleMs: day, dir, runner: first.runner });
  assert.equal(again.service.nextScheduledAt?.getTime(), roundAt + day);
});

test('before any scheduled round, the first collection on record is what a restart counts from', async (t) => {
  const day = 24 * 3_600_000;
  const clock = new ManualClock();
  const dir = await tempDir(t);
  const first = await setup(t, { clock, scheduleMs: day, dir });
  first.runner.add('h', 22, fakeHost(debian, first.key.privateKey));
  await first.service.credentials.put({ address: 'h', username: 'root' });
  await clock.advance(3_600_000);
  const collectedAt = clock.now();
  await first.service.startRun(undefined, { trigger: 'manual' });
  await waitFor(() => first.jobs.list()[0]?.state === 'succeeded', 'the collection by hand');
  await first.stop();
  await clock.advance(20 * 3_600_000);
  const again = await setup(t, { clock, scheduleMs: day, dir, runner: first.runner });
  assert.equal(again.service.nextScheduledAt?.getTime(), collectedAt + day);
});

test('concurrent requests for one host share one collection', async (t) => {
  const { runner, service, key } = await setup(t);
  runner.add('h', 22, fakeHost(debian, key.privateKey));
  await service.credentials.put({ address: 'h', username: 'root' });
  const cred = (await service.credentials.get('h'))!;
  const [a, b] = await Promise.all([service.collect(cred), service.collect(cred)]);
  assert.equal(a, b);
  assert.equal(runner.connects.length, 1);
  await service.collect(cred);
  assert.equal(runner.connects.length, 2, 'a later request collects again');
});

test('inventories of an older version (plain JSON) still read and are rewritten compressed at start', async (t) => {
  const dir = await tempDir(t);
  const { mkdir, writeFile } = await import('node:fs/promises');
  const hostsDir = join(dir, 'inventory', 'hosts');
  await mkdir(hostsDir, { recursive: true });
  const old = {
    hostId: 'h-old',
    collectedAt: '2026-11-01T00:00:00.000Z',
    os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-40-amd64',
    packages: [{ name: 'openssl', version: '3.0.15-1~deb12u1', arch: 'amd64' }],
    ecosystem: 'dpkg',
    rebootRequired: false,
  };
  await writeFile(join(hostsDir, 'h-old.json'), `${JSON.stringify(old)}\n`);
  const { service } = await setup(t, { dir });
  assert.deepEqual(await service.inventories.get('h-old'), old);
  await waitFor(async () => (await readdir(hostsDir)).join() === 'h-old.json.gz', 'the plain file migrated');
  assert.deepEqual(await service.inventories.get('h-old'), old);
  assert.deepEqual(await service.inventories.ids(), ['h-old']);
});

test("collection jobs are titled with the host's name, else its address, never an internal id", async (t) => {
  const { service, jobs } = await setup(t, {
    hostLabel: (id) => (id === '10.0.0.1' ? 'front-desk' : undefined),
  });
  await service.credentials.put({ address: '10.0.0.1', username: 'root' });
  await service.credentials.put({ address: '10.0.0.2', username: 'root' });
  const run = await service.startRun();
  const titles = jobs
    .list({ group: run.id })
    .map((j) => j.title)
    .sort();
  assert.deepEqual(titles, ['Inventory of 10.0.0.2', 'Inventory of front-desk']);
  // The record says how the title named the host, so pages can show the name it has later.
  const labels = jobs
    .list({ group: run.id })
    .map((j) => j.hostLabel)
    .sort();
  assert.deepEqual(labels, ['10.0.0.2', 'front-desk']);
  await waitFor(() => service.getRun(run.id)?.finishedAt !== undefined, 'the run to finish');
});

test('the Inventory lists hosts in address order, not in the order of their internal ids', async (t) => {
  const { service } = await setup(t);
  for (const address of ['10.0.0.19', 'nas.lan', '10.0.0.9', '10.0.0.100', '10.0.0.18']) {
    await service.credentials.put({ address, username: 'root' });
  }
  const listed = (await service.overview()).map((o) => o.credential.address);
  assert.deepEqual(listed, ['10.0.0.9', '10.0.0.18', '10.0.0.19', '10.0.0.100', 'nas.lan']);
});
