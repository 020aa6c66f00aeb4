/**
 * A smoke test of the image build in npm test (the build itself is `npm run test:image`): the
 * script refuses mistakes with usage, and the customisation of a root makes a disk image's
 * fstab, network, first-boot unit and machine id.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../temp-dir.js';

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

test('build-image refuses mistakes with a usage message', () => {
  const none = sh('image/build-image', []);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /name the output image/);
  const bad = sh('image/build-image', ['--bogus', 'x.img']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --bogus/);
  assert.match(sh('image/build-image', ['--help']).stdout, /Raspberry Pi 3\/4\/5/);
});

test('image-customize makes a disk root: fstab by UUID, DHCP, the first-boot unit, a fresh machine id', async (t) => {
  const root = await tempDir(t);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/machine-id'), 'the build machine\n');
  const r = sh('image/image-customize', [root, 'amd64', '0d6c3f1e-1111-4222-8333-944455556666']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    readFileSync(join(root, 'etc/fstab'), 'utf8'),
    /^UUID=0d6c3f1e-1111-4222-8333-944455556666 \/ ext4 /m,
  );
  assert.match(
    readFileSync(join(root, 'etc/systemd/network/20-ethernet.network'), 'utf8'),
    /Name=en\* eth\*[\s\S]*DHCP=yes/,
  );
  assert.equal(readFileSync(join(root, 'etc/machine-id'), 'utf8'), '', 'made on first boot');
  assert.ok(statSync(join(root, 'usr/lib/patch-depot/firstboot')).mode & 0o100);
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants/patch-depot-firstboot.service');
  assert.ok(existsSync(wants) || readlinkSync(wants), 'the first-boot unit is enabled');
  const check = sh('systemd-analyze', [
    'verify',
    join(root, 'usr/lib/systemd/system/patch-depot-firstboot.service'),
  ]);
  assert.doesNotMatch(check.stderr, /patch-depot-firstboot\.service:\d+: /, check.stderr);
});
