import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type ScheduleEntry, Scheduler } from '../../../daemon/jobs/scheduler.js';
import { ManualClock, turn } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';

const MIN = 60_000;

const setup = async (t: TestContext, random = () => 0) => {
  const clock = new ManualClock();
  const log = memoryLogger();
  const scheduler = new Scheduler({ clock, log, random, minGapMs: MIN, maxSleepMs: 10 * MIN });
  await scheduler.start();
  t.after(() => scheduler.stop());
  return { clock, log, scheduler };
};

/** An interval task whose next due time comes from its own "last run" record, like a service's. */
const every = (id: string, ms: number, clock: ManualClock, over: Partial<ScheduleEntry> = {}) => {
  const runs: number[] = [];
  const created = clock.now();
  let last: number | undefined;
  const entry: ScheduleEntry = {
    id,
    label: `task ${id}`,
    // Never run: due since it was created.
    dueAt: () => (last === undefined ? created : last + ms),
    async run() {
      last = clock.now();
      runs.push(clock.now());
    },
    ...over,
  };
  return { entry, runs };
};

test('an interval entry runs when due, then once per interval, with its next run visible', async (t) => {
  const { clock, scheduler } = await setup(t);
  const start = clock.now();
  const task = every('a', 30 * MIN, clock);
  scheduler.add(task.entry);
  await turn();
  assert.deepEqual(task.runs, [start], 'a task never run is due at once');
  assert.deepEqual(scheduler.upcoming(), [
    { id: 'a', label: 'task a', at: start + 30 * MIN, lastFiredAt: start },
  ]);
  await clock.advance(30 * MIN - 1);
  assert.equal(task.runs.length, 1);
  await clock.advance(1);
  await clock.advance(30 * MIN);
  assert.deepEqual(task.runs, [start, start + 30 * MIN, start + 60 * MIN]);
  assert.equal(scheduler.next('a'), start + 90 * MIN);
});

test('jitter moves each coming due time later by up to jitterMs; overdue work starts at once', async (t) => {
  const { clock, scheduler } = await setup(t, () => 0.5);
  const start = clock.now();
  const task = every('a', 60 * MIN, clock, { jitterMs: 10 * MIN });
  scheduler.add(task.entry);
  await turn();
  assert.deepEqual(task.runs, [start], 'never run: overdue, no jitter');
  assert.equal(scheduler.next('a'), start + 60 * MIN + 5 * MIN, 'chosen once for this due time');
  await clock.advance(65 * MIN - 1);
  assert.equal(task.runs.length, 1);
  await clock.advance(1);
  assert.deepEqual(task.runs, [start, start + 65 * MIN]);
  assert.equal(scheduler.next('a'), start + 65 * MIN + 60 * MIN + 5 * MIN);
});

test('an entry whose due time does not move (its work still runs) fires at most once per minimum gap', async (t) => {
  const { clock, scheduler } = await setup(t);
  let fired = 0;
  scheduler.add({
    id: 'stuck',
    label: 'stuck',
    dueAt: () => 0,
    async run() {
      fired++;
    },
  });
  await turn();
  await turn();
  assert.equal(fired, 1);
  await clock.advance(MIN - 1);
  assert.equal(fired, 1);
  await clock.advance(1);
  assert.equal(fired, 2);
});

test('changes are seen at once through wake(); removed and unscheduled entries never fire', async (t) => {
  const { clock, scheduler, log } = await setup(t);
  const t0 = clock.now();
  let enabled = false;
  const runs: string[] = [];
  scheduler.add({
    id: 'scope:1',
    label: 'scope 1',
    dueAt: () => (enabled ? t0 : undefined),
    async run() {
      runs.push('scope:1');
      enabled = false;
    },
  });
  scheduler.add({
    id: 'scope:2',
    label: 'scope 2',
    dueAt: () => t0 + MIN,
    async run() {
      runs.push('scope:2');
    },
  });
  scheduler.add({
    id: 'broken',
    label: 'broken',
    dueAt: () => t0 + 2 * MIN,
    run: () => Promise.reject(new Error('no way')),
  });
  await turn();
  assert.deepEqual(
    scheduler.upcoming().map((u) => u.id),
    ['scope:2', 'broken'],
  );
  enabled = true;
  scheduler.wake();
  await turn();
  assert.deepEqual(runs, ['scope:1']);
  scheduler.remove('scope:*');
  await clock.advance(10 * MIN);
  assert.deepEqual(runs, ['scope:1']);
  assert.ok(log.lines.some((l) => l.msg === 'scheduled task failed to start' && l.task === 'broken'));
  assert.deepEqual(
    scheduler.upcoming().map((u) => [u.id, u.at]),
    [['broken', t0 + 11 * MIN]],
    'a failed start is tried again after the minimum gap',
  );
});

test('stop ends the loop; a stopped scheduler fires nothing', async (t) => {
  const { clock, scheduler } = await setup(t);
  const task = every('a', MIN, clock);
  scheduler.add(task.entry);
  await turn();
  await scheduler.stop();
  await clock.advance(10 * MIN);
  assert.equal(task.runs.length, 1);
  assert.equal(clock.pending, 0, 'no sleep left behind');
});
