/**
 * Reports: the site report (compliance over 400 days, patch age and time to remediate against the
 * SLA, the hosts and advisories that need work, bandwidth saved, deployment outcomes), printable
 * on one page, and the full per-host and per-advisory reports. Every table exports as CSV and
 * JSON from the same rows the page shows.
 */
import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { DepotError } from '../../daemon/errors.js';
import { pageNumber, pageOf } from '../../daemon/paging.js';
import { type DaySnapshot, localDay } from '../../daemon/reports/history.js';
import { advisoriesTable, bandwidthTable, deploymentsTable } from '../../daemon/reports/outcome-tables.js';
import { type Cell, type ReportTable, tableCsv, tableJson } from '../../daemon/reports/report-table.js';
import { historyTable, hostsTable, remediationTable } from '../../daemon/reports/report-tables.js';
import type { WebDeps, WebEnv } from '../env.js';
import { formatBytes } from '../views/bytes.js';
import { deploymentHref } from '../views/deployments.js';
import { hostHref } from '../views/host-link.js';
import { Empty, renderPage } from '../views/layout.js';
import { Pager } from '../views/pager.js';
import { advisoryHref } from '../views/patches.js';
import { ComplianceChart, Exports, TableView, TrafficChart } from '../views/report-views.js';
import { When } from '../views/when.js';
import { csvDownload } from './csv-download.js';

export const REPORTS = [
  'compliance-history',
  'remediation',
  'hosts',
  'advisories',
  'bandwidth',
  'deployments',
] as const;
type ReportName = (typeof REPORTS)[number];

const needReports = (deps: WebDeps) => {
  if (!deps.reports) throw new DepotError('UNAVAILABLE', 'the reports service is not running');
  return deps.reports;
};

/**
 * The tables built from the assessment and the ledger (at 5,000 hosts a third of a second, and the
 * site report builds all of them to show ten rows of each), kept while neither changed. Ages are in
 * days, so a table up to a minute old is reused as it is, and one up to a quarter of an hour old
 * is shown while a fresh one is built for the next visitor. After each new assessment of a site
 * with assessed hosts the tables are built in the background (a third of a second of CPU beside
 * the seconds of the assessment itself), so no visit pays for them: a visit while they are being
 * built waits for that build instead of starting a second one.
 */
interface Built {
  key: string;
  at: number;
  table: ReportTable;
}
interface Memo {
  tables: Map<ReportName, Built>;
  building?: Promise<void> | undefined;
}
const memos = new WeakMap<WebDeps, Memo>();
const REUSE_MS = 60_000;
const STALE_MS = 15 * 60_000;
const KEPT: readonly ReportName[] = ['compliance-history', 'remediation', 'hosts', 'advisories'];

const memoOf = (deps: WebDeps): Memo => {
  const memo: Memo = memos.get(deps) ?? { tables: new Map() };
  memos.set(deps, memo);
  return memo;
};

const keyOf = async (deps: WebDeps): Promise<string> => {
  const computedAt = (await deps.assess?.current())?.computedAt;
  // The ledger and history first take in that assessment (the version moves when they change).
  await needReports(deps).settled();
  return `${computedAt}|${needReports(deps).version}`;
};

/** Build the kept tables one after another, a turn of the event loop apart (single flight). */
const rebuild = (deps: WebDeps): Promise<void> => {
  const memo = memoOf(deps);
  memo.building ??= (async () => {
    for (const name of KEPT) {
      await new Promise<void>((r) => setImmediate(r));
      const now = Date.now();
      const key = await keyOf(deps);
      if (memo.tables.get(name)?.key === key && now - memo.tables.get(name)!.at < REUSE_MS) continue;
      memo.tables.set(name, { key, at: now, table: await buildFresh(deps, name, now) });
    }
  })()
    .catch((err: unknown) => deps.log.warn('report tables could not be built ahead', { err }))
    .finally(() => {
      memo.building = undefined;
    });
  return memo.building;
};

/** One report table, built from what the services hold now (or reused, see above). */
const buildTable = async (deps: WebDeps, name: ReportName, now: number): Promise<ReportTable> => {
  if (!KEPT.includes(name)) return buildFresh(deps, name, now);
  const memo = memoOf(deps);
  const key = await keyOf(deps);
  if (memo.building && memo.tables.get(name)?.key !== key) await memo.building;
  const kept = memo.tables.get(name);
  if (kept?.key === key && now - kept.at < STALE_MS) {
    if (now - kept.at >= REUSE_MS) void rebuild(deps);
    return kept.table;
  }
  const table = await buildFresh(deps, name, now);
  memo.tables.set(name, { key, at: now, table });
  return table;
};

