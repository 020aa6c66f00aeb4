import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { CreateDeployment } from '../../../daemon/deploy/deploy-service.js';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { connectFailure } from '../../../daemon/deploy/executors/remote-steps.js';
import { StepFailure } from '../../../daemon/deploy/ports.js';
import { HostKeyChangedError } from '../../../daemon/remote/remote-error.js';
import { admin, startDeploy } from '../../deploy-service.js';
import { ManualClock } from '../../fakes/clock.js';
import { assessment, type FakeHostOptions, FakeSite } from '../../fakes/deploy-site.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

const OLD = { openssl: '3.0.1-1', libssl3: '3.0.1-1' };
/** Unlike any other sleep of the service (the job log's 1 s debounce, the 1 s polls): a test waits for this one. */
const BACKOFF = 1_500;

/** One host, one ring, approved, run now (unless the policy says otherwise). */
const oneHost = async (t: TestContext, opts: FakeHostOptions, policy: CreateDeployment['policy'] = {}) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const site = new FakeSite().add('h1', opts);
  const s = await startDeploy(dir, site, clock, undefined, { backoffMs: BACKOFF });
  onTeardown(t, s.stop);
  const d = await s.deploy.create(
    {
      title: 'openssl',
      assessments: [assessment('h1', [{}])],
      selection: {},
      placement: { h1: { group: 'g', ring: 0 } },
      policy,
    },
    admin,
  );
  await s.deploy.approve(d.id, { kind: 'group', group: 'g' }, admin);
  return { ...s, d, site, clock, h: () => d.hosts[0]! };
};
const tried = (x: { h: () => Deployment['hosts'][number] }) =>
  x.h().failures.filter((f) => f.kind === 'transient').length;
const ended = (d: Deployment) => () => d.hosts[0]!.outcome !== undefined;

test('a transient failure retries with backoff, showing the attempt count and reason, then succeeds', async (t) => {
  const x = await oneHost(t, {
    installed: OLD,
    installFails: { kind: 'transient', reason: 'dpkg lock held', times: 2 },
  });
  await x.deploy.run(x.d.id, admin, { now: true });
  await waitFor(() => tried(x) === 1 && x.clock.sleeping(BACKOFF), 'the first failure and its backoff');
  assert.deepEqual(
    x.h().failures.map((f) => [f.attempt, f.kind, f.reason]),
    [[1, 'transient', 'dpkg lock held']],
  );
  await x.clock.advance(BACKOFF);
  // Before trying again the host is looked at: the broken-off install may have landed.
  await waitFor(() => x.h().failures.length === 2, 'the check after the failure');
  assert.match(
    x.h().failures[1]!.reason,
    /the install broke off; the new inventory still misses libssl3, openssl/,
  );
  await waitFor(
    () => tried(x) === 2 && x.clock.sleeping(2 * BACKOFF),
    'the second failure and its doubled backoff',
  );
  await x.clock.advance(2 * BACKOFF - 1);
  assert.equal(x.site.ran('install').length, 2, 'the backoff doubled');
  await x.clock.advance(1);
  await waitFor(ended(x.d), 'the outcome');
  assert.equal(x.h().outcome, 'verified');
  assert.equal(x.h().attempts, 3);
});

test('three transient failures fail the host and trip its breaker; a retry waits for an admin reset', async (t) => {
  const x = await oneHost(t, {
    installed: OLD,
    installFails: { kind: 'transient', reason: 'connection lost' },
  });
  await x.deploy.run(x.d.id, admin, { now: true });
  for (let i = 0; i < 2; i++) {
    await waitFor(() => tried(x) === i + 1 && x.clock.sleeping(BACKOFF * 2 ** i), 'a backoff');
    await x.clock.advance(10_000);
  }
  await waitFor(ended(x.d), 'the outcome');
  assert.deepEqual([x.h().outcome, x.h().reason], ['failed', 'connection lost (after 3 attempts)']);
  assert.equal(x.d.breakers.length, 2);
  await assert.rejects(
    x.deploy.retryHost(x.d.id, 'h1', admin),
    /libssl3=3\.0\.2-1, openssl=3\.0\.2-1 failed on h1 before: allow it on that host again first/,
  );
  x.site.host('h1').installFails = undefined;
  await x.deploy.resetBreaker('h1', 'libssl3=3.0.2-1', admin);
  await x.deploy.resetBreaker('h1', 'openssl=3.0.2-1', admin);
  assert.match(x.d.note ?? '', /gate/, 'the failure halted the ring');
  await x.deploy.retryHost(x.d.id, 'h1', admin);
  await waitFor(() => x.d.state === 'completed', 'the deployment to complete');
  assert.equal(x.h().outcome, 'verified');
  // The halt the retry lifted is not shown in red on the completed deployment's page.
  assert.equal(x.d.note, undefined);
  const audit = await x.deploy.audit.read();
  assert.deepEqual(
    audit.map((e) => e.action),
    ['approve', 'start', 'reset-breaker', 'reset-breaker', 'start'],
  );
});

