/** The exact apt-get command lines, and what they refuse to build. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aptCommands,
  onboardFile,
  pinnedPackages,
} from '../../../../daemon/deploy/executors/apt-commands.js';

const up = (name: string, version: string) => ({ name, version, advisories: ['DSA-1'] });
const proxy = { proxyUrl: 'http://10.213.5.1:3142' };

test('install: non-interactive, old conffiles kept, lock wait, through the cache, only upgrades, pinned', () => {
  assert.deepEqual(
    aptCommands.install([up('bash', '5.2.15-2+b13'), up('libcap2', '1:2.66-4+deb12u3+b1')], proxy),
    [
      '/usr/bin/apt-get',
      '-y',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      '-o',
      'DPkg::Lock::Timeout=300',
      '-o',
      'Acquire::http::Proxy=http://10.213.5.1:3142/',
      'install',
      '--only-upgrade',
      'bash=5.2.15-2+b13',
      'libcap2=1:2.66-4+deb12u3+b1',
    ],
  );
});

test('the dry run is the same transaction under -s', () => {
  const sim = aptCommands.simulate([up('bash', '5.2.15-2+b13')], { lockTimeoutSec: 10 });
  assert.deepEqual(sim.slice(0, 2), ['/usr/bin/apt-get', '-s']);
  assert.ok(sim.includes('DPkg::Lock::Timeout=10'));
  assert.ok(!sim.some((w) => w.startsWith('Acquire::')), 'no proxy configured: none passed');
  assert.deepEqual(sim.slice(-3), ['install', '--only-upgrade', 'bash=5.2.15-2+b13']);
});

test('names and versions that apt could read as options or patterns are refused', () => {
  assert.throws(() => pinnedPackages([up('-oAPT::Foo=1', '1')]), /package name/);
  assert.throws(() => pinnedPackages([up('linux-image-*', '1')]), /package name/);
  assert.throws(() => pinnedPackages([up('bash', '1 2')]), /version/);
  assert.throws(() => pinnedPackages([]), /no packages/);
  assert.deepEqual(pinnedPackages([up('libc6:i386', '2.36-9+deb12u4')]), ['libc6:i386=2.36-9+deb12u4']);
});

test('a proxy URL with credentials, quotes or another scheme is refused', () => {
  for (const proxyUrl of [
    'https://10.0.0.1:3142/',
    'http://u:p@10.0.0.1:3142/',
    'http://10.0.0.1:3142/";x',
  ]) {
    assert.throws(() => aptCommands.install([up('bash', '1')], { proxyUrl }), /proxy URL/);
  }
});

test('onboarding writes one apt.conf.d file with the proxy line', () => {
  assert.deepEqual(onboardFile('90patch-depot', 'http://10.213.5.1:3142'), {
    path: '/etc/apt/apt.conf.d/90patch-depot',
    content:
      '// Written by Patch Depot ("onboard this host"): apt fetches through the site\'s package cache.\nAcquire::http::Proxy "http://10.213.5.1:3142/";\n',
  });
  assert.throws(() => onboardFile('../sudoers.d/x', 'http://10.0.0.1:3142'), /file name/);
});
