/**
 * Activity: every job (scans, collections, feed syncs) with its kind, target, state and timing,
 * each with its log on a detail page, and the scheduled tasks with their next run. While jobs are
 * waiting or running the list and the detail refresh themselves (htmx polling that stops once
 * nothing is left to watch); without JavaScript they are plain pages. Jobs that have not finished
 * can be cancelled (a form POST with the CSRF token).
 */
import { Hono } from 'hono';
import { DepotError } from '../../daemon/errors.js';
import { isFinished, JOB_STATES, type JobRecord, jobDuration } from '../../daemon/jobs/job.js';
import type { JobRunner } from '../../daemon/jobs/job-runner.js';
import type { UpcomingRun } from '../../daemon/jobs/scheduler.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { deploymentHref } from '../views/deployments.js';
import { HostLink } from '../views/host-link.js';
import { JobLink, jobHref } from '../views/job-link.js';
import { ActionsHeading, Empty, isFragmentRequest, renderPage } from '../views/layout.js';
import { Reason } from '../views/reason.js';
import { When } from '../views/when.js';
import { ago } from './discovery.js';

const MAX_ROWS = 200;

const needJobs = (deps: WebDeps): JobRunner => {
  if (!deps.jobs) throw new DepotError('UNAVAILABLE', 'the job runner is not running on this appliance');
  return deps.jobs;
};

export const formatDuration = (ms: number | undefined): string => {
  if (ms === undefined) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
};

const Ago = (props: { iso: string | undefined }) =>
  props.iso ? (
    <time datetime={props.iso} title={props.iso}>
      {ago(props.iso)}
    </time>
  ) : (
    <span>—</span>
  );

const StateLabel = (props: { job: JobRecord }) => {
  const { state } = props.job;
  const tone = state === 'failed' ? 'var(--bad)' : state === 'succeeded' ? 'var(--ok)' : undefined;
  return <strong style={tone ? `color:${tone}` : undefined}>{state}</strong>;
};

const CancelForm = (props: { job: JobRecord; csrf: string }) =>
  isFinished(props.job.state) ? null : (
    <form method="post" action={`${jobHref(props.job.id)}/cancel`} style="display:inline">
      <CsrfField token={props.csrf} />
      <button type="submit" class="link">
        Cancel
      </button>
    </form>
  );

/** How a job's target is named: a known machine by its name or address, linked to its page. */
export type HostName = (id: string) => string | undefined;

/** Where a known machine answers now (its address), if anywhere. */
export type HostAddress = (id: string) => string | null | undefined;

/**
 * A job's title for people, naming its machine as it is called now, with its address: the title
 * ends with the name the machine had when the job was made ("Inventory of 10.0.0.5" before the
 * machine reported its name; "... to h-0123..." in jobs recorded before titles used names).
 */
export const jobTitle = (job: JobRecord, name: HostName, address: HostAddress = () => undefined): string => {
  const id = job.host;
  const label = id === undefined ? undefined : name(id);
  if (id === undefined || label === undefined) return job.title;
  const at = address(id);
  const now = at && at !== label ? `${label} (${at})` : label;
  const then = [job.hostLabel, id, at].find((l) => l && job.title.endsWith(l));
  return then ? job.title.slice(0, -then.length) + now : job.title;
};

const Target = (props: { job: JobRecord; name: HostName }) => {
  const id = props.job.host;
  if (id === undefined) return <>—</>;
  const name = props.name(id);
  return name === undefined || name === id ? id : <HostLink id={id} label={name} />;
};

const outcome = (job: JobRecord): string => job.result?.summary ?? job.error ?? job.progress?.message ?? '';

