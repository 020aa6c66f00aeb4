/**
 * The self-updater's decisions over a fake machine (the real AptSystem is proved by the systemd
 * test: test/systemd/self-update.test.ts): the window, up to date, an update that proves itself,
 * one that does not and is rolled back, a missing way back, and every point a kill -9 can leave.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../../daemon/config.js';
import { parseWindow } from '../../../daemon/deploy/policy/windows.js';
import { createLogger } from '../../../daemon/log.js';
import { ownProxy, sourceUris } from '../../../daemon/self-update/apt-system.js';
import { type StatusStore, statusFile, type UpdateStatus } from '../../../daemon/self-update/status.js';
import { type Health, SelfUpdater, type UpdateSystem } from '../../../daemon/self-update/updater.js';

const SUNDAY_0400_UTC = Date.parse('2026-12-06T04:00:00Z');
const MONDAY_1200_UTC = Date.parse('2026-12-07T12:00:00Z');
const versionOf = (deb: string) => /_(.+)\.deb$/.exec(deb)![1]!;

class FakeMachine implements UpdateSystem {
  calls: string[] = [];
  /** Health by running version; missing: it does not answer. */
  healthBy = new Map<string, Health>();
  offered: string | undefined;
  rollbackAvailable = true;
  failInstallOf: string | undefined;

  constructor(public installed: string | undefined) {}

  async installedVersion() {
    return this.installed;
  }
  async repair() {
    this.calls.push('repair');
  }
  async refresh() {
    this.calls.push('refresh');
  }
  async candidateVersion() {
    return this.offered;
  }
  async isNewer(a: string, b: string) {
    return a.localeCompare(b, 'en', { numeric: true }) > 0;
  }
  async download(version: string) {
    this.calls.push(`download ${version}`);
    return `/work/candidate/patch-depot_${version}.deb`;
  }
  async rollbackPackage(version: string) {
    return this.rollbackAvailable ? `/work/rollback/patch-depot_${version}.deb` : undefined;
  }
  async install(deb: string) {
    this.calls.push(`install ${versionOf(deb)}`);
    if (versionOf(deb) === this.failInstallOf) throw new Error('dpkg: error processing package');
    this.installed = versionOf(deb);
  }
  async snapshotState() {
    this.calls.push('snapshot');
  }
  async restoreState() {
    this.calls.push('restore');
  }
  async keepAsInstalled(deb: string) {
    this.calls.push(`keep ${versionOf(deb)}`);
  }
  async health() {
    return this.installed ? this.healthBy.get(this.installed) : undefined;
  }
}

const ok = (version: string, problems: Health['problems'] = []): Health => ({
  status: problems.length ? 'degraded' : 'ok',
  version,
  problems,
});

const memoryStatus = (initial: UpdateStatus = { phase: 'idle' }) => {
  const writes: UpdateStatus[] = [];
  let current = initial;
  const store: StatusStore = {
    read: async () => current,
    write: async (s) => {
      current = JSON.parse(JSON.stringify(s));
      writes.push(current);
    },
  };
  return { store, writes, now: () => current };
};

