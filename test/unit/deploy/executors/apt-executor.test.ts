/**
 * The apt executor against a scripted host (test/fakes/inventory-runner.ts): which commands it
 * sends (sudo with DEBIAN_FRONTEND for a non-root login), the removal refusal before apt-get -y,
 * failures as StepFailure kinds, and a reboot whose connection drops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AptExecutor } from '../../../../daemon/deploy/executors/apt-executor.js';
import { type HostChange, StepFailure } from '../../../../daemon/deploy/ports.js';
import type { ExecResult } from '../../../../daemon/remote/ports.js';
import { RemoteError } from '../../../../daemon/remote/remote-error.js';
import { ManualClock } from '../../../fakes/clock.js';
import { type FakeAnswer, FakeRunner, fakeHostKey, ok } from '../../../fakes/inventory-runner.js';
import { aptFixture } from './apt-fixtures.js';

const recorded = (name: string): ExecResult => ({
  stdout: aptFixture(name, 'stdout'),
  stderr: aptFixture(name, 'stderr'),
  exitCode: Number(aptFixture(name, 'exit')),
});

const change = (allowRemove: string[] = []): HostChange => ({
  hostId: 'h1',
  ecosystem: 'dpkg',
  upgrades: [{ name: 'bash', version: '5.2.15-2+b13', advisories: ['DSA-5000-1'] }],
  allowRemove,
});

const setup = (answers: Array<[string, FakeAnswer]>, username = 'deploy', port = 22) => {
  const runner = new FakeRunner();
  runner.add('10.0.0.5', 22, {
    hostKey: fakeHostKey('h1'),
    logins: { [username]: { privateKey: 'KEY' } },
    answers,
  });
  const exec = new AptExecutor({
    open: (signal) =>
      runner.connect(
        { host: '10.0.0.5', port, username, privateKey: 'KEY', verifyHostKey: async () => {} },
        { timeoutMs: 1000, signal },
      ),
    username,
    label: `${username}@10.0.0.5:22`,
    clock: new ManualClock(),
    settings: { proxyUrl: 'http://10.0.0.2:3142/' },
    commandTimeoutMs: 60_000,
    maxOutputBytes: 1 << 20,
  });
  return { runner, exec };
};

test('install runs the dry run, then apt-get -y through sudo with DEBIAN_FRONTEND and the proxy', async () => {
  const { runner, exec } = setup([
    ["'-s'", recorded('simulate-bash')],
    ["'-y'", recorded('install-ok')],
  ]);
  const result = await exec.install(change());
  assert.deepEqual(result.actions, [
    { action: 'upgrade', name: 'bash', from: '5.2.15-2+b8', to: '5.2.15-2+b13' },
  ]);
  assert.deepEqual(
    result.steps.map((s) => [s.step, s.exitCode]),
    [
      ['dry-run', 0],
      ['install', 0],
    ],
  );
  const install = runner.commands[1]!.command;
  assert.ok(
    install.includes(
      `exec sudo -n DEBIAN_FRONTEND='\\''noninteractive'\\'' LC_ALL='\\''C'\\'' -- '\\''/usr/bin/apt-get'\\'' '\\''-y'\\''`,
    ),
    install,
  );
  assert.ok(install.includes('Acquire::http::Proxy=http://10.0.0.2:3142/'));
  assert.ok(install.includes(`'\\''bash=5.2.15-2+b13'\\''`));
  assert.equal(result.steps[1]!.command, install, 'the record keeps the command as run');
  assert.equal(runner.open, 0, 'the session is closed');
});

test('a root login runs apt-get directly, the variables set by the shell', async () => {
  const { runner, exec } = setup([["'-s'", recorded('simulate-bash')]], 'root');
  await exec.dryRun(change());
  assert.match(
    runner.commands[0]!.command,
    /^DEBIAN_FRONTEND='noninteractive' LC_ALL='C' '\/usr\/bin\/apt-get' '-s'/,
  );
});

test('a removal that is not allowed stops the install before apt-get -y', async () => {
  const { runner, exec } = setup([
    ["'-s'", recorded('simulate-removal')],
    ["'-y'", ok('must not run')],
  ]);
  await assert.rejects(exec.install(change(['chromium'])), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'permanent');
    assert.match(e.reason, /would remove at-spi2-core, libgtk-3-0/);
    assert.doesNotMatch(e.reason, /chromium/);
    assert.equal(e.record?.step, 'dry-run');
    return true;
  });
  assert.equal(runner.commands.length, 1);
});

test('a failing postinst is a permanent failure with the exact output kept', async () => {
  const { exec } = setup([
    ["'-s'", recorded('simulate-bash')],
    ["'-y'", recorded('postinst-failure')],
  ]);
  await assert.rejects(exec.install(change()), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'permanent', String(e));
    assert.equal(e.record?.exitCode, 100);
    assert.equal(e.record?.stderr, aptFixture('postinst-failure', 'stderr'));
    return true;
  });
});

test('preflight: audit, free space and a list refresh through the cache', async () => {
  const { exec } = setup([
    ['dpkg --audit', recorded('dpkg-audit-broken')],
    ['df -Pk', ok(aptFixture('df', 'stdout'))],
    ["'update'", ok('Reading package lists...\n')],
  ]);
  const r = await exec.preflight(change());
  assert.equal(r.broken, true);
  assert.equal(r.freeBytes, 81379784 * 1024);
  assert.deepEqual(
    r.steps.map((s) => s.step),
    ['preflight: dpkg --audit', 'preflight: free space', 'preflight: apt-get update'],
  );
});

test('sudo refusing is permanent and gives the exact sudoers line', async () => {
  const { exec } = setup([["'-s'", { stdout: '', stderr: 'sudo: a password is required\n', exitCode: 1 }]]);
  await assert.rejects(exec.dryRun(change()), (e: unknown) => {
    assert.ok(e instanceof StepFailure && e.kind === 'permanent');
    assert.ok(
      e.reason.includes('deploy ALL=(root) NOPASSWD:SETENV: /usr/bin/apt-get, /usr/bin/dpkg, /sbin/reboot'),
      e.reason,
    );
    return true;
  });
});

test('a host that refuses the connection is unreachable; a connection lost mid-command transient', async () => {
  const down = setup([], 'deploy', 2222).exec;
  await assert.rejects(
    down.bootId('h1'),
    (e: unknown) => e instanceof StepFailure && e.kind === 'unreachable',
  );
  const lost = setup([
    ["'-s'", () => Promise.reject(new RemoteError('connect', 'connection lost while running "apt-get"'))],
  ]).exec;
  await assert.rejects(
    lost.dryRun(change()),
    (e: unknown) => e instanceof StepFailure && e.kind === 'transient',
  );
});

test('reboot: the connection dropping under it is the reboot happening', async () => {
  const { exec } = setup([
    [
      "'/sbin/reboot'",
      () => Promise.reject(new RemoteError('connect', 'connection lost while running "reboot"')),
    ],
  ]);
  const record = await exec.reboot('h1');
  assert.equal(record.exitCode, null);
  assert.equal(record.step, 'reboot');
});

test('boot id and reboot need are read without root', async () => {
  const { runner, exec } = setup([
    ['boot_id', ok('0f6c2b1e-8a44-4d3c-9a3e-2f1d5b7c9e01\n')],
    [
      'needrestart',
      ok(
        'NEEDRESTART-VER: 3.6\nNEEDRESTART-KCUR: 6.1.0-25-amd64\nNEEDRESTART-KEXP: 6.1.0-26-amd64\nNEEDRESTART-KSTA: 3\n',
      ),
    ],
  ]);
  assert.equal(await exec.bootId('h1'), '0f6c2b1e-8a44-4d3c-9a3e-2f1d5b7c9e01');
  assert.deepEqual(await exec.rebootNeed(change()), {
    required: true,
    source: 'needrestart -b (NEEDRESTART-KSTA: 3)',
  });
  assert.ok(runner.commands.every((c) => !c.command.includes('sudo')));
});

test('onboarding writes the apt.conf.d file through tee, the sudoers line limited to that file', async () => {
  const { runner, exec } = setup([
    ["'/usr/bin/tee'", { stdout: '', stderr: 'sudo: a password is required\n', exitCode: 1 }],
  ]);
  await assert.rejects(exec.onboard(), (e: unknown) => {
    assert.ok(e instanceof StepFailure);
    assert.ok(
      e.reason.includes('deploy ALL=(root) NOPASSWD: /usr/bin/tee /etc/apt/apt.conf.d/90patch-depot'),
      e.reason,
    );
    return true;
  });
  assert.match(runner.commands[0]!.command, /Acquire::http::Proxy "http:\/\/10\.0\.0\.2:3142\/";/);
});