test('a dry run that would remove a package fails the host naming it, before anything is installed', async (t) => {
  const x = await oneHost(t, { installed: OLD, removes: ['libfoo1'] });
  await x.deploy.run(x.d.id, admin, { now: true });
  await waitFor(ended(x.d), 'the outcome');
  assert.equal(x.h().outcome, 'failed');
  assert.match(x.h().reason ?? '', /would remove libfoo1/);
  assert.deepEqual(x.site.ran('install'), []);
});

test('a host no executor can drive fails with the reason, and nothing runs on it', async (t) => {
  const why = new StepFailure('permanent', 'no deployment executor for this host (no package tool found)');
  const x = await oneHost(t, { installed: OLD, noExecutor: why });
  await x.deploy.run(x.d.id, admin, { now: true });
  await waitFor(ended(x.d), 'the outcome');
  assert.equal(x.h().outcome, 'failed');
  assert.match(x.h().reason ?? '', /no deployment executor for this host/);
  assert.deepEqual(x.site.calls, []);
});

test('a host that is down is woken, waited for, and patched; one with no MAC ends unreachable', async (t) => {
  const x = await oneHost(t, { installed: OLD, down: true, mac: '52:54:00:00:00:01' });
  await x.deploy.run(x.d.id, admin, { now: true });
  await waitFor(ended(x.d), 'the outcome');
  assert.deepEqual(x.site.woken, ['52:54:00:00:00:01']);
  assert.equal(x.h().outcome, 'verified');

  const y = await oneHost(t, { installed: OLD, down: true });
  await y.deploy.run(y.d.id, admin, { now: true });
  await waitFor(ended(y.d), 'the outcome');
  assert.equal(y.h().outcome, 'unreachable');
  assert.match(y.h().reason ?? '', /cannot be woken/);
});

test('reboot policy: if-required outside the window leaves reboot pending; always reboots and waits for a new boot id', async (t) => {
  // Run "now" on a Monday, the group's window is at the weekend: no reboot outside it.
  const pending = await oneHost(
    t,
    { installed: OLD, rebootRequired: true },
    { windows: { g: { text: 'Sat 22:00–Sun 04:00', zone: 'UTC' } }, reboot: { g: 'if-required' } },
  );
  pending.d.policy.now = false;
  await pending.deploy.run(pending.d.id, admin);
  assert.equal(pending.h().runAt, '2026-11-28T22:00:00.000Z', 'scheduled into the window');
  await pending.clock.advance(5.5 * 24 * 3_600_000);
  await waitFor(ended(pending.d), 'the outcome');
  assert.equal(pending.h().outcome, 'verified', 'inside the window the required reboot ran');
  assert.deepEqual(pending.site.ran('reboot'), ['h1:reboot']);

  const outside = await oneHost(t, { installed: OLD, rebootRequired: true }, { reboot: { g: 'never' } });
  await outside.deploy.run(outside.d.id, admin, { now: true });
  await waitFor(ended(outside.d), 'the outcome');
  assert.equal(outside.h().outcome, 'reboot-pending');
  assert.deepEqual(outside.site.ran('reboot'), []);

  const always = await oneHost(t, { installed: OLD }, { reboot: { g: 'always' } });
  await always.deploy.run(always.d.id, admin, { now: true });
  await waitFor(ended(always.d), 'the outcome');
  assert.equal(always.h().outcome, 'verified');
  assert.equal(always.site.host('h1').boot, 2);
});

test('a host that refuses the login (its key changed) fails without tripping a breaker: the update is not at fault', async (t) => {
  const refused = connectFailure(new HostKeyChangedError('10.0.0.5:22', 'SHA256:pinned', 'SHA256:presented'));
  assert.equal(refused.refusedAccess, true);
  const x = await oneHost(t, { installed: OLD, refuses: refused });
  await x.deploy.run(x.d.id, admin, { now: true });
  await waitFor(ended(x.d), 'the outcome');
  assert.equal(x.h().outcome, 'failed');
  assert.match(x.h().reason ?? '', /HOST KEY CHANGED for 10\.0\.0\.5:22.*Nothing was sent to the host/);
  assert.deepEqual(x.d.breakers, []);
  // Once the new key is accepted, Retry host runs at once: there is nothing to allow again.
  x.site.host('h1').refuses = undefined;
  await x.deploy.retryHost(x.d.id, 'h1', admin);
  await waitFor(() => x.d.state === 'completed', 'the deployment to complete');
  assert.equal(x.h().outcome, 'verified');
});