const updater = (machine: FakeMachine, status: StatusStore, at = SUNDAY_0400_UTC) => {
  let now = at;
  return new SelfUpdater({
    system: machine,
    status,
    window: parseWindow('Sun 03:00-Sun 05:00', 'UTC'),
    healthTimeoutMs: 120_000,
    pollMs: 2000,
    log: createLogger({ level: 'error', format: 'json', sink: { write: () => true } }),
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
};

test('outside the window nothing is asked or installed; inside, an offered newer version is installed, proved and kept', async () => {
  const machine = new FakeMachine('1.0.0');
  machine.offered = '1.1.0';
  machine.healthBy.set('1.0.0', ok('1.0.0'));
  machine.healthBy.set('1.1.0', ok('1.1.0'));
  const s = memoryStatus();
  const outside = await updater(machine, s.store, MONDAY_1200_UTC).run();
  assert.equal(outside.kind, 'outside-window');
  assert.deepEqual(machine.calls, []);
  const r = await updater(machine, s.store).run();
  assert.deepEqual(r, {
    kind: 'done',
    outcome: 'updated',
    from: '1.0.0',
    to: '1.1.0',
    message: 'updated from 1.0.0 to 1.1.0',
  });
  assert.deepEqual(machine.calls, ['refresh', 'download 1.1.0', 'snapshot', 'install 1.1.0', 'keep 1.1.0']);
  // Each phase was on disk before its step.
  assert.deepEqual(
    s.writes.map((w) => w.phase),
    ['idle', 'installing', 'verifying', 'idle'],
  );
  assert.equal(s.now().outcome, 'updated');
  assert.equal(s.now().rollbackDeb, undefined);
});

test('up to date, or only checking: nothing is downloaded or installed', async () => {
  const machine = new FakeMachine('1.1.0');
  machine.offered = '1.1.0';
  assert.equal((await updater(machine, memoryStatus().store).run()).kind, 'up-to-date');
  machine.offered = '1.2.0';
  const checked = await updater(machine, memoryStatus().store, MONDAY_1200_UTC).run({ checkOnly: true });
  assert.deepEqual(checked, { kind: 'available', installed: '1.1.0', available: '1.2.0' });
  assert.deepEqual(machine.calls, ['refresh', 'refresh']);
});

test('a new version with a new health problem is rolled back; a problem it already had is not its fault', async () => {
  const machine = new FakeMachine('1.0.0');
  machine.offered = '1.1.0';
  const stale = { source: 'catalog', message: 'feeds are 3 days old' };
  const staler = { source: 'catalog', message: 'feeds are 4 days old' };
  machine.healthBy.set('1.0.0', ok('1.0.0', [stale]));
  machine.healthBy.set('1.1.0', ok('1.1.0', [stale, { source: 'cache', message: 'cache index unreadable' }]));
  const s = memoryStatus();
  const r = await updater(machine, s.store).run();
  assert.equal(r.kind, 'done');
  assert.equal(r.kind === 'done' && r.outcome, 'rolled-back');
  assert.match(
    s.now().message!,
    /1\.1\.0 was not healthy within 120 s: it reported cache: cache index unreadable; rolled back to 1\.0\.0/,
  );
  assert.equal(machine.installed, '1.0.0');
  assert.ok(!machine.calls.includes('keep 1.1.0'));

  // The same problem with other figures is not new.
  machine.healthBy.set('1.1.0', ok('1.1.0', [staler]));
  const again = await updater(machine, s.store).run();
  assert.equal(again.kind === 'done' && again.outcome, 'updated');
});

test('a version that never answers, or fails to install, is rolled back; a failed way back says so', async () => {
  const machine = new FakeMachine('1.0.0');
  machine.offered = '1.1.0';
  machine.healthBy.set('1.0.0', ok('1.0.0'));
  const s = memoryStatus();
  const silent = await updater(machine, s.store).run();
  assert.equal(silent.kind === 'done' && silent.outcome, 'rolled-back');
  assert.match(s.now().message!, /it did not answer \/healthz/);

  machine.failInstallOf = '1.1.0';
  const failed = await updater(machine, s.store).run();
  assert.equal(failed.kind === 'done' && failed.outcome, 'rolled-back');
  assert.match(s.now().message!, /installing 1\.1\.0 failed: dpkg: error processing package/);

  machine.failInstallOf = undefined;
  machine.healthBy.delete('1.0.0');
  const broken = await updater(machine, s.store).run();
  assert.equal(broken.kind === 'done' && broken.outcome, 'rollback-failed');
  assert.equal(s.now().phase, 'idle');
});

test('no copy of the installed version means no update at all', async () => {
  const machine = new FakeMachine('1.0.0');
  machine.offered = '1.1.0';
  machine.rollbackAvailable = false;
  const s = memoryStatus();
  const r = await updater(machine, s.store).run();
  assert.equal(r.kind === 'done' && r.outcome, 'failed');
  assert.match(s.now().message!, /no copy of the installed package 1\.0\.0 to roll back to/);
  assert.ok(!machine.calls.some((c) => c.startsWith('install') || c.startsWith('download')));
});

test('after a kill -9 the next run finishes from what dpkg says, and never installs the update twice', async () => {
  const interrupted = (phase: UpdateStatus['phase']): UpdateStatus => ({
    phase,
    from: '1.0.0',
    to: '1.1.0',
    rollbackDeb: '/work/rollback/patch-depot_1.0.0.deb',
    deb: '/work/candidate/patch-depot_1.1.0.deb',
    problemsBefore: [],
  });
  // Killed after dpkg installed the new version: verified, not installed again, even outside the window.
  const installed = new FakeMachine('1.1.0');
  installed.healthBy.set('1.1.0', ok('1.1.0'));
  const a = memoryStatus(interrupted('installing'));
  const r1 = await updater(installed, a.store, MONDAY_1200_UTC).run();
  assert.equal(r1.kind === 'done' && r1.outcome, 'updated');
  assert.deepEqual(installed.calls, ['repair', 'keep 1.1.0']);

  // Killed before dpkg ran: the old version stays, the run says so, and nothing is installed now.
  const before = new FakeMachine('1.0.0');
  const b = memoryStatus(interrupted('installing'));
  const r2 = await updater(before, b.store, MONDAY_1200_UTC).run();
  assert.equal(r2.kind === 'done' && r2.outcome, 'failed');
  assert.deepEqual(before.calls, ['repair']);
  assert.equal(b.now().phase, 'idle');

  // Killed while verifying a version that is not healthy: rolled back.
  const sick = new FakeMachine('1.1.0');
  sick.healthBy.set('1.0.0', ok('1.0.0'));
  const c = memoryStatus(interrupted('verifying'));
  const r3 = await updater(sick, c.store, MONDAY_1200_UTC).run();
  assert.equal(r3.kind === 'done' && r3.outcome, 'rolled-back');
  assert.deepEqual(sick.calls, ['repair', 'repair', 'restore', 'install 1.0.0']);

  // Killed while rolling back: the rollback is finished.
  const half = new FakeMachine(undefined);
  half.healthBy.set('1.0.0', ok('1.0.0'));
  const d = memoryStatus({ ...interrupted('rolling-back'), message: '1.1.0 was not healthy' });
  const r4 = await updater(half, d.store, MONDAY_1200_UTC).run();
  assert.equal(r4.kind === 'done' && r4.outcome, 'rolled-back');
  assert.equal(half.installed, '1.0.0');
});

test('the status file round-trips, is world-readable, and a damaged one is an error naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-su-'));
  const store = statusFile(dir);
  assert.deepEqual(await store.read(), { phase: 'idle' });
  await store.write({ phase: 'installing', from: '1', to: '2', problemsBefore: ['x: y'] });
  assert.deepEqual(await store.read(), { phase: 'installing', from: '1', to: '2', problemsBefore: ['x: y'] });
  writeFileSync(join(dir, 'status.json'), '{"phase":"dancing"}');
  await assert.rejects(store.read(), /status\.json/);
});

test('the repository must be reachable through the cache: its URIs among cache.upstreams, the proxy on', () => {
  assert.deepEqual(
    sourceUris('Types: deb\nURIs: http://repo.example/pd http://b.example/x\nSuites: stable\n'),
    ['http://repo.example/pd', 'http://b.example/x'],
  );
  assert.deepEqual(sourceUris('# c\ndeb [signed-by=/k.gpg] http://repo.example/pd stable main\n'), [
    'http://repo.example/pd',
  ]);
  const config = configSchema.parse({ dataDir: '/d', cache: { upstreams: ['http://repo.example/'] } });
  assert.equal(ownProxy(config, ['http://repo.example/pd']), 'http://127.0.0.1:3142');
  assert.throws(() => ownProxy(config, ['http://other.example/pd']), /not among cache\.upstreams/);
  assert.throws(() => ownProxy(config, []), /names no repository URI/);
  const off = configSchema.parse({ dataDir: '/d', cache: { proxy: { enabled: false } } });
  assert.throws(() => ownProxy(off, ['http://repo.example/pd']), /cache\.proxy\.enabled/);
});