/** The job list; polls itself while a job is waiting or running. */
export const JobTable = (props: {
  jobs: JobRecord[];
  total: number;
  csrf: string;
  state?: string;
  name: HostName;
  address?: HostAddress;
}) => {
  const live = props.jobs.some((j) => !isFinished(j.state));
  const query = props.state ? `?state=${encodeURIComponent(props.state)}` : '';
  return (
    <section
      class="card"
      id="activity-jobs"
      aria-live="polite"
      {...(live
        ? { 'hx-get': `/activity/jobs${query}`, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' }
        : {})}
    >
      {props.jobs.length === 0 ? (
        <Empty>
          <p>No jobs{props.state ? ` in state ${props.state}` : ''} yet.</p>
          <p>Scans, inventory collections and feed syncs appear here as they run.</p>
        </Empty>
      ) : (
        <table class="stack wide">
          <thead>
            <tr>
              <th>Job</th>
              <th>What</th>
              <th>Kind</th>
              <th>Target</th>
              <th>State</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Result</th>
              <ActionsHeading />
            </tr>
          </thead>
          <tbody>
            {props.jobs.map((job) => (
              <tr>
                <td data-label="Job">
                  <JobLink id={job.id} />
                </td>
                <td data-label="What">{jobTitle(job, props.name, props.address)}</td>
                <td data-label="Kind">{job.kind}</td>
                <td data-label="Target">
                  <Target job={job} name={props.name} />
                </td>
                <td data-label="State">
                  <StateLabel job={job} />
                </td>
                <td data-label="Started">
                  <Ago iso={job.startedAt} />
                </td>
                <td data-label="Duration">{formatDuration(jobDuration(job, Date.now()))}</td>
                <td data-label="Result">
                  <Reason message={outcome(job)} />
                </td>
                <td>
                  <CancelForm job={job} csrf={props.csrf} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.total > props.jobs.length ? (
        <p class="hint">{`Showing the newest ${props.jobs.length} of ${props.total} jobs.`}</p>
      ) : null}
    </section>
  );
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A period in words: "15 minutes", "hour", "6 hours", "day", "2 days". */
export const periodText = (ms: number): string => {
  const [n, unit] =
    ms % DAY === 0
      ? [ms / DAY, 'day']
      : ms % HOUR === 0
        ? [ms / HOUR, 'hour']
        : [Math.round(ms / MINUTE), 'minute'];
  return n === 1 ? unit : `${n} ${unit}s`;
};

const Schedule = (props: { upcoming: UpcomingRun[] }) => (
  <section class="card">
    <h2>Scheduled tasks</h2>
    {props.upcoming.length === 0 ? (
      <p class="hint">Nothing is scheduled.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th>Task</th>
            <th>Every</th>
            <th>Next run</th>
          </tr>
        </thead>
        <tbody>
          {props.upcoming.map((u) => {
            return (
              <tr>
                <td>{u.label}</td>
                <td>{u.everyMs ? periodText(u.everyMs) : '—'}</td>
                <td>
                  <When at={new Date(u.at).toISOString()} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    )}
  </section>
);

/**
 * What started the job; a deployment's id links to its page, where a failed host is allowed again
 * and retried (the dashboard's "see the job" leads here).
 */
const TriggerText = (props: { trigger: string }) => {
  const m = /^(.*?\bdeployment )(dep-[0-9A-Za-z-]+)(.*)$/.exec(props.trigger);
  if (!m) return <>{props.trigger}</>;
  return (
    <>
      {m[1]}
      <a href={deploymentHref(m[2]!)}>{m[2]}</a>
      {m[3]}
    </>
  );
};

/** One job: facts, state changes, log; polls itself while the job has not finished. */
export const JobDetail = (props: {
  job: JobRecord;
  log: string[];
  csrf: string;
  name: HostName;
  address?: HostAddress;
}) => {
  const { job } = props;
  const live = !isFinished(job.state);
  const p = job.progress;
  return (
    <section
      class="card"
      id="job-detail"
      aria-live="polite"
      {...(live ? { 'hx-get': jobHref(job.id), 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {})}
    >
      <h1>{jobTitle(job, props.name, props.address)}</h1>
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <code>{job.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{job.kind}</dd>
        <dt>Target</dt>
        <dd>
          <Target job={job} name={props.name} />
        </dd>
        <dt>Trigger</dt>
        <dd>
          <TriggerText trigger={job.trigger} />
        </dd>
        <dt>State</dt>
        <dd>
          <StateLabel job={job} /> {job.attempts > 1 ? `(attempt ${job.attempts})` : ''}{' '}
          <CancelForm job={job} csrf={props.csrf} />
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={job.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <When at={job.startedAt} never="—" />
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(jobDuration(job, Date.now()))}</dd>
        <dt>Result</dt>
        <dd>
          <Reason message={job.result?.summary ?? job.error ?? '—'} />
        </dd>
      </dl>
      {live && p ? (
        <p>
          {p.message ?? ''} {p.total ? <progress max={p.total} value={p.done ?? 0} /> : null}
        </p>
      ) : null}
      <h2>History</h2>
      <ol>
        {job.events.map((e) => (
          <li>
            <When at={e.at} /> {e.state}
            {e.note ? ' — ' : ''}
            {e.note ? <Reason message={e.note} /> : null}
          </li>
        ))}
      </ol>
      <h2>Log</h2>
      {props.log.length ? (
        <pre style="white-space:pre-wrap">{props.log.join('\n')}</pre>
      ) : (
        <p class="hint">Empty.</p>
      )}
    </section>
  );
};

export const activityRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const name: HostName = (id) => deps.hosts?.label(id);
  const address: HostAddress = (id) => deps.hosts?.get(id)?.address;
  const naming = { name, address };

  const table = (state: string | undefined, csrf: string) => {
    const jobs = needJobs(deps);
    const wanted = JOB_STATES.find((s) => s === state);
    const all = jobs.list(wanted ? { states: [wanted] } : {});
    return (
      <JobTable jobs={all.slice(0, MAX_ROWS)} total={all.length} csrf={csrf} state={wanted} {...naming} />
    );
  };

  app.get('/activity/jobs', (c) => c.html(table(c.req.query('state'), c.get('csrf'))));

  app.get('/activity', (c) => {
    const state = c.req.query('state');
    return renderPage(
      c,
      { title: 'Activity' },
      <>
        <h1>Activity</h1>
        <p>
          Show: <a href="/activity">all</a> · <a href="/activity?state=running">running</a> ·{' '}
          <a href="/activity?state=queued">queued</a> · <a href="/activity?state=failed">failed</a> ·{' '}
          <a href="/activity?state=interrupted">interrupted</a>
        </p>
        {table(state, c.get('csrf'))}
        <Schedule upcoming={deps.scheduler?.upcoming() ?? []} />
      </>,
    );
  });

  const found = (id: string): JobRecord => {
    const job = needJobs(deps).get(id);
    if (!job)
      throw new DepotError(
        'NOT_FOUND',
        `No job ${JSON.stringify(id.slice(0, 80))}: it may have been pruned.`,
      );
    return job;
  };

  app.get('/activity/:id', async (c) => {
    const job = found(c.req.param('id'));
    const card = (
      <JobDetail job={job} log={await needJobs(deps).log(job.id)} csrf={c.get('csrf')} {...naming} />
    );
    if (isFragmentRequest(c)) return c.html(card);
    return renderPage(
      c,
      { title: jobTitle(job, name, address) },
      <>
        <p>
          <a href="/activity">← Activity</a>
        </p>
        {card}
      </>,
    );
  });

  app.post('/activity/:id/cancel', async (c) => {
    const job = found(c.req.param('id'));
    await needJobs(deps).cancel(job.id);
    return c.redirect(jobHref(job.id), 303);
  });

  return app;
};
