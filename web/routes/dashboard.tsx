/** Dashboard: the site at a glance — devices, compliance, missing fixes, cache savings, next steps. */

import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { PAGE_WAIT_MS } from '../../daemon/assess/assess-service.js';
import type { Problem } from '../../daemon/observability/health.js';
import { type SiteSources, type SiteSummary, siteSummary } from '../../daemon/reports/site-summary.js';
import type { WebDeps, WebEnv } from '../env.js';
import { formatBytes } from '../views/bytes.js';
import { JobLink } from '../views/job-link.js';
import { renderPage } from '../views/layout.js';
import { severityBreakdown } from '../views/patches.js';
import { Reason } from '../views/reason.js';

const formatUptime = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
};

const Stat = (props: { label: string; value: string | number; hint?: string; href?: string }) => (
  <div class="card stat">
    <span class="label">{props.href ? <a href={props.href}>{props.label}</a> : props.label}</span>
    <span class="value">{props.value}</span>
    {props.hint ? <span class="hint">{props.hint}</span> : null}
  </div>
);

const Step = (props: { done: boolean; children: Child }) => (
  <li class={props.done ? 'done' : undefined}>{props.children}</li>
);

/** Which part of the appliance says so, as its page is named. */
const SOURCE: Record<string, string> = {
  catalog: 'Feeds',
  cache: 'Cache',
  discovery: 'Discovery',
  inventory: 'Inventory',
  jobs: 'Activity',
  reports: 'Reports',
  tftp: 'Devices (TFTP)',
  presence: 'On the LAN',
  deploy: 'Deployments',
  scheduler: 'Schedule',
  'api-tokens': 'Console API',
  assess: 'Patches',
};

