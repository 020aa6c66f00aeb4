import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { InventoryService } from '../../../daemon/inventory/inventory-service.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import { HostKeyChangedError, RemoteError } from '../../../daemon/remote/remote-error.js';
import { fingerprintOf } from '../../../daemon/remote/ssh-key-format.js';
import { alpine, debian, fakeHost } from '../../fakes/inventory-hosts.js';
import { FakeRunner, fakeHostKey } from '../../fakes/inventory-runner.js';
import { memoryLogger } from '../../fakes/log.js';
import { pollUntil } from '../../support/sshd-server.js';
import { tempDir } from '../../temp-dir.js';

const setup = async (t: Parameters<typeof tempDir>[0], concurrency = 2) => {
  const runner = new FakeRunner();
  const service = new InventoryService({
    dir: join(await tempDir(t), 'inventory'),
    runner,
    parsers: inventoryParsers,
    log: memoryLogger(),
    concurrency,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
  });
  await service.start();
  t.after(() => service.stop());
  const key = await service.keys.get();
  return { runner, service, key };
};

test('a run collects every host with bounded sessions; bad hosts fail alone', async (t) => {
  const { runner, service, key } = await setup(t, 2);
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

  const run = await service.startRun();
  assert.equal(run.hosts.size, 9);
  await pollUntil('the run to finish', () => run.finishedAt !== undefined);
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
  await assert.rejects(service.collect((await service.credentials.get('h'))!), HostKeyChangedError);
  assert.equal(runner.commands.length, commandsBefore, 'no command ran on the changed host');
  assert.equal((await service.attempts.get('h'))?.failure, 'host-key-changed');
  await service.acceptHostKey('h', fingerprintOf(host.hostKey.blob));
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

test('stop() cancels a run; queued hosts are marked cancelled', async (t) => {
  const { runner, service, key } = await setup(t, 1);
  for (const a of ['a', 'b', 'c']) {
    runner.add(a, 22, fakeHost({ ...debian, packages: [['dpkg-query', 'hang']] }, key.privateKey, a));
    await service.credentials.put({ address: a, username: 'root' });
  }
  const run = await service.startRun();
  await pollUntil('the first host to start', () => run.hosts.get('a')?.state === 'running');
  await service.stop();
  assert.ok(run.finishedAt);
  assert.match(run.hosts.get('a')!.error!, /cancelled/);
  assert.match(run.hosts.get('c')!.error!, /cancelled/);
  assert.equal(runner.open, 0);
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
  assert.ok((await readdir(service.inventories.dir)).includes('h.json'));
});

test('scheduled runs collect every host on their own and stop with the service', async (t) => {
  const runner = new FakeRunner();
  const service = new InventoryService({
    dir: join(await tempDir(t), 'inventory'),
    runner,
    parsers: inventoryParsers,
    log: memoryLogger(),
    concurrency: 2,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 1_000,
    maxOutputBytes: 1 << 20,
    maxPackages: 20_000,
    scheduleMs: 20,
  });
  await service.start();
  t.after(() => service.stop());
  const key = await service.keys.get();
  runner.add('h', 22, fakeHost(debian, key.privateKey));
  await service.credentials.put({ address: 'h', username: 'root' });
  assert.ok(service.nextScheduledAt);
  await pollUntil('two scheduled collections', () => runner.connects.length >= 2);
  assert.ok(await service.inventories.get('h'));
  await service.stop();
  assert.equal(service.nextScheduledAt, undefined);
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
