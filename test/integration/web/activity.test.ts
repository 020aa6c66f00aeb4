/**
 * The Activity page through the real web app and a real job runner: every job with its kind,
 * target, state and timing; its log on a detail page; live refresh only while something runs;
 * cancel with CSRF; the scheduled tasks with their next run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { z } from 'zod';
import { HostService } from '../../../daemon/hosts/host-service.js';
import type { JobRunner } from '../../../daemon/jobs/job-runner.js';
import { waitFor } from '../../support/wait-for.js';
import { setUpAdmin, webHarness } from './harness.js';

const htmx = { 'hx-request': 'true' };

/** A kind whose jobs log a line and then run until cancelled (or `finish` is called). */
const registerWork = (jobs: JobRunner) => {
  const finishers = new Map<string, () => void>();
  jobs.register({
    kind: 'test.work',
    params: z.object({ fail: z.boolean() }),
    recovery: 'retry',
    run: (job, p, ctx) =>
      new Promise((resolve, reject) => {
        ctx.log('checking the <disk>');
        ctx.progress({ done: 1, total: 4, message: 'checking' });
        finishers.set(job.id, () =>
          p.fail ? reject(new Error('disk on fire')) : resolve({ summary: 'all <good>' }),
        );
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      }),
  });
  return {
    finish: (id: string) => finishers.get(id)!(),
    started: (id: string) => waitFor(() => finishers.has(id), `job ${id} to start`),
  };
};

const harness = async (t: TestContext) => {
  const h = await webHarness(t);
  const work = registerWork(h.jobs);
  const b = await setUpAdmin(h);
  const submit = (host: string, fail = false) =>
    h.jobs.submit({ kind: 'test.work', title: `Check ${host}`, params: { fail }, trigger: 'manual', host });
  return { ...h, ...b, ...work, submit };
};

test('with nothing run yet the page says so, and the navigation leads there', async (t) => {
  const h = await harness(t);
  const html = await (await h.request('/activity')).text();
  assert.match(html, /<a href="\/activity" aria-current="page">Activity<\/a>/);
  assert.match(html, /No jobs yet/);
  assert.match(html, /Nothing is scheduled/);
  assert.doesNotMatch(html, /hx-trigger="every/, 'nothing to watch, no polling');
});

test('jobs are listed with kind, target, state and timing; the list refreshes only while one runs', async (t) => {
  const h = await harness(t);
  const running = await h.submit('pc-1');
  const failed = await h.submit('pc-2', true);
  await h.started(running.id);
  await h.started(failed.id);
  h.finish(failed.id);
  await h.jobs.settled(failed.id);
  const page = await (await h.request('/activity')).text();
  assert.match(page, /<!doctype html>/, 'a whole page without htmx');
  for (const [job, state] of [
    [running, 'running'],
    [failed, 'failed'],
  ] as const) {
    assert.ok(page.includes(`href="/activity/${job.id}"`), `${job.id} links to its page`);
    const row = page.slice(page.indexOf(`/activity/${job.id}"`)).split('</tr>')[0]!;
    assert.match(row, /<td data-label="Kind">test\.work<\/td>/);
    assert.match(row, new RegExp(`>${state}</strong>`));
    assert.match(row, /s ago<\/time>/);
  }
  assert.match(page, /disk on fire/);
  assert.match(page, /id="activity-jobs"[^>]*hx-get="\/activity\/jobs"[^>]*hx-trigger="every 2s"/);
  const fragment = await (await h.request('/activity/jobs', { headers: htmx })).text();
  assert.doesNotMatch(fragment, /<html/);
  assert.match(fragment, /^<section class="card" id="activity-jobs"/);
  const onlyFailed = await (await h.request('/activity?state=failed')).text();
  assert.ok(onlyFailed.includes(failed.id) && !onlyFailed.includes(`/activity/${running.id}"`));

  h.finish(running.id);
  await h.jobs.settled(running.id);
  const after = await (await h.request('/activity/jobs', { headers: htmx })).text();
  assert.doesNotMatch(after, /hx-trigger/, 'polling stops when nothing runs');
  assert.match(after, /all &lt;good&gt;/, 'summaries are escaped');
});

test('a job page shows its facts, history and log, refreshes while it runs, and cancels with CSRF', async (t) => {
  const h = await harness(t);
  const job = await h.submit('pc-1');
  await h.started(job.id);
  const page = await (await h.request(`/activity/${job.id}`)).text();
  assert.match(page, /<h1>Check pc-1<\/h1>/);
  assert.match(page, /<dt>Target<\/dt><dd>pc-1<\/dd>/);
  assert.match(page, /attempt 1 started \(manual\)\n.*checking the &lt;disk&gt;/);
  assert.match(page, /<progress max="4" value="1">/);
  assert.match(
    page,
    new RegExp(`id="job-detail"[^>]*hx-get="/activity/${job.id}"[^>]*hx-trigger="every 2s"`),
  );
  const card = await (await h.request(`/activity/${job.id}`, { headers: htmx })).text();
  assert.match(card, /^<section class="card" id="job-detail"/);

  const forged = await h.post(`/activity/${job.id}/cancel`, {});
  assert.equal(forged.status, 403);
  assert.equal(h.jobs.get(job.id)?.state, 'running');
  const _csrf = await h.csrf(`/activity/${job.id}`);
  const res = await h.post(`/activity/${job.id}/cancel`, { _csrf });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `/activity/${job.id}`);
  assert.equal((await h.jobs.settled(job.id)).state, 'cancelled');
  const done = await (await h.request(`/activity/${job.id}`)).text();
  assert.doesNotMatch(done, /hx-trigger/);
  assert.match(done, /cancelled by the administrator/);
  assert.doesNotMatch(done, /name="_csrf"[^>]*>\s*<button[^>]*>\s*Cancel/, 'no cancel button once finished');
  assert.equal((await h.post(`/activity/${job.id}/cancel`, { _csrf })).status, 409);
  assert.equal((await h.request('/activity/job-nope')).status, 404);
  assert.equal((await h.request('/activity/..%2F..%2Fetc%2Fpasswd')).status, 404);
});

