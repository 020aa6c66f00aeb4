import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  collectInventory,
  ecosystemFromOsRelease,
  parseRebootSignals,
  presentDpkgLines,
  withDeadline,
} from '../../../daemon/inventory/collector.js';
import { inventoryParsers } from '../../../daemon/inventory/parse-inventory.js';
import type { RemoteSession } from '../../../daemon/remote/ports.js';
import { RemoteError } from '../../../daemon/remote/remote-error.js';
import { shellQuote } from '../../../daemon/remote/shell-quote.js';
import { ManualClock } from '../../fakes/clock.js';
import { alpine, debian, type FakeOs, fakeHost, rocky } from '../../fakes/inventory-hosts.js';
import { FakeRunner, ok } from '../../fakes/inventory-runner.js';

const run = promisify(execFile);
const opts = {
  commandTimeoutMs: 2_000,
  maxOutputBytes: 1 << 20,
  maxPackages: 20_000,
  clock: new ManualClock(Date.parse('2026-01-02T03:04:05Z')),
};

const sessionFor = async (os: FakeOs): Promise<{ session: RemoteSession; runner: FakeRunner }> => {
  const runner = new FakeRunner();
  runner.add('h', 22, fakeHost(os, 'KEY'));
  const session = await runner.connect(
    { host: 'h', port: 22, username: 'root', privateKey: 'KEY', verifyHostKey: async () => {} },
    { timeoutMs: 1000 },
  );
  return { session, runner };
};

test('Debian host: packages present on disk only, source names, kernel, OS', async () => {
  const { session, runner } = await sessionFor(debian);
  const inv = await collectInventory(session, 'host-1', inventoryParsers, opts);
  assert.equal(inv.hostId, 'host-1');
  assert.equal(inv.collectedAt, '2026-01-02T03:04:05.000Z');
  assert.deepEqual(inv.os, {
    id: 'debian',
    versionId: '12',
    codename: 'bookworm',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
  });
  assert.equal(inv.kernel, '6.1.0-18-amd64');
  assert.equal(inv.ecosystem, 'dpkg');
  assert.equal(inv.rebootRequired, false);
  assert.deepEqual(
    inv.packages.map((p) => p.name),
    ['bash', 'libssl3', 'pinned-tool', 'half-unpacked'],
    'the rc (config-files only) package is not installed',
  );
  assert.deepEqual(inv.packages[1], {
    name: 'libssl3',
    version: '3.0.15-1~deb12u1',
    arch: 'amd64',
    source: 'openssl',
  });
  assert.deepEqual(inv.packages[0], {
    name: 'bash',
    version: '5.2.15-2+b7',
    arch: 'amd64',
    sourceVersion: '5.2.15-2',
  });
  // Two channels: the facts bundle, then the package list; both through /bin/sh in the C locale,
  // every script under the host's own deadline.
  assert.equal(runner.commands.length, 2);
  assert.match(runner.commands[0]!.command, /^LC_ALL=C \/bin\/sh -c 'run_\(\) \{ if command -v timeout/);
  assert.match(runner.commands[1]!.command, /^LC_ALL=C \/bin\/sh -c 'if command -v timeout.*dpkg-query/);
});

test('Rocky host (by ID_LIKE): rpm packages with epochs and source rpms; needs-restarting says reboot', async () => {
  const { session } = await sessionFor(rocky);
  const inv = await collectInventory(session, 'r', inventoryParsers, opts);
  assert.equal(inv.ecosystem, 'rpm');
  assert.equal(inv.rebootRequired, true);
  assert.deepEqual(inv.packages[0], {
    name: 'openssl-libs',
    version: '1:3.0.7-27.el9',
    arch: 'x86_64',
    source: 'openssl',
  });
});

test('Alpine host: apk list with origins', async () => {
  const { session } = await sessionFor(alpine);
  const inv = await collectInventory(session, 'a', inventoryParsers, opts);
  assert.equal(inv.ecosystem, 'apk');
  assert.equal(inv.os.versionId, '3.19.1');
  assert.deepEqual(inv.packages[1], {
    name: 'libcrypto3',
    version: '3.1.4-r5',
    arch: 'x86_64',
    source: 'openssl',
  });
});

test('an unknown distribution is recognised by the package tool it has', async () => {
  const { session } = await sessionFor({
    ...debian,
    osRelease: 'ID=homebrewos\nPRETTY_NAME="Homebrew OS"\n',
    probe: 'dpkg-query\n',
  });
  assert.equal((await collectInventory(session, 'x', inventoryParsers, opts)).ecosystem, 'dpkg');
  const none = await sessionFor({
    ...debian,
    osRelease: 'ID=plan9\n',
    probe: '',
    packages: [],
  });
  await assert.rejects(
    collectInventory(none.session, 'x', inventoryParsers, opts),
    (e: unknown) =>
      e instanceof RemoteError && e.kind === 'unsupported' && /no dpkg, rpm or apk/.test(e.message),
  );
});

test('failures name the command and the host error; limits apply', async () => {
  const failing = await sessionFor({
    ...debian,
    packages: [
      ['dpkg-query', { stdout: '', stderr: 'dpkg-query: error: cannot access archive\n', exitCode: 2 }],
    ],
  });
  await assert.rejects(collectInventory(failing.session, 'x', inventoryParsers, opts), (e: unknown) => {
    assert.ok(e instanceof RemoteError && e.kind === 'command');
    assert.equal(
      e.message,
      'dpkg-query failed on the host (exit 2): dpkg-query: error: cannot access archive',
    );
    return true;
  });
  const huge = await sessionFor({ ...debian, packages: [['dpkg-query', ok('x'.repeat(4096))]] });
  await assert.rejects(
    collectInventory(huge.session, 'x', inventoryParsers, { ...opts, maxOutputBytes: 1024 }),
    (e: unknown) => e instanceof RemoteError && e.kind === 'output-limit',
  );
  const hung = await sessionFor({ ...debian, packages: [['dpkg-query', 'hang']] });
  await assert.rejects(
    collectInventory(hung.session, 'x', inventoryParsers, { ...opts, commandTimeoutMs: 50 }),
    (e: unknown) => e instanceof RemoteError && e.kind === 'timeout',
  );
  const garbage = await sessionFor({ ...debian, packages: [['dpkg-query', ok('ii \tBad Name\t1.0\n')]] });
  await assert.rejects(
    collectInventory(garbage.session, 'x', inventoryParsers, opts),
    (e: unknown) =>
      e instanceof RemoteError && e.kind === 'unsupported' && /dpkg package list: line 1/.test(e.message),
  );
});

test('a host reporting more packages than inventory.maxPackages is refused, saying how many', async () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => `ii \tpkg${i}\t1.0-${i}\tamd64\n`).join('');
  const many = await sessionFor({ ...debian, packages: [['dpkg-query', ok(list(101))]] });
  await assert.rejects(
    collectInventory(many.session, 'x', inventoryParsers, { ...opts, maxPackages: 100 }),
    (e: unknown) => {
      assert.ok(e instanceof RemoteError && e.kind === 'output-limit');
      assert.equal(e.message, 'host reported 101 packages; the limit is 100 (inventory.maxPackages)');
      return true;
    },
  );
  const enough = await sessionFor({ ...debian, packages: [['dpkg-query', ok(list(100))]] });
  const inv = await collectInventory(enough.session, 'x', inventoryParsers, { ...opts, maxPackages: 100 });
  assert.equal(inv.packages.length, 100);
});

