/**
 * The amd64 disk image (image/build-image): a GPT with an EFI system partition (systemd-boot, the
 * kernel and initrd, an entry naming the root by UUID) and an ext4 root that checks clean; its
 * root boots under systemd-nspawn to /healthz, with the first-boot unit run once (login screen
 * text, stamp, disabled). When qemu-system-x86_64 and OVMF are installed, the image itself boots
 * under UEFI in qemu (software emulation, a network restricted to one forwarded port on loopback)
 * and answers /healthz. Minutes long: `npm run test:image` (root); CI runs it after npm test.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../support/wait-for.js';
import { run } from '../systemd/debs.js';
import { Container, nspawnUnavailableReason } from '../systemd/nspawn.js';

const skip = process.env.PATCH_DEPOT_IMAGE_TESTS
  ? nspawnUnavailableReason({ ...process.env, PATCH_DEPOT_SYSTEMD_TESTS: '1' })
  : 'builds a bootable disk image (minutes): run `npm run test:image`';
const OVMF = '/usr/share/ovmf/OVMF.fd';

interface Part {
  start: number;
  size: number;
  type: string;
  uuid?: string;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test('the amd64 image: partitions, boot files, a clean root that boots to /healthz', {
  skip,
  timeout: 2_400_000,
}, async (t) => {
  const dir = join(tmpdir(), `pdI-image-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  let container: Container | undefined;
  t.after(async () => {
    await container?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const img = join(dir, 'patch-depot-amd64.img');
  const root = join(dir, 'root');
  const started = Date.now();
  const built = spawnSync('image/build-image', ['--arch', 'amd64', '--keep-root', root, img], {
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr.slice(-3000));
  t.diagnostic(
    built.stderr
      .split('\n')
      .filter((l) => l.startsWith('build-image:'))
      .join('\n'),
  );
  t.diagnostic(`built in ${Math.round((Date.now() - started) / 1000)} s`);

  const table = JSON.parse(run('sfdisk', ['--json', img])).partitiontable as {
    label: string;
    partitions: Part[];
  };
  assert.equal(table.label, 'gpt');
  assert.deepEqual(
    table.partitions.map((p) => p.type),
    ['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709'],
  );
  const [esp, rootPart] = table.partitions as [Part, Part];
  const fat = `${img}@@${esp.start * 512}`;
  const listing = run('mdir', ['-i', fat, '-b', '-/', '::/'], undefined);
  for (const f of ['EFI/BOOT/BOOTX64.EFI', 'vmlinuz', 'initrd.img', 'loader/entries/patch-depot.conf']) {
    assert.ok(listing.includes(`::/${f}`), `${f} on the EFI system partition:\n${listing}`);
  }
  const entry = run('mtype', ['-i', fat, '::/loader/entries/patch-depot.conf']);
  const fsUuid = /root=UUID=([0-9a-f-]{36})/.exec(entry)?.[1];
  assert.ok(fsUuid, entry);

  // The root partition: the filesystem the entry names, and it checks clean.
  const rootImg = join(dir, 'root.ext4');
  run('dd', [
    `if=${img}`,
    `of=${rootImg}`,
    'bs=512',
    `skip=${rootPart.start}`,
    `count=${rootPart.size}`,
    'status=none',
  ]);
  assert.equal(run('blkid', ['-s', 'UUID', '-o', 'value', rootImg]).trim(), fsUuid);
  const fsck = spawnSync('e2fsck', ['-fn', rootImg], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  rmSync(rootImg);
  assert.match(readFileSync(join(root, 'etc/fstab'), 'utf8'), new RegExp(`UUID=${fsUuid} / ext4`));

  container = await Container.boot(root, `pdI-${process.pid}`, join(dir, 'console.log'));
  const c = container;
  await waitFor(
    () => c.sh('curl -sf --max-time 5 http://127.0.0.1:8080/healthz').status === 0,
    'the image root to answer /healthz',
    180_000,
  );
  await waitFor(
    () => c.sh('test -f /var/lib/patch-depot-firstboot.done').status === 0,
    'first boot to finish',
    120_000,
  );
  assert.match(
    c.sh('cat /etc/issue.d/patch-depot.issue').stdout,
    /Patch Depot: open http:\/\/\\4:8080\/[\s\S]*Setup code \(works once\): [A-Z0-9]{4}-/,
  );
  assert.equal(c.sh('systemctl is-enabled patch-depot-firstboot.service').stdout.trim(), 'disabled');
  assert.equal(c.sh('systemctl is-enabled systemd-networkd.service').stdout.trim(), 'enabled');
  await c.stop();
  container = undefined;

  if (!existsSync(OVMF) || spawnSync('qemu-system-x86_64', ['--version']).status !== 0) {
    t.diagnostic('qemu-system-x86_64 or OVMF not installed: the UEFI boot under qemu was not tried');
    return;
  }
  const port = await freePort();
  const booting = Date.now();
  // restrict=on: the guest reaches nothing but the one forwarded port; no traffic leaves this machine.
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      '-machine',
      'q35',
      '-m',
      '1024',
      '-smp',
      '2',
      '-bios',
      OVMF,
      '-display',
      'none',
      '-serial',
      `file:${join(dir, 'serial.log')}`,
      '-drive',
      `file=${img},format=raw,if=virtio`,
      '-nic',
      `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:8080`,
    ],
    { stdio: 'ignore' },
  );
  t.after(() => qemu.kill('SIGKILL'));
  await waitFor(
    async () => {
      if (qemu.exitCode !== null)
        throw new Error(
          `qemu exited ${qemu.exitCode}: ${readFileSync(join(dir, 'serial.log'), 'utf8').slice(-2000)}`,
        );
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) }).catch(
        () => undefined,
      );
      return r?.status === 200;
    },
    'the image booted under qemu to answer /healthz',
    900_000,
  );
  t.diagnostic(
    `UEFI boot under qemu (software emulation) to /healthz: ${Math.round((Date.now() - booting) / 1000)} s`,
  );
});