export const Problems = (props: { problems: Problem[] }) =>
  props.problems.length === 0 ? null : (
    <section class="card" id="problems" role="status">
      <h2>Needs attention</h2>
      <ul class="problems">
        {props.problems.map((p) => (
          <li class="notice error">
            <strong>{SOURCE[p.source] ?? p.source}</strong>: <Reason message={p.message} />
            {p.deploymentId ? (
              <>
                {' '}
                <a href={`/deployments/${encodeURIComponent(p.deploymentId)}`}>open the deployment</a>
              </>
            ) : p.jobId ? (
              <>
                {' '}
                <JobLink id={p.jobId} label="see the job" />
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );

/** Before the first assessment: what the count of missing fixes still waits for, in plain words. */
const missingPending = (s: SiteSummary, assessing: boolean): string => {
  if (assessing) return 'counting now: reload in a moment';
  const inventoried = s.hosts ? s.hosts.total - s.hosts.byStanding['not-inventoried'] : 0;
  const feed = s.feeds.synced === 0;
  if (feed && inventoried === 0)
    return 'counted once a vendor feed is synced and a machine’s software is collected';
  if (feed) return 'counted once a vendor feed is synced (Patches → Feeds)';
  return 'counted once a machine’s software is collected (Inventory)';
};

const Figures = (props: { s: SiteSummary; deps: WebDeps; assessing: boolean }) => {
  const { devices, compliance, cache } = props.s;
  const ratio = compliance?.ratio;
  return (
    <section class="grid">
      <Stat
        label="Assets"
        href="/assets"
        value={devices?.total ?? '–'}
        hint={
          devices === undefined
            ? 'discovery is not running'
            : `${devices.online} online · ${devices.new} new${devices.scanning ? ' · scanning now' : ''}`
        }
      />
      <Stat
        label="Compliance"
        href="/patches"
        value={ratio === undefined ? '–' : `${Math.round(ratio * 100)} %`}
        hint={
          compliance
            ? `${compliance.compliant} of ${compliance.assessed} assessed hosts fully patched${props.assessing ? ' · reassessing now' : ''}`
            : props.assessing
              ? 'assessing the hosts now: reload in a moment'
              : 'no host assessed yet'
        }
      />
      <Stat
        label="Missing fixes"
        href="/patches"
        value={compliance?.missingFixes ?? '–'}
        hint={
          compliance ? severityBreakdown(compliance.bySeverity) : missingPending(props.s, props.assessing)
        }
      />
      <Stat
        label="WAN saved by the cache"
        href="/cache"
        value={cache ? formatBytes(cache.fromCache) : '–'}
        hint={cache ? `hit ratio ${Math.round(cache.hitRatio * 100)} %` : 'cache disabled'}
      />
      <Stat
        label="Appliance"
        value={`up ${formatUptime(Date.now() - props.deps.startedAt.getTime())}`}
        hint={`Patch Depot ${props.deps.version}`}
      />
    </section>
  );
};

const AtRisk = (props: { compliance: SiteSummary['compliance'] }) => {
  const n = props.compliance?.hostsAtRisk ?? 0;
  return n > 0 ? (
    <p class="notice error" role="status">
      {n} host{n === 1 ? ' misses' : 's miss'} security fixes. <a href="/patches?view=hosts">Review them</a>.
    </p>
  ) : null;
};

/** The first steps, until every one is done: then the card has nothing left to say. */
export const GettingStarted = (props: { s: SiteSummary }) =>
  props.s.scopes > 0 &&
  props.s.scanned &&
  props.s.feeds.synced > 0 &&
  (props.s.compliance?.assessed ?? 0) > 0 ? null : (
    <section class="card">
      <h2>Getting started</h2>
      <ol class="checklist">
        <Step done>Administrator password set</Step>
        <Step done={props.s.scopes > 0}>
          Define the scope of management (the subnets this appliance may scan) in{' '}
          <a href="/settings/scopes">Settings → Scopes</a>.
        </Step>
        <Step done={props.s.scanned}>
          Run a discovery scan and review the machines found under <a href="/assets">Assets</a>.
        </Step>
        <Step done={props.s.feeds.synced > 0}>
          Add vendor feeds in <a href="/settings/config#feeds">Settings → Appliance settings</a> and
          synchronise them there or on the <a href="/patches/feeds">Feeds</a> page.
        </Step>
        <Step done={(props.s.compliance?.assessed ?? 0) > 0}>
          Give the appliance SSH access to your machines under <a href="/inventory">Inventory</a> so it can
          see what each one has installed.
        </Step>
      </ol>
    </section>
  );

/**
 * The dashboard shows what Patches shows: the current assessment when it is ready within
 * PAGE_WAIT_MS (a collection or a feed sync just made the last one stale), else the last one
 * while the next is computed, and after a restart says the first one is running instead of
 * holding the page for it (37 s at 5,000 hosts on a loaded 2-core box).
 */
const dashboardSources = async (deps: WebDeps): Promise<{ sources: SiteSources; assessing: boolean }> => {
  const assess = deps.assess;
  if (!assess) return { sources: deps, assessing: false };
  const got = await assess.currentWithin(PAGE_WAIT_MS).catch((err: unknown) => {
    deps.log.warn('assessment failed', { err });
    const last = assess.latest();
    return last && { site: last, stale: true };
  });
  return {
    sources: { ...deps, assess: { current: async () => got?.site } },
    // A failed assessment is not "assessing": Needs attention says why (the service's health).
    assessing: !assess.failed() && (got ? got.stale : (deps.hosts?.count() ?? 0) > 0),
  };
};

export const dashboardRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/', async (c) => {
    const { sources, assessing } = await dashboardSources(deps);
    const s = await siteSummary(sources);
    return renderPage(
      c,
      { title: 'Dashboard' },
      <>
        <h1>Dashboard</h1>
        <Problems problems={s.problems} />
        <Figures s={s} deps={deps} assessing={assessing} />
        <AtRisk compliance={s.compliance} />
        <GettingStarted s={s} />
      </>,
    );
  });
  return app;
};
