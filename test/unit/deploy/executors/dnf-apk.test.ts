/** dnf and apk: command lines, their transaction output as PackageActions, failures as kinds. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  apkCommands,
  apkEnv,
  classifyApkFailure,
  parseApkChanges,
} from '../../../../daemon/deploy/executors/apk.js';
import {
  classifyDnfFailure,
  dnfCommands,
  dnfDryRunSucceeded,
  parseDnfTransaction,
} from '../../../../daemon/deploy/executors/dnf.js';
import type { StepRecord } from '../../../../daemon/deploy/ports.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../../fixtures/deploy/${path}`, import.meta.url), 'utf8');
const record = (stdout: string, stderr: string, exitCode: number | null, step = 'install'): StepRecord => ({
  step,
  command: '...',
  stdout,
  stderr,
  exitCode,
  startedAt: '2026-11-23T10:00:00.000Z',
  finishedAt: '2026-11-23T10:00:01.000Z',
  truncated: false,
});
const up = (name: string, version: string) => ({ name, version, advisories: [] });

test('dnf: pinned upgrades (epoch dropped from the spec), the dry run under --assumeno, the proxy', () => {
  assert.deepEqual(
    dnfCommands.upgrade([up('openssl', '1:3.0.7-27.el9_4')], { proxyUrl: 'http://10.0.0.2:3142' }),
    [
      '/usr/bin/dnf',
      '-y',
      '--best',
      '--setopt=skip_if_unavailable=False',
      '--setopt=proxy=http://10.0.0.2:3142/',
      'upgrade',
      'openssl-3.0.7-27.el9_4',
    ],
  );
  assert.deepEqual(dnfCommands.advisories(['RHSA-2024:1234', 'RLSA-2024:0100'], {}, true), [
    '/usr/bin/dnf',
    '--assumeno',
    '--best',
    '--setopt=skip_if_unavailable=False',
    'upgrade-minimal',
    '--advisory=RHSA-2024:1234',
    '--advisory=RLSA-2024:0100',
  ]);
  assert.throws(() => dnfCommands.advisories(['--best'], {}), /advisory/);
  assert.throws(() => dnfCommands.upgrade([up('open ssl', '1-1')], {}), /rpm name/);
});

test('dnf: the transaction table, wrapped names and versions included', () => {
  const text = fixture('dnf/assumeno-upgrade.txt');
  assert.deepEqual(parseDnfTransaction(text), [
    { action: 'upgrade', name: 'openssl', to: '1:3.0.7-27.el9_4' },
    { action: 'upgrade', name: 'openssl-libs', to: '1:3.0.7-27.el9_4' },
    { action: 'upgrade', name: 'python3-libdnf-plugins-core-extras-long-name', to: '4.3.0-13.el9_4' },
    { action: 'install', name: 'crypto-policies-scripts', to: '20240202-1.git283706d.el9' },
    { action: 'remove', name: 'compat-openssl11', from: '1:1.1.1k-4.el9_0' },
  ]);
  assert.equal(dnfDryRunSucceeded(record(text, '', 1, 'dry-run')), true, '--assumeno exits 1 by design');
  assert.deepEqual(parseDnfTransaction(fixture('dnf/upgrade-minimal-advisory.txt')), [
    { action: 'upgrade', name: 'sudo', to: '1.9.5p2-10.el9_3' },
  ]);
});

test('dnf failures: no match permanent, lock and metadata transient', () => {
  const noMatch = classifyDnfFailure(
    record(fixture('dnf/no-match.stdout'), fixture('dnf/no-match.stderr'), 1),
  );
  assert.deepEqual(
    [noMatch.kind, noMatch.reason],
    ['permanent', "install: nosuchpkg-1.0-1.el9 is not in the host's repositories"],
  );
  assert.equal(classifyDnfFailure(record(fixture('dnf/lock.stdout'), '', null)).kind, 'transient');
  assert.equal(classifyDnfFailure(record('', fixture('dnf/metadata.stderr'), 1)).kind, 'transient');
  const other = classifyDnfFailure(record('', 'Error: something else\n', 1));
  assert.deepEqual([other.kind, other.reason], ['permanent', 'install: exit 1: something else']);
});

test('apk: add -u pinned, -s for the dry run, the proxy in the environment', () => {
  assert.deepEqual(apkCommands.add([up('busybox', '1.36.1-r19')], true), [
    '/sbin/apk',
    'add',
    '--no-progress',
    '-s',
    '-u',
    'busybox=1.36.1-r19',
  ]);
  assert.deepEqual(apkEnv('http://10.0.0.2:3142'), { HTTP_PROXY: 'http://10.0.0.2:3142/', LC_ALL: 'C' });
  assert.throws(() => apkCommands.add([up('busybox', '>1.0')]), /apk name/);
});

test('apk: upgrades, installs and purges from the simulated run', () => {
  assert.deepEqual(parseApkChanges(fixture('apk/simulate.txt')), [
    { action: 'remove', name: 'libcrypto1.1', from: '1.1.1w-r1' },
    { action: 'upgrade', name: 'musl', from: '1.2.4_git20230717-r4', to: '1.2.4_git20230717-r5' },
    { action: 'install', name: 'libcrypto3', to: '3.1.4-r5' },
    { action: 'upgrade', name: 'busybox', from: '1.36.1-r15', to: '1.36.1-r19' },
  ]);
});

test('apk failures: lock transient; unknown package, missing version and failed script permanent', () => {
  assert.equal(classifyApkFailure(record('', fixture('apk/lock.txt'), 99)).kind, 'transient');
  const kinds = ['no-such-package', 'version-not-found', 'script-failed'].map((name) =>
    classifyApkFailure(record('', fixture(`apk/${name}.txt`), 1)),
  );
  assert.deepEqual(
    kinds.map((f) => [f.kind, f.reason]),
    [
      ['permanent', "install: package nosuchpkg is not in the host's repositories"],
      ['permanent', "install: version 1.36.1-r99 of busybox is not in the host's repositories"],
      ['permanent', 'install: the post-upgrade script of busybox-1.36.1-r19 failed (exit 127)'],
    ],
  );
});
