import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { z } from 'zod';
import type { JobKind, JobRecord } from '../../../daemon/jobs/job.js';
import { JobRunner } from '../../../daemon/jobs/job-runner.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir } from '../../temp-dir.js';

const HOUR = 3_600_000;

/** A promise the test resolves by hand: a handler that runs until the test lets it finish. */
const gate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
};

/** Rejects when the signal aborts (at once if it already has). */
const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

const params = z.object({ n: z.number() });

/** A kind whose jobs wait for their gate (or their signal) and record who ran when. */
const gatedKind = (over: Partial<JobKind<{ n: number }>> = {}) => {
  const gates = new Map<number, ReturnType<typeof gate>>();
  const running = new Set<number>();
  const started: number[] = [];
  let maxRunning = 0;
  const kind: JobKind<{ n: number }> = {
    kind: 'test.work',
    params,
    recovery: 'retry',
    async run(_job, p, ctx) {
      const g = gates.get(p.n) ?? gate();
      gates.set(p.n, g);
      running.add(p.n);
      started.push(p.n);
      maxRunning = Math.max(maxRunning, running.size);
      ctx.progress({ done: 0, total: 1, message: `working on ${p.n}` });
      ctx.log(`working on ${p.n}`);
      try {
        await Promise.race([g.promise, aborted(ctx.signal)]);
      } finally {
        running.delete(p.n);
      }
      if (p.n < 0) throw new Error(`job ${p.n} broke`);
      return { summary: `did ${p.n}`, data: { n: p.n } };
    },
    ...over,
  };
  const finish = (n: number) => {
    const g = gates.get(n) ?? gate();
    gates.set(n, g);
    g.open();
  };
  return { kind, running, started, finish, max: () => maxRunning };
};

const setup = async (t: TestContext, opts: { dir?: string; concurrency?: number; keep?: number } = {}) => {
  const dir = opts.dir ?? (await tempDir(t));
  const clock = new ManualClock();
  const log = memoryLogger();
  const runner = new JobRunner({
    dir,
    clock,
    log,
    concurrency: opts.concurrency ?? 4,
    keepFinished: opts.keep ?? 1000,
    logLimits: { maxLines: 5, maxBytes: 64 * 1024, debounceMs: 1000 },
  });
  await runner.start();
  t.after(() => runner.stop());
  return { dir, clock, log, runner };
};

const submit = (runner: JobRunner, n: number, host?: string) =>
  runner.submit({ kind: 'test.work', title: `work ${n}`, params: { n }, trigger: 'manual', host });

const onDisk = async (dir: string, id: string): Promise<JobRecord> =>
  JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as JobRecord;

test('a job is queued, runs, succeeds, and its record and log are on disk', async (t) => {
  const { dir, runner } = await setup(t);
  const work = gatedKind();
  runner.register(work.kind);
  const job = await submit(runner, 1);
  assert.match(job.id, /^job-\d{8}T\d{6}-[0-9a-f]{6}$/);
  await waitFor(() => work.running.has(1), 'the job to run');
  assert.equal((await onDisk(dir, job.id)).state, 'running', 'running is durable before the work');
  assert.deepEqual(runner.get(job.id)?.progress, { done: 0, total: 1, message: 'working on 1' });
  assert.ok((await runner.log(job.id)).some((l) => l.endsWith('working on 1')));
  work.finish(1);
  const done = await runner.settled(job.id);
  assert.equal(done.state, 'succeeded');
  assert.deepEqual(done.result, { summary: 'did 1', data: { n: 1 } });
  assert.equal(done.attempts, 1);
  assert.ok(done.startedAt && done.finishedAt);
  const disk = await onDisk(dir, job.id);
  assert.equal(disk.state, 'succeeded');
  assert.deepEqual(
    disk.events.map((e) => e.state),
    ['queued', 'running', 'succeeded'],
  );
  const log = await readFile(join(dir, `${job.id}.log`), 'utf8');
  assert.match(log, /attempt 1 started \(manual\)\n.*working on 1\n.*succeeded: did 1\n$/);
  await assert.rejects(runner.cancel(job.id), /already succeeded/);
  await assert.rejects(
    runner.submit({ kind: 'nope', title: 'x', params: {}, trigger: 'manual' }),
    /unknown job kind/,
  );
});

test('a failing job is failed with its message and reported by health for a day', async (t) => {
  const { clock, runner } = await setup(t);
  const work = gatedKind();
  runner.register(work.kind);
  assert.deepEqual(runner.health(), []);
  work.finish(-1);
  const job = await runner.settled((await submit(runner, -1)).id);
  assert.equal(job.state, 'failed');
  assert.equal(job.error, 'job -1 broke');
  const [problem] = runner.health();
  assert.equal(problem?.source, 'jobs');
  assert.match(
    problem?.message ?? '',
    /1 job failed in the last 24 h; latest: work -1 \(job-.*\): job -1 broke/,
  );
  await clock.advance(25 * HOUR);
  assert.deepEqual(runner.health(), []);
});