/** After each new assessment of a site with assessed hosts, its tables (see Memo). */
const warmAfterAssessment = (deps: WebDeps): void => {
  deps.assess?.onComputed((site) => {
    // After the reports service has brought its ledger up to the same assessment.
    if (site.compliance.assessed > 0) setImmediate(() => void rebuild(deps));
  });
};

const buildFresh = async (deps: WebDeps, name: ReportName, now: number): Promise<ReportTable> => {
  const reports = needReports(deps);
  const { slaDays, windowDays } = reports.settings;
  // An assessment brings the snapshot and the ledger up to date once it is computed.
  const site = await deps.assess?.current();
  await reports.settled();
  if (name === 'compliance-history') return historyTable(reports.history());
  if (name === 'remediation') return remediationTable(reports.ledger(), now, slaDays, windowDays);
  if (name === 'bandwidth') return bandwidthTable(deps.cache?.traffic(90) ?? []);
  if (name === 'deployments') return deploymentsTable(deps.deploy?.list() ?? []);
  if (!site) throw new DepotError('UNAVAILABLE', 'no assessment available');
  if (name === 'advisories')
    return advisoriesTable(site.advisories, reports.ledger(), now, slaDays, windowDays);
  const label = (id: string) => deps.hosts?.label(id) ?? id;
  return hostsTable(site.hosts, reports.ledger(), label, now, slaDays, windowDays);
};

/** Links from report rows to the host, advisory and deployment pages. */
const rowLink = (row: Record<string, Cell>, key: string): string | undefined => {
  if (key === 'host' && typeof row.host_id === 'string') return hostHref(row.host_id);
  if (key === 'advisory' && typeof row.feed === 'string' && typeof row.advisory === 'string')
    return advisoryHref({ feedId: row.feed, advisoryId: row.advisory });
  if (key === 'deployment' && typeof row.id === 'string') return deploymentHref(row.id);
  return undefined;
};

const Section = (props: {
  table: ReportTable;
  rows?: ReportTable['rows'];
  more?: { href: string; text: string } | undefined;
  children?: Child;
}) => (
  <section class="card">
    <h2>
      {props.table.title} <Exports name={props.table.name} />
    </h2>
    {props.children}
    {props.table.rows.length === 0 ? (
      <p class="hint">Nothing to report yet.</p>
    ) : (
      <TableView table={props.table} rows={props.rows} link={rowLink} />
    )}
    {props.more ? (
      <p class="hint">
        <a href={props.more.href}>{props.more.text}</a>
      </p>
    ) : null}
  </section>
);

/** The four figures at the top of the site report. */
const Headline = (props: {
  latest: DaySnapshot | undefined;
  pastSla: number | undefined;
  saved: number | undefined;
}) => {
  const { latest } = props;
  return (
    <section class="grid">
      <div class="card stat">
        <span class="label">Compliance</span>
        <span class="value">{latest?.ratio === undefined ? '–' : `${Math.round(latest.ratio * 100)} %`}</span>
        <span class="hint">
          {latest ? `${latest.compliant} of ${latest.assessed} hosts fully patched` : 'no host assessed yet'}
        </span>
      </div>
      <div class="card stat">
        <span class="label">Hosts at risk</span>
        <span class="value">{latest?.hostsAtRisk ?? '–'}</span>
        <span class="hint">missing any security fix</span>
      </div>
      <div class="card stat">
        <span class="label">Open past SLA</span>
        <span class="value">{props.pastSla ?? '–'}</span>
        <span class="hint">missing fixes older than their severity allows</span>
      </div>
      <div class="card stat">
        <span class="label">Saved by the cache</span>
        <span class="value">{props.saved === undefined ? '–' : formatBytes(props.saved)}</span>
        <span class="hint">
          {props.saved === undefined ? 'the cache is off' : 'served on the LAN in the last 90 days'}
        </span>
      </div>
    </section>
  );
};

const TOP = 10;

/**
 * Days the compliance chart spans: the history so far, at least 30 (a new site's first days are
 * a line, not a dot at the right edge of a 400-day axis), at most what is kept.
 */
export const chartSpan = (firstDay: string, today: string, keepDays: number): number => {
  const have =
    Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / 86_400_000) + 1;
  return Math.min(keepDays, Math.max(30, have));
};

