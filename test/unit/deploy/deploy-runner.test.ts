import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { admin, startDeploy } from '../../deploy-service.js';
import { ManualClock } from '../../fakes/clock.js';
import { assessment, FakeSite } from '../../fakes/deploy-site.js';
import { memoryLogger } from '../../fakes/log.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

const HOUR = 3_600_000;
const OLD = { openssl: '3.0.1-1', libssl3: '3.0.1-1' };

/** The deployment as a new process reads it from disk (its record and the journal continuing it). */
const onDisk = async (dir: string, id: string): Promise<Deployment> => {
  const store = new DeploymentStore(join(dir, 'deploy', 'deployments'), memoryLogger());
  await store.load();
  return (await store.record(id))!;
};

const host = (d: Deployment, id: string) => d.hosts.find((h) => h.hostId === id)!;

test('a whole deployment: the pilot verifies, soaks, ring 1 meets a failing host and its gate halts ring 2', async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const site = new FakeSite();
  for (const id of ['p1', 'p2', 'a2', 'b1', 'b2']) site.add(id, { installed: OLD });
  site.add('a1', {
    installed: OLD,
    installFails: { kind: 'permanent', reason: 'openssl postinst failed (exit 1)' },
  });
  const { deploy, stop } = await startDeploy(dir, site, clock);
  onTeardown(t, stop);

  const ids = ['p1', 'p2', 'a1', 'a2', 'b1', 'b2'];
  const ring = (id: string) => (id.startsWith('p') ? 0 : id.startsWith('a') ? 1 : 2);
  const d = await deploy.create(
    {
      title: 'DSA-1 openssl',
      assessments: ids.map((id) => assessment(id, [{}])),
      selection: { advisories: ['DSA-1'] },
      placement: Object.fromEntries(ids.map((id) => [id, { group: `ring${ring(id)}`, ring: ring(id) }])),
    },
    admin,
  );
  assert.deepEqual(host(d, 'p1').change.upgrades, [
    { name: 'libssl3', version: '3.0.2-1', advisories: ['DSA-1'] },
    { name: 'openssl', version: '3.0.2-1', advisories: ['DSA-1'] },
  ]);
  await deploy.run(d.id, admin, { now: true });
  // Nothing is approved yet: every pilot host waits and says why.
  assert.match(host(d, 'p1').waiting ?? '', /waiting for approval/);
  assert.equal(site.calls.length, 0);

  await deploy.approve(d.id, { kind: 'advisory', id: 'DSA-1' }, admin);
  await waitFor(() => d.rings[0]!.state === 'soaking', 'the pilot ring to verify and soak');
  assert.deepEqual([host(d, 'p1').outcome, host(d, 'p2').outcome], ['verified', 'verified']);
  assert.equal(site.ran('install').length, 2);
  assert.equal(d.rings[1]!.state, 'pending', 'ring 1 waits for the soak');

  await clock.advance(24 * HOUR);
  await waitFor(() => d.state === 'halted', 'the ring 1 gate to halt the deployment');
  assert.equal(host(d, 'a1').outcome, 'failed');
  assert.match(host(d, 'a1').reason ?? '', /postinst failed/);
  assert.equal(host(d, 'a2').outcome, 'verified');
  assert.equal(d.rings[1]!.state, 'halted');
  assert.match(d.rings[1]!.note ?? '', /1 of 2 hosts succeeded \(50% < 100%\).*a1/);
  assert.equal(d.rings[2]!.state, 'pending');
  assert.deepEqual(
    site.calls.filter((c) => c.startsWith('b')),
    [],
    'ring 2 hosts were never touched',
  );
  assert.deepEqual(
    d.breakers.map((b) => `${b.hostId} ${b.update}`),
    ['a1 libssl3=3.0.2-1', 'a1 openssl=3.0.2-1'],
  );
  assert.deepEqual(d.haltedUpdates.sort(), ['libssl3=3.0.2-1', 'openssl=3.0.2-1']);
  // The record on disk says the same, and the approval is in the audit log with who and from where.
  await deploy.store.settled();
  assert.equal((await onDisk(dir, d.id)).state, 'halted');
  const audit = await deploy.audit.read();
  assert.deepEqual(
    audit.map((e) => [e.action, e.by, e.from]),
    [
      ['start', 'admin', '192.0.2.10'],
      ['approve', 'admin', '192.0.2.10'],
    ],
  );

  // The halted update does not start anywhere else either.
  const other = await deploy.create(
    {
      title: 'again',
      assessments: [assessment('b1', [{}])],
      selection: {},
      placement: { b1: { group: 'x', ring: 0 } },
    },
    admin,
  );
  await deploy.approve(other.id, { kind: 'group', group: 'x' }, admin);
  await deploy.run(other.id, admin, { now: true });
  assert.equal(other.state, 'halted');
  assert.match(other.note ?? '', /promotion of .*openssl=3.0.2-1.* is halted/);
  assert.equal(site.calls.filter((c) => c.startsWith('b')).length, 0);
});