test('never two jobs on one host at once; other hosts and hostless jobs go ahead', async (t) => {
  const { runner } = await setup(t);
  const work = gatedKind();
  runner.register(work.kind);
  const a1 = await submit(runner, 1, 'host-a');
  const a2 = await submit(runner, 2, 'host-a');
  const b = await submit(runner, 3, 'host-b');
  const free = await submit(runner, 4);
  await waitFor(() => work.running.size === 3, 'three jobs to run');
  assert.deepEqual([...work.running].sort(), [1, 3, 4]);
  assert.equal(runner.get(a2.id)?.state, 'queued');
  work.finish(1);
  await runner.settled(a1.id);
  await waitFor(() => work.running.has(2), 'the second job on host-a to run');
  for (const n of [2, 3, 4]) work.finish(n);
  for (const j of [a2, b, free]) assert.equal((await runner.settled(j.id)).state, 'succeeded');
});

test('global and per-kind concurrency are bounded', async (t) => {
  const { runner } = await setup(t, { concurrency: 3 });
  const work = gatedKind();
  const other = gatedKind({ kind: 'test.single', concurrency: 1 });
  runner.register(work.kind);
  runner.register(other.kind);
  const jobs = [];
  for (let n = 1; n <= 6; n++) jobs.push(await submit(runner, n));
  await waitFor(() => work.running.size === 3, 'three jobs to run');
  const single = [];
  for (let n = 11; n <= 12; n++)
    single.push(await runner.submit({ kind: 'test.single', title: 's', params: { n }, trigger: 'manual' }));
  for (let n = 1; n <= 6; n++) {
    work.finish(n);
    await runner.settled(jobs[n - 1]!.id);
  }
  await waitFor(() => other.running.size === 1, 'a single-kind job to run');
  assert.equal(work.max(), 3);
  other.finish(11);
  other.finish(12);
  for (const j of single) await runner.settled(j.id);
  assert.equal(other.max(), 1);
});

test('cancel: a queued job at once, a running one through its signal', async (t) => {
  const { runner } = await setup(t, { concurrency: 1 });
  const work = gatedKind();
  runner.register(work.kind);
  const first = await submit(runner, 1);
  const second = await submit(runner, 2);
  await waitFor(() => work.running.has(1), 'the first job to run');
  assert.equal((await runner.cancel(second.id)).state, 'cancelled');
  await runner.cancel(first.id);
  const cut = await runner.settled(first.id);
  assert.equal(cut.state, 'cancelled');
  assert.equal(cut.error, 'cancelled by the administrator');
  assert.deepEqual(work.started, [1], 'the cancelled queued job never ran');
  await assert.rejects(runner.cancel('job-nope'), /no job job-nope/);
});

test('scheduled jobs wait for their time; approval-gated jobs wait for approval', async (t) => {
  const { clock, runner } = await setup(t);
  const work = gatedKind();
  runner.register(work.kind);
  work.finish(1);
  work.finish(2);
  const later = await runner.submit({
    kind: 'test.work',
    title: 'later',
    params: { n: 1 },
    trigger: 'manual',
    runAt: clock.now() + HOUR,
  });
  const gated = await runner.submit({
    kind: 'test.work',
    title: 'gated',
    params: { n: 2 },
    trigger: 'manual',
    needsApproval: true,
  });
  assert.equal(later.state, 'scheduled');
  assert.equal(gated.state, 'waiting-approval');
  await clock.advance(HOUR - 1);
  assert.equal(runner.get(later.id)?.state, 'scheduled');
  await clock.advance(1);
  assert.equal((await runner.settled(later.id)).state, 'succeeded');
  assert.equal(runner.get(gated.id)?.state, 'waiting-approval');
  await runner.approve(gated.id);
  assert.equal((await runner.settled(gated.id)).state, 'succeeded');
  await assert.rejects(runner.approve(gated.id), /is succeeded/);
});

test('a stop interrupts a running job; the next start retries it to success', async (t) => {
  const dir = await tempDir(t);
  const first = await setup(t, { dir });
  const work = gatedKind();
  first.runner.register(work.kind);
  const job = await submit(first.runner, 1);
  await waitFor(() => work.running.has(1), 'the job to run');
  await first.runner.stop();
  assert.equal(first.runner.get(job.id)?.state, 'interrupted');
  assert.equal((await onDisk(dir, job.id)).state, 'interrupted');

  const again = await setup(t, { dir });
  work.finish(1);
  again.runner.register(work.kind);
  const done = await again.runner.settled(job.id);
  await waitFor(() => again.runner.get(job.id)?.state === 'succeeded', 'the retry to finish');
  assert.equal(again.runner.get(job.id)?.attempts, 2);
  assert.deepEqual(
    again.runner.get(job.id)?.events.map((e) => e.state),
    ['queued', 'running', 'interrupted', 'queued', 'running', 'succeeded'],
  );
  assert.ok(done);
  const log = await again.runner.log(job.id);
  assert.ok(log.some((l) => /interrupted; retrying after the interruption \(attempt 2 of 3\)/.test(l)));
});