const siteReport = async (deps: WebDeps, c: Context<WebEnv>) => {
  const now = Date.now();
  const reports = needReports(deps);
  const [history, remediation, hosts, advisories, bandwidth, deployments] = await Promise.all(
    REPORTS.map((n) => buildTable(deps, n, now).catch(() => undefined)),
  );
  const days = reports.history().days;
  const latest = days[days.length - 1];
  const traffic = deps.cache?.traffic(90) ?? [];
  const saved = traffic.reduce((a, d) => a + d.fromCache, 0);
  const sla = reports.settings.slaDays;
  const pastSla = (remediation?.rows ?? []).reduce((a, r) => a + Number(r.open_past_sla ?? 0), 0);
  return renderPage(
    c,
    { title: 'Reports' },
    <>
      <h1>Site report</h1>
      <p class="hint">
        {`${deps.api?.siteName ?? 'This site'} · `}
        <When at={new Date(now).toISOString()} />
        {' · '}
        {`SLA: critical ${sla.critical} d, high ${sla.high} d, medium ${sla.medium} d, low ${sla.low} d, negligible ${sla.negligible} d, unrated ${sla.unknown} d `}
        (config <code>reports.slaDays</code>).
        <span class="screen-only"> Print this page for a one-page report.</span>
      </p>
      <Headline
        latest={latest}
        pastSla={remediation ? pastSla : undefined}
        saved={deps.cache ? saved : undefined}
      />
      <section class="card">
        <h2>
          Compliance over time <Exports name="compliance-history" />
        </h2>
        {days.length === 0 ? (
          <p class="hint">The first snapshot is taken once a host has been assessed; then one a day.</p>
        ) : (
          <ComplianceChart
            days={days}
            today={localDay(now, reports.timeZone)}
            spanDays={chartSpan(days[0]!.day, localDay(now, reports.timeZone), reports.settings.keepDays)}
          />
        )}
        {history?.rows.length ? (
          <details>
            <summary>The last 30 days as a table</summary>
            <TableView table={history} rows={history.rows.slice(0, 30)} />
          </details>
        ) : null}
      </section>
      {remediation ? <Section table={remediation} /> : null}
      {hosts ? (
        <Section
          table={hosts}
          rows={hosts.rows.slice(0, TOP)}
          more={{ href: '/reports/hosts', text: `All ${hosts.rows.length} hosts` }}
        />
      ) : null}
      {advisories ? (
        <Section
          table={advisories}
          rows={advisories.rows.slice(0, TOP)}
          more={{ href: '/reports/advisories', text: `All ${advisories.rows.length} advisories` }}
        />
      ) : null}
      {bandwidth && deps.cache ? (
        <Section table={bandwidth} rows={bandwidth.rows.slice(0, 14)}>
          <TrafficChart days={traffic} />
        </Section>
      ) : null}
      {deployments && deps.deploy ? (
        <Section table={deployments} rows={deployments.rows.slice(0, TOP)} />
      ) : null}
    </>,
  );
};

/** A full report table, a page at a time. */
const fullReport = async (deps: WebDeps, c: Context<WebEnv>, name: 'hosts' | 'advisories') => {
  const table = await buildTable(deps, name, Date.now());
  const page = pageOf(table.rows, pageNumber(c.req.query('page')));
  return renderPage(
    c,
    { title: `${table.title} · Reports` },
    <>
      <h1>{`${table.title} report`}</h1>
      <p>
        <a href="/reports">← Site report</a>
      </p>
      {table.rows.length === 0 ? (
        <Empty>
          <p>Nothing to report yet: no host has been assessed.</p>
        </Empty>
      ) : (
        <Section table={table} rows={page.items}>
          <Pager page={page} href={(n) => `/reports/${name}?page=${n}`} label={`${table.title} pages`} />
        </Section>
      )}
    </>,
  );
};

const exportTable = async (deps: WebDeps, c: Context<WebEnv>) => {
  const m = /^([a-z-]+)\.(csv|json)$/.exec(c.req.param('file') ?? '');
  const name = m?.[1] as ReportName | undefined;
  if (!m || !name || !REPORTS.includes(name)) throw new DepotError('NOT_FOUND', 'no such report');
  const now = Date.now();
  const table = await buildTable(deps, name, now);
  const stamp = localDay(now, needReports(deps).timeZone);
  if (m[2] === 'json') {
    return c.json(tableJson(table, new Date(now).toISOString()), 200, {
      'Content-Disposition': `attachment; filename="${name}-${stamp}.json"`,
    });
  }
  return csvDownload(c, tableCsv(table), `${name}-${stamp}.csv`);
};

export const reportsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  warmAfterAssessment(deps);
  app.get('/reports', (c) => siteReport(deps, c));
  app.get('/reports/hosts', (c) => fullReport(deps, c, 'hosts'));
  app.get('/reports/advisories', (c) => fullReport(deps, c, 'advisories'));
  app.get('/reports/:file', (c) => exportTable(deps, c));
  return app;
};
