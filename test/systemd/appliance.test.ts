/**
 * The appliance under real systemd: the .deb installs on a clean Debian 13 root (image/build-rootfs),
 * the root boots with systemd-nspawn --boot, patch-depot.service becomes active only after READY=1
 * and answers /healthz; STATUS= carries the health line; `systemd-analyze security` ≤ 2.5; an
 * upgrade keeps the state; a wedged event loop gets the daemon restarted by the watchdog; removal
 * keeps the data and purge deletes it. Minutes long: `npm run test:systemd` (root).
 *
 * PATCH_DEPOT_PREVIOUS_DEB=FILE upgrades from that .deb; without it the previous package is the
 * one built here, repacked with a lower version (same code: the upgrade path, not a migration).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/wait-for.js';
import { debVersion, healthz, repack, run } from './debs.js';
import { Container, nspawnUnavailableReason } from './nspawn.js';

const skip = nspawnUnavailableReason();
const UNIT = 'patch-depot.service';

const secretOf = (root: string): string =>
  (
    JSON.parse(readFileSync(join(root, 'var/lib/private/patch-depot/state.json'), 'utf8')) as {
      secret: string;
    }
  ).secret;

test('the .deb on a clean Debian root under systemd: ready, health, hardening, upgrade, watchdog, purge', {
  skip,
  timeout: 1_500_000,
}, async (t) => {
  const dir = join(tmpdir(), `pdA-systemd-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  let container: Container | undefined;
  // The container halts before its root is deleted.
  t.after(async () => {
    await container?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const deb = run('scripts/build-deb', ['--out', dir]).trim().split('\n').at(-1)!;
  const previous = process.env.PATCH_DEPOT_PREVIOUS_DEB ?? repack(deb, dir, `${debVersion(deb)}~prev`);
  const root = join(dir, 'root');
  run('image/build-rootfs', ['--deb', previous, '--variant', 'minbase', `${root}/`]);
  const booted = await Container.boot(root, `pdA-${process.pid}`, join(dir, 'console.log'));
  container = booted;
  const version = (c: Container) => healthz(c)?.version;

  await t.test('the service is active only after READY=1 and answers /healthz', async () => {
    await waitFor(
      () => booted.sh(`systemctl is-active ${UNIT}`).stdout.trim() === 'active',
      `${UNIT} active`,
      120_000,
    );
    const props = booted.show(UNIT, 'Type', 'NotifyAccess', 'WatchdogUSec', 'StatusText', 'User');
    assert.equal(props.Type, 'notify');
    assert.equal(props.NotifyAccess, 'all');
    assert.equal(props.WatchdogUSec, '30s');
    assert.match(props.StatusText ?? '', /^(healthy|degraded: .+)$/);
    const h = healthz(booted);
    assert.ok(h, 'healthz answers');
    assert.equal(h.status, 'ok');
    assert.match(
      booted.sh(`readlink /proc/$(systemctl show -p MainPID --value ${UNIT})/exe`).stdout,
      /^\/opt\/patch-depot\/node\/bin\/node/,
    );
  });

  await t.test('systemd-analyze security rates the running unit at most 2.5', () => {
    const r = booted.sh(`systemd-analyze security ${UNIT} --no-pager`);
    const m = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    t.diagnostic(`systemd-analyze security: ${m[1]}`);
    assert.ok(Number(m[1]) <= 2.5, `exposure ${m[1]}`);
  });

  await t.test('an upgrade to the built .deb keeps the state and runs the new version', async () => {
    const before = secretOf(root);
    const oldVersion = version(booted);
    // Not /tmp: the booted container has its own tmpfs there.
    copyFileSync(deb, join(root, 'var/tmp/new.deb'));
    const r = booted.sh('dpkg -i /var/tmp/new.deb');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    await waitFor(
      () => {
        const v = version(booted);
        return v !== undefined && v !== oldVersion;
      },
      'the new version to answer',
      120_000,
    );
    assert.equal(secretOf(root), before, 'state.json kept across the upgrade');
    assert.equal(booted.sh(`systemctl is-enabled ${UNIT}`).stdout.trim(), 'enabled');
  });

  await t.test('a wedged event loop gets no watchdog pings, and systemd restarts the daemon', async () => {
    mkdirSync(join(root, 'opt/pd-test'), { recursive: true });
    copyFileSync(
      fileURLToPath(new URL('./fixtures/wedge.mjs', import.meta.url)),
      join(root, 'opt/pd-test/wedge.mjs'),
    );
    mkdirSync(join(root, `etc/systemd/system/${UNIT}.d`), { recursive: true });
    writeFileSync(
      join(root, `etc/systemd/system/${UNIT}.d/wedge.conf`),
      '[Service]\nWatchdogSec=4s\nRestartSec=1s\nEnvironment=NODE_OPTIONS=--import=/opt/pd-test/wedge.mjs\n',
    );
    assert.equal(booted.sh(`systemctl daemon-reload && systemctl restart ${UNIT}`).status, 0);
    const first = booted.show(UNIT, 'MainPID', 'NRestarts', 'ActiveState');
    assert.equal(first.ActiveState, 'active');
    assert.ok(healthz(booted), 'answers before the wedge');
    assert.equal(booted.sh(`systemctl kill --kill-whom=main -s SIGUSR2 ${UNIT}`).status, 0);
    await waitFor(
      () => {
        const now = booted.show(UNIT, 'MainPID', 'NRestarts', 'ActiveState');
        return (
          now.ActiveState === 'active' &&
          now.MainPID !== first.MainPID &&
          Number(now.NRestarts) > Number(first.NRestarts)
        );
      },
      'a restart by the watchdog',
      120_000,
    );
    const journal = booted.sh(`journalctl -u ${UNIT} --no-pager`).stdout;
    assert.match(journal, /[Ww]atchdog timeout/);
    t.diagnostic(
      journal
        .split('\n')
        .filter((l) => /atchdog/.test(l))
        .join('\n'),
    );
    await waitFor(() => healthz(booted) !== undefined, 'answers again after the restart', 60_000);
    rmSync(join(root, `etc/systemd/system/${UNIT}.d`), { recursive: true });
    booted.sh('systemctl daemon-reload');
  });

  await t.test('remove keeps the data; purge deletes it', () => {
    const secret = secretOf(root);
    assert.equal(booted.sh('dpkg -r patch-depot').status, 0);
    assert.notEqual(booted.sh(`systemctl is-active ${UNIT}`).stdout.trim(), 'active');
    assert.equal(secretOf(root), secret);
    assert.equal(booted.sh('dpkg -P patch-depot').status, 0);
    assert.notEqual(booted.sh('test -e /var/lib/private/patch-depot').status, 0);
  });
});