test('scheduled tasks are listed with how often they run and their next run', async (t) => {
  const h = await harness(t);
  const at = Date.parse('2030-01-01T02:00:00Z');
  const add = (id: string, label: string, everyMs?: number) =>
    h.scheduler.add({ id, label, dueAt: () => at, run: async () => {}, everyMs });
  add('test.nightly', 'Nightly check', 24 * 3_600_000);
  add('test.feeds', 'Feeds', 6 * 3_600_000);
  add('test.hourly', 'Hourly', 3_600_000);
  add('test.scan', 'Scan', 15 * 60_000);
  add('test.once', 'Once');
  const html = await (await h.request('/activity')).text();
  assert.match(html, /<th>Task<\/th><th>Every<\/th><th>Next run<\/th>/);
  assert.match(
    html,
    /<td>Nightly check<\/td><td>day<\/td><td><time datetime="2030-01-01T02:00:00.000Z" title="2030-01-01T02:00:00.000Z">\d+ Jan 2030 \d\d:\d\d<\/time>/,
  );
  for (const [label, every] of [
    ['Feeds', '6 hours'],
    ['Hourly', 'hour'],
    ['Scan', '15 minutes'],
    ['Once', '—'],
  ])
    assert.match(html, new RegExp(`<td>${label}</td><td>${every}</td>`), label);
});

test("a job's target is the machine's name or address, linked to its page, not its internal id", async (t) => {
  let directory: HostService | undefined;
  const h = await webHarness(t, {
    services: async ({ dataDir, log }) => {
      directory = new HostService({ dir: join(dataDir, 'hosts'), log });
      await directory.start();
      return { hosts: directory };
    },
  });
  const work = registerWork(h.jobs);
  const b = await setUpAdmin(h);
  const id = (await directory!.directory.forAddress('10.0.0.18')).id;
  const known = await h.jobs.submit({
    kind: 'test.work',
    title: 'Check',
    params: { fail: false },
    trigger: 'manual',
    host: id,
  });
  const unknown = await h.jobs.submit({
    kind: 'test.work',
    title: 'Check',
    params: { fail: false },
    trigger: 'manual',
    host: 'h-gone',
  });
  await work.started(known.id);
  const page = await (await b.request('/activity')).text();
  const row = page.slice(page.indexOf(`/activity/${known.id}"`)).split('</tr>')[0]!;
  assert.match(row, new RegExp(`<td data-label="Target"><a href="/hosts/${id}">10\\.0\\.0\\.18</a></td>`));
  const other = page.slice(page.indexOf(`/activity/${unknown.id}"`)).split('</tr>')[0]!;
  assert.match(
    other,
    /<td data-label="Target">h-gone<\/td>/,
    'a machine no longer known stays its id, unlinked',
  );
  const detail = await (await b.request(`/activity/${known.id}`)).text();
  assert.match(detail, new RegExp(`<dt>Target</dt><dd><a href="/hosts/${id}">10\\.0\\.0\\.18</a></dd>`));
  work.finish(known.id);
  await h.jobs.settled(known.id);
});
