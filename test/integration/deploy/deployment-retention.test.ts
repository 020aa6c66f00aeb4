/**
 * Finished deployments are removed `deploy.keepDays` after their last change, daily, by the
 * daemon's scheduler: record and saved summary. The newest ten, those still acting on the site
 * (an open breaker, a halted update) and those still moving are kept whatever their age.
 */
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { DeployService, KEEP_NEWEST } from '../../../daemon/deploy/deploy-service.js';
import type { Deployment, HostState } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { deploymentRecord } from '../../deployment-record.js';
import { ManualClock } from '../../fakes/clock.js';
import { FakeSite } from '../../fakes/deploy-site.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { tempDir } from '../../temp-dir.js';

const DAY = 86_400_000;
const now = Date.parse('2026-12-05T12:00:00Z');

const host = (i: number): HostState => ({
  hostId: `h-${i}`,
  group: 'default',
  ring: 1,
  change: { hostId: `h-${i}`, ecosystem: 'dpkg', upgrades: [], allowRemove: [] },
  phase: 'done',
  attempts: 1,
  failures: [],
  steps: [],
  outcome: 'verified',
});

/** Deployment `n` of a site that deployed every two weeks from 2024 on. */
const made = (n: number, over: Partial<Deployment> = {}): Deployment =>
  deploymentRecord(`dep-2024${String(n).padStart(4, '0')}T100000-abcdef`, [host(0), host(1)], {
    createdAt: new Date(Date.parse('2024-01-01T10:00:00Z') + n * 14 * DAY).toISOString(),
    ...over,
  });

const breaker = { hostId: 'h-0', update: 'openssl=3', trippedAt: '2024-02-01T10:00:00.000Z', reason: 'x' };

test('finished deployments older than keepDays are removed, daily; the newest ten and those still acting stay', async (t) => {
  const dir = await tempDir(t);
  const deploy = join(dir, 'deploy');
  const records = join(deploy, 'deployments');
  const summaries = join(deploy, 'deployment-summaries');
  // 16 deployments: 0-11 last changed 500 days ago, 12-15 a week ago.
  const all = [
    made(0),
    made(1, { breakers: [breaker] }), // an open breaker still holds openssl=3 back on h-0
    made(2, { haltedUpdates: ['openssl=3'] }), // its gate failed: promotion halted everywhere
    made(3, { state: 'paused' }), // not finished: never removed
    made(4),
    made(5, { breakers: [{ ...breaker, resetAt: '2024-03-01T10:00:00.000Z', resetBy: 'admin' }] }),
    ...Array.from({ length: 10 }, (_, i) => made(6 + i)),
  ];
  const writer = new DeploymentStore(records, memoryLogger(), { summarize: true });
  await writer.load();
  for (const d of all) await writer.add(d);
  await writer.settled();
  for (const [i, d] of all.entries()) {
    const at = new Date(now - (i < 12 ? 500 : 7) * DAY);
    await utimes(join(records, `${d.id}.json`), at, at);
  }

  const clock = new ManualClock(now);
  const work = await startJobs(dir, { clock });
  const log = memoryLogger();
  const service = new DeployService({
    dir: deploy,
    jobs: work.jobs,
    clock,
    log,
    executors: new FakeSite(),
    verifier: new FakeSite(),
    keepDays: 400,
    scheduler: work.scheduler,
  });
  await service.start();
  t.after(async () => {
    await service.stop();
    await work.stop();
  });
  assert.equal(service.store.all().length, 16, 'nothing removed at start');
  assert.ok(work.scheduler.upcoming().some((u) => u.id === 'deploy.prune'));

  // Ten minutes after start, then daily.
  await clock.advance(10 * 60_000);
  const logged = () => log.lines.find((l) => String(l.msg).includes('removed finished deployments'));
  // The removal runs on real files: wait for it in real time.
  for (let i = 0; i < 500 && !logged(); i++) await setTimeout(20);
  const removed = [0, 4, 5].map((n) => made(n).id);
  assert.deepEqual(
    all.map((d) => d.id).filter((id) => !service.store.summary(id)),
    removed,
    `removed: the old ones that neither act nor are among the ${KEEP_NEWEST} newest`,
  );
  for (const id of removed) {
    await assert.rejects(service.get(id), /no deployment/);
    assert.ok(!(await readdir(records)).some((f) => f.startsWith(id)), `${id}'s record is gone`);
    assert.ok(!(await readdir(summaries)).some((f) => f.startsWith(id)), `${id}'s summary is gone`);
  }
  assert.equal(logged()?.count, 3);

  // A restart finds the same 13; the next day removes nothing more.
  const again = new DeploymentStore(records, memoryLogger(), { summarize: true });
  await again.load();
  assert.equal(again.all().length, 13);
  await clock.advance(DAY);
  assert.equal(await service.prune(), 0);
  assert.equal(service.store.all().length, 13);

  // A clock set years ahead removes nothing more: the newest ten, the two still acting, the paused one.
  assert.deepEqual(await service.store.prune(now + 3000 * DAY, KEEP_NEWEST), []);
  assert.equal(service.store.all().length, 13);
});

test('a deployment acted on after its removal (its page was open) comes back whole', async (t) => {
  const records = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(records, memoryLogger(), { summarize: true });
  await store.load();
  const all = Array.from({ length: 12 }, (_, i) => made(i));
  for (const d of all) await store.add(d);
  await store.settled();
  const old = new Date(now - 500 * DAY);
  for (const d of all) await utimes(join(records, `${d.id}.json`), old, old);
  const again = new DeploymentStore(records, memoryLogger(), { summarize: true });
  await again.load();

  const held = (await again.record(all[0]!.id))!;
  assert.deepEqual(
    await again.prune(now, KEEP_NEWEST),
    [0, 1].map((i) => all[i]!.id),
  );
  held.hosts[0]!.reason = 'looked at again';
  await again.save(held);
  await again.settled();
  const fresh = new DeploymentStore(records, memoryLogger(), { summarize: true });
  await fresh.load();
  assert.equal(fresh.all().length, 11);
  const back = (await fresh.record(all[0]!.id))!;
  assert.equal(back.hosts[0]?.reason, 'looked at again');
  assert.equal(back.hosts.length, 2, 'whole');
  // Its record is new: it is kept another keepDays.
  assert.deepEqual(await fresh.prune(now, KEEP_NEWEST), []);
});