/** Start a one-host deployment whose install never returns, and wait until "installing" is on disk. */
const crashMidInstall = async (dir: string) => {
  const site = new FakeSite().add('h1', { installed: OLD, holdInstall: new Promise(() => {}) });
  const first = await startDeploy(dir, site, new ManualClock());
  const d = await first.deploy.create(
    {
      title: 'openssl',
      assessments: [assessment('h1', [{}])],
      selection: {},
      placement: { h1: { group: 'g', ring: 0 } },
    },
    admin,
  );
  await first.deploy.approve(d.id, { kind: 'package', name: 'lib*' }, admin);
  await first.deploy.approve(d.id, { kind: 'package', name: 'openssl' }, admin);
  await first.deploy.run(d.id, admin, { now: true });
  await waitFor(async () => {
    const h = host(await onDisk(dir, d.id), 'h1');
    return h.phase === 'installing' && h.intent?.step === 'install' && site.ran('install').length > 0;
  }, 'the install intent on disk');
  assert.deepEqual(site.ran('install'), ['h1:install']);
  // kill -9: the first daemon is simply abandoned, never stopped; its job record still says running.
  return d.id;
};

test('after kill -9 mid-install, a new runner re-verifies the host and does not install again', async (t) => {
  const dir = await tempDir(t);
  const id = await crashMidInstall(dir);
  // The install did land on the host before the appliance died.
  const site = new FakeSite().add('h1', { installed: { openssl: '3.0.2-1', libssl3: '3.0.2-1' } });
  const second = await startDeploy(dir, site, new ManualClock());
  onTeardown(t, second.stop);
  const d = await second.deploy.get(id);
  await waitFor(() => d.state === 'completed', 'the deployment to complete after the restart');
  const h = host(d, 'h1');
  assert.equal(h.outcome, 'verified');
  assert.deepEqual(site.ran('install'), [], 'never installed again');
  assert.deepEqual(site.calls.slice(0, 1), ['h1:verify'], 'the first thing done is a re-inventory');
  assert.ok(h.failures.some((f) => f.kind === 'reconciled' && /not run again/.test(f.reason)));
  assert.equal(h.intent, undefined);
  await second.deploy.store.settled();
  assert.equal(host(await onDisk(dir, id), 'h1').outcome, 'verified');
});

test('after kill -9 mid-install where the install never landed, the host is checked, then installed once', async (t) => {
  const dir = await tempDir(t);
  const id = await crashMidInstall(dir);
  const site = new FakeSite().add('h1', { installed: OLD });
  const second = await startDeploy(dir, site, new ManualClock());
  onTeardown(t, second.stop);
  const d = await second.deploy.get(id);
  await waitFor(() => d.state === 'completed', 'the deployment to complete after the restart');
  assert.equal(host(d, 'h1').outcome, 'verified');
  assert.deepEqual(site.calls, [
    'h1:verify',
    'h1:preflight',
    'h1:dry-run',
    'h1:install',
    'h1:reboot-need',
    'h1:verify',
  ]);
  assert.match(host(d, 'h1').failures.at(-1)?.reason ?? '', /still misses libssl3, openssl/);
});

test("host jobs are titled with the host's name, never its internal id", async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const site = new FakeSite();
  site.add('h-0123abcd', { installed: OLD });
  site.add('h-4567ef01', { installed: OLD });
  const names: Record<string, string> = { 'h-0123abcd': 'front-desk' };
  const { deploy, work, stop } = await startDeploy(dir, site, clock, (id) => names[id]);
  onTeardown(t, stop);
  const d = await deploy.create(
    {
      title: 'DSA-1 openssl',
      assessments: ['h-0123abcd', 'h-4567ef01'].map((id) => assessment(id, [{}])),
      selection: { advisories: ['DSA-1'] },
    },
    admin,
  );
  await deploy.approve(d.id, { kind: 'advisory', id: 'DSA-1' }, admin);
  await deploy.run(d.id, admin, { now: true });
  await waitFor(() => work.jobs.list({ group: d.id }).length === 2, 'both host jobs');
  const titles = work.jobs
    .list({ group: d.id })
    .map((j) => j.title)
    .sort();
  assert.deepEqual(titles, ['Deploy DSA-1 openssl to a host', 'Deploy DSA-1 openssl to front-desk']);
});

test('a host left queued with its job gone (a crash between the two writes) is pending again, on disk too', async (t) => {
  const dir = await tempDir(t);
  const site = new FakeSite().add('h1', { installed: OLD }).add('h2', { installed: OLD });
  const first = await startDeploy(dir, site, new ManualClock());
  const d = await first.deploy.create(
    {
      title: 'DSA-1',
      assessments: ['h1', 'h2'].map((id) => assessment(id, [{}])),
      selection: { advisories: ['DSA-1'] },
    },
    admin,
  );
  await first.deploy.run(d.id, admin, { now: true });
  await first.deploy.pause(d.id, admin);
  await first.stop();
  // As a crash between "queued" and its job being written leaves it.
  const store = new DeploymentStore(join(dir, 'deploy', 'deployments'), memoryLogger());
  await store.load();
  const left = (await store.record(d.id))!;
  Object.assign(host(left, 'h1'), { phase: 'queued', jobId: 'job-that-never-was' });
  await store.save(left);
  await store.settled();

  const second = await startDeploy(dir, site, new ManualClock());
  onTeardown(t, second.stop);
  assert.equal(host(await second.deploy.get(d.id), 'h1').phase, 'pending');
  await second.deploy.store.settled();
  // Read by another process while the daemon still runs (its journal not folded in yet).
  assert.equal(host(await onDisk(dir, d.id), 'h1').phase, 'pending');
});
