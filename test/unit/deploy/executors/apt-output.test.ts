/** apt-get -s, df, dpkg --audit and failed runs, read from real recorded outputs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyAptFailure,
  parseAptSimulation,
  parseDpkgAudit,
} from '../../../../daemon/deploy/executors/apt-output.js';
import { parseDfAvailable, refusedRemovals } from '../../../../daemon/deploy/executors/package-executor.js';
import { aptFixture, aptRecord } from './apt-fixtures.js';

test('one pinned upgrade: Inst with the old and the new version, its Conf folded in', () => {
  assert.deepEqual(parseAptSimulation(aptFixture('simulate-bash', 'stdout')), [
    { action: 'upgrade', name: 'bash', from: '5.2.15-2+b8', to: '5.2.15-2+b13' },
  ]);
});

test('dependencies pulled in by the pinned upgrades are listed too, epochs kept', () => {
  const actions = parseAptSimulation(aptFixture('simulate-deps', 'stdout'));
  assert.equal(actions.length, 8);
  assert.ok(actions.every((a) => a.action === 'upgrade'));
  assert.deepEqual(
    actions.find((a) => a.name === 'libcap2-bin'),
    { action: 'upgrade', name: 'libcap2-bin', from: '1:2.66-4+deb12u2+b2', to: '1:2.66-4+deb12u3+b1' },
  );
  assert.deepEqual(
    actions.find((a) => a.name === 'libexpat1-dev'),
    { action: 'upgrade', name: 'libexpat1-dev', from: '2.5.0-1+deb12u1', to: '2.5.0-1+deb12u5' },
  );
});

test('removals and new packages: Remv names the installed version, Inst without one is an install', () => {
  const actions = parseAptSimulation(aptFixture('simulate-removal', 'stdout'));
  const removed = actions.filter((a) => a.action === 'remove');
  assert.equal(removed.length, 14);
  assert.deepEqual(removed[0], { action: 'remove', name: 'at-spi2-core', from: '2.46.0-5' });
  assert.ok(actions.some((a) => a.action === 'install' && a.name === 'sysvinit-core'));
  assert.deepEqual(refusedRemovals(actions, ['at-spi2-core', 'chromium']).slice(0, 2), [
    'libgtk-3-0',
    'libgtk-3-common',
  ]);
  assert.deepEqual(refusedRemovals(parseAptSimulation(aptFixture('simulate-bash', 'stdout')), []), []);
});

test('a lower version in an Inst line is a downgrade', () => {
  const text =
    'Inst foo [2.0-1] (1.9-3 Debian:12/stable [amd64])\nConf foo (1.9-3 Debian:12/stable [amd64])\n';
  assert.deepEqual(parseAptSimulation(text), [
    { action: 'downgrade', name: 'foo', from: '2.0-1', to: '1.9-3' },
  ]);
});

test('df -Pk: available KiB in bytes; garbage is an error', () => {
  assert.equal(parseDfAvailable(aptFixture('df', 'stdout')), 81379784 * 1024);
  assert.throws(
    () => parseDfAvailable('df: /var/cache/apt/archives: No such file or directory\n'),
    /unexpected df/,
  );
});

test('dpkg --audit: silence is a clean database, a report is a broken one (exit 0 both times)', () => {
  assert.equal(parseDpkgAudit(''), false);
  assert.equal(aptFixture('dpkg-audit-broken', 'exit').trim(), '0');
  assert.equal(parseDpkgAudit(aptFixture('dpkg-audit-broken', 'stdout')), true);
});

test('a lock held past DPkg::Lock::Timeout is transient and names the holder', () => {
  const f = classifyAptFailure(aptRecord('lock-timeout'));
  assert.equal(f.kind, 'transient');
  assert.match(f.reason, /locked by python3 \(pid \d+\)/);
  assert.equal(f.record?.exitCode, 100);
  assert.equal(classifyAptFailure(aptRecord('dpkg-lock', 'recover')).kind, 'transient');
});

test('a failing postinst is permanent and names the package and the script', () => {
  const f = classifyAptFailure(aptRecord('postinst-failure'));
  assert.equal(f.kind, 'permanent');
  assert.equal(f.reason, 'install: the post-installation script of pd-broken failed (exit 1)');
  assert.equal(classifyAptFailure(aptRecord('configure-a-failure', 'recover')).kind, 'permanent');
});

test('an unknown package or version is permanent', () => {
  const pkg = classifyAptFailure(aptRecord('unknown-package', 'dry-run'));
  assert.deepEqual(
    [pkg.kind, pkg.reason],
    ['permanent', "dry-run: package nosuchpkg-pd is not in the host's repositories"],
  );
  const ver = classifyAptFailure(aptRecord('version-not-found', 'dry-run'));
  assert.deepEqual(
    [ver.kind, ver.reason],
    ['permanent', "dry-run: version 9.9-1 of bash is not in the host's repositories"],
  );
});

test('a download through an unreachable cache is transient; a cut-off run too; anything else permanent', () => {
  const base = aptRecord('install-ok');
  const fetch = {
    ...base,
    exitCode: 100,
    stderr:
      'E: Failed to fetch http://10.213.9.1/debian/pool/main/b/bash/bash_5.2.15-2+b13_amd64.deb  Could not connect to 10.213.5.1:3142 (10.213.5.1). - connect (111: Connection refused)\nE: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n',
  };
  assert.equal(classifyAptFailure(fetch).kind, 'transient');
  assert.equal(classifyAptFailure({ ...base, exitCode: null }).kind, 'transient');
  const other = classifyAptFailure({ ...base, exitCode: 100, stderr: 'E: Something new\n' });
  assert.deepEqual([other.kind, other.reason], ['permanent', 'install: exit 100: Something new']);
});