test('a job left "running" on disk comes back interrupted and follows its kind: retry, fail, reconcile', async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const crashed = (id: string, kind: string, attempts = 1): JobRecord => ({
    id,
    kind,
    title: id,
    trigger: 'manual',
    params: { n: 7 },
    state: 'running',
    attempts,
    createdAt: new Date(clock.now()).toISOString(),
    startedAt: new Date(clock.now()).toISOString(),
    events: [],
  });
  for (const job of [
    crashed('job-retry', 'test.work'),
    crashed('job-worn', 'test.work', 3),
    crashed('job-fail', 'test.fail'),
    crashed('job-check', 'test.check'),
  ])
    await writeFile(join(dir, `${job.id}.json`), JSON.stringify(job));
  await writeFile(join(dir, 'job-torn.json'), '{"id": "job-torn", "sta');
  const { runner, log } = await setup(t, { dir });
  for (const id of ['job-retry', 'job-worn', 'job-fail', 'job-check'])
    assert.equal(runner.get(id)?.state, 'interrupted', `${id} is interrupted before its kind is known`);
  assert.equal(runner.get('job-torn'), undefined);
  assert.ok(log.lines.some((l) => l.msg === 'skipped unreadable job records'));

  const work = gatedKind();
  work.finish(7);
  runner.register(work.kind);
  runner.register(gatedKind({ kind: 'test.fail', recovery: 'fail' }).kind);
  runner.register(
    gatedKind({
      kind: 'test.check',
      recovery: 'reconcile',
      reconcile: async (_job, p) => ({ state: 'succeeded', result: { summary: `found ${p.n} applied` } }),
    }).kind,
  );
  assert.equal((await runner.settled('job-retry')).state, 'succeeded');
  const worn = await runner.settled('job-worn');
  assert.equal(worn.state, 'failed');
  assert.equal(worn.error, 'interrupted 3 times; not retried again');
  assert.match((await runner.settled('job-fail')).error ?? '', /not retried/);
  const checked = await runner.settled('job-check');
  assert.equal(checked.state, 'succeeded');
  assert.equal(checked.result?.summary, 'found 7 applied');
  assert.deepEqual(work.started, [7], 'only the retried job ran again');
});

test('retention keeps the newest finished jobs and removes older records and logs', async (t) => {
  const { dir, clock, runner } = await setup(t, { keep: 2 });
  const work = gatedKind();
  runner.register(work.kind);
  const ids = [];
  for (let n = 1; n <= 4; n++) {
    work.finish(n);
    ids.push((await runner.settled((await submit(runner, n)).id)).id);
    await clock.advance(1000);
  }
  const queued = await runner.submit({
    kind: 'test.work',
    title: 'held',
    params: { n: 9 },
    trigger: 'manual',
    needsApproval: true,
  });
  await waitFor(async () => (await readdir(dir)).length === 5, 'old jobs to be pruned');
  assert.deepEqual(
    runner.list().map((j) => j.id),
    [queued.id, ids[3], ids[2]],
  );
  assert.deepEqual((await readdir(dir)).sort(), [
    `${ids[2]}.json`,
    `${ids[2]}.log`,
    `${ids[3]}.json`,
    `${ids[3]}.log`,
    `${queued.id}.json`,
  ]);
});

test('a job log keeps the last lines and is written once per debounce, not per line', async (t) => {
  const { dir, clock, runner } = await setup(t);
  const chatty: JobKind<{ n: number }> = {
    kind: 'test.chatty',
    params,
    recovery: 'fail',
    async run(_job, p, ctx) {
      for (let i = 1; i <= p.n; i++) ctx.log(`line ${i}`);
      return aborted(ctx.signal);
    },
  };
  runner.register(chatty);
  const job = await runner.submit({
    kind: 'test.chatty',
    title: 'chatty',
    params: { n: 12 },
    trigger: 'manual',
  });
  await waitFor(async () => (await runner.log(job.id)).length === 6, 'the lines to be logged');
  const file = join(dir, `${job.id}.log`);
  assert.match(await readFile(file, 'utf8'), /attempt 1 started/, 'the start is written at once');
  assert.doesNotMatch(await readFile(file, 'utf8'), /line/, 'the lines wait for the debounce');
  await clock.advance(1000);
  await waitFor(
    async () => (await readFile(file, 'utf8').catch(() => '')).includes('line 12'),
    'the debounced write',
  );
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.match(lines[0]!, /^… 8 earlier lines dropped/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.slice(25)),
    ['line 8', 'line 9', 'line 10', 'line 11', 'line 12'],
  );
  await runner.cancel(job.id);
  assert.equal((await runner.settled(job.id)).state, 'cancelled');
});
