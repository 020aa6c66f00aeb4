/** Dashboard: the site at a glance — devices, compliance, missing fixes, cache savings, next steps. */
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { severities } from '../../daemon/catalog/model.js';
import { assetQuerySchema } from '../../daemon/discovery/asset-query.js';
import type { Problem } from '../../daemon/observability/health.js';
import type { WebDeps, WebEnv } from '../env.js';
import { renderPage } from '../views/layout.js';

const formatUptime = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
};

export const formatBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
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

/** Gather the figures; each service is optional (disabled or not wired), and says so. */
const figures = async (deps: WebDeps) => {
  const count = (status: 'online' | 'new' | '') =>
    deps.discovery?.query(assetQuerySchema.parse({ status, pageSize: 10 })).total;
  const site = deps.assess ? await deps.assess.current() : undefined;
  return {
    devices: count(''),
    online: count('online'),
    newDevices: count('new'),
    scopes: deps.discovery?.scopes().length ?? 0,
    lastScan: deps.discovery?.history()[0],
    scanning: deps.discovery?.current()?.status === 'running',
    // Until a host is assessed, "0 missing fixes" would be a claim nobody checked.
    compliance: site?.compliance.assessed ? site.compliance : undefined,
    feeds: deps.catalog?.feeds().filter((f) => f.snapshot).length ?? 0,
    cache: deps.cache?.summary(),
    // The same reasons /healthz gives for "degraded".
    problems: (await deps.health?.problems()) ?? [],
  };
};

const Problems = (props: { problems: Problem[] }) =>
  props.problems.length === 0 ? null : (
    <section class="card" id="problems">
      <h2>Needs attention</h2>
      <ul>
        {props.problems.map((p) => (
          <li class="notice error" role="status">
            <strong>{p.source}</strong>: {p.message}
          </li>
        ))}
      </ul>
    </section>
  );

export const dashboardRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/', async (c) => {
    const f = await figures(deps);
    const ratio = f.compliance?.ratio;
    return renderPage(
      c,
      { title: 'Dashboard' },
      <>
        <h1>Dashboard</h1>
        <Problems problems={f.problems} />
        <section class="grid">
          <Stat
            label="Devices"
            href="/assets"
            value={f.devices ?? '–'}
            hint={
              f.devices === undefined
                ? 'discovery is not running'
                : `${f.online ?? 0} online · ${f.newDevices ?? 0} new${f.scanning ? ' · scanning now' : ''}`
            }
          />
          <Stat
            label="Compliance"
            href="/patches"
            value={ratio === undefined ? '–' : `${Math.round(ratio * 100)} %`}
            hint={
              f.compliance
                ? `${f.compliance.compliant} of ${f.compliance.assessed} assessed hosts fully patched`
                : 'no host assessed yet'
            }
          />
          <Stat
            label="Missing fixes"
            href="/patches"
            value={f.compliance?.missingFixes ?? '–'}
            hint={
              f.compliance
                ? severities
                    .filter((s) => f.compliance!.bySeverity[s] > 0)
                    .map((s) => `${f.compliance!.bySeverity[s]} ${s}`)
                    .join(' · ') || 'none'
                : undefined
            }
          />
          <Stat
            label="WAN saved by the cache"
            href="/cache"
            value={f.cache ? formatBytes(f.cache.fromCache) : '–'}
            hint={f.cache ? `hit ratio ${Math.round(f.cache.hitRatio * 100)} %` : 'cache disabled'}
          />
          <Stat
            label="Appliance"
            value={`up ${formatUptime(Date.now() - deps.startedAt.getTime())}`}
            hint={`Patch Depot ${deps.version}`}
          />
        </section>
        {f.compliance && f.compliance.hostsAtRisk > 0 ? (
          <p class="notice error" role="status">
            {f.compliance.hostsAtRisk} host{f.compliance.hostsAtRisk === 1 ? '' : 's'} miss critical or high
            fixes. <a href="/patches?severity=critical">Review them</a>.
          </p>
        ) : null}
        <section class="card">
          <h2>Getting started</h2>
          <ol class="checklist">
            <Step done>Administrator password set</Step>
            <Step done={f.scopes > 0}>
              Define the scope of management (the subnets this appliance may scan) in{' '}
              <a href="/settings/scopes">Settings → Scopes</a>.
            </Step>
            <Step done={f.lastScan !== undefined}>
              Run a discovery scan and review the machines found under <a href="/assets">Assets</a>.
            </Step>
            <Step done={f.feeds > 0}>
              Synchronise vendor feeds on the <a href="/patches">Patches</a> page.
            </Step>
            <Step done={(f.compliance?.assessed ?? 0) > 0}>
              Give the appliance SSH access to your machines under <a href="/inventory">Inventory</a> so it
              can see what each one has installed.
            </Step>
          </ol>
        </section>
      </>,
    );
  });
  return app;
};