test('commands survive both quoting layers: the deadline wrapper and the script', async () => {
  const tricky = `/srv/it's "here" $HOME \\ \`x\``;
  const { stdout } = await run('/bin/sh', [
    '-c',
    withDeadline(`printf '%s\\n' ${shellQuote(tricky)}; echo "$0"`, 5),
  ]);
  assert.equal(stdout, `${tricky}\n/bin/sh\n`);
  const { session, runner } = await sessionFor(debian);
  await collectInventory(session, 'x', inventoryParsers, { ...opts, dpkgAdminDir: tricky });
  assert.ok(runner.commands.some((c) => c.command.includes('--admindir=')));
});

test('helpers: status filter, reboot signals, ID_LIKE, quoting', () => {
  assert.equal(presentDpkgLines('ii \ta\t1\nrc \tb\t2\npn \tc\t3\niF \td\t4\n'), 'a\t1\nd\t4\n');
  assert.equal(parseRebootSignals('file=no\nkernel=no\n'), false);
  assert.equal(parseRebootSignals('file=yes\nkernel=no\n'), true);
  assert.equal(parseRebootSignals('file=no\nneeds-restarting=0\nkernel=yes\n'), true);
  assert.equal(parseRebootSignals('file=no\nneeds-restarting=127\nkernel=no\n'), false);
  assert.equal(ecosystemFromOsRelease('ID=pop\n', 'pop'), 'dpkg');
  assert.equal(ecosystemFromOsRelease('ID=nobara\nID_LIKE="fedora"\n', 'nobara'), 'rpm');
  assert.equal(ecosystemFromOsRelease('ID=x\n', 'x'), undefined);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
});
