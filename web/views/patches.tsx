/**
 * The pieces of the Patches pages: severity badges, compliance cards, the filter form and the
 * advisory, package and host tables.
 */

import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { AdvisoryImpact } from '../../daemon/assess/assess-service.js';
import type { HostLabel, MissingFixFilter, PackageImpact } from '../../daemon/assess/missing-fix-query.js';
import type { HostAssessment, MissingFix, SiteCompliance } from '../../daemon/assess/types.js';
import { type Severity, severities } from '../../daemon/catalog/model.js';
import { releaseLabel } from '../../daemon/catalog/release-key.js';
import type { Page } from '../../daemon/paging.js';
import type { WebEnv } from '../env.js';
import { hostHref } from './host-link.js';
import { Pager } from './pager.js';
import { TableScroll } from './table-scroll.js';

const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: 'var(--bad)',
  high: 'var(--bad)',
  medium: 'var(--warn)',
  low: 'var(--muted)',
  negligible: 'var(--muted)',
  // An unrated fix may be anything up to critical: shown like a warning, not like "low".
  unknown: 'var(--warn)',
};
/** Severity in words: a fix no feed rates is "unrated", never a reassuring blank. */
export const severityWord = (s: Severity): string => (s === 'unknown' ? 'unrated' : s);

/** "4 high · 4 medium · 4 low": every severity with a count, so the parts add up to the total. */
export const severityBreakdown = (bySeverity: Record<Severity, number>): string =>
  severities
    .filter((s) => bySeverity[s] > 0)
    .map((s) => `${bySeverity[s]} ${severityWord(s)}`)
    .join(' · ') || 'none';
export const VIEWS = ['advisories', 'packages', 'hosts'] as const;
export type View = (typeof VIEWS)[number];
const VIEW_WORDS: Record<View, string> = { advisories: 'advisory', packages: 'package', hosts: 'host' };

/** The Patches list's address for page `n`, with the filters as they are (defaults left out). */
export const patchesHref = (f: Filters, n: number): string => {
  const q = new URLSearchParams();
  if (f.view !== 'advisories') q.set('view', f.view);
  if (f.severity) q.set('severity', f.severity);
  if (f.q) q.set('q', f.q);
  if (n > 1) q.set('page', String(n));
  const query = q.toString();
  return query ? `/patches?${query}` : '/patches';
};

export const Sev = (props: { s: Severity }) => (
  <strong style={`color:${SEVERITY_COLOUR[props.s]}`}>{severityWord(props.s)}</strong>
);
export const advisoryHref = (a: { feedId: string; advisoryId: string }) =>
  `/patches/advisories/${encodeURIComponent(a.feedId)}/${encodeURIComponent(a.advisoryId)}`;
/** Feed-supplied links are shown only when they are plain web links (defence in depth). */
export const webLink = (url: string | undefined): string | undefined =>
  url && /^https?:\/\//i.test(url) ? url : undefined;

export const ComplianceCards = (props: { c: SiteCompliance }) => {
  const { c } = props;
  const pct = c.ratio === undefined ? '–' : `${Math.round(c.ratio * 100)} %`;
  return (
    <section class="grid" id="compliance">
      <div class="card stat">
        <span class="label">Compliant hosts</span>
        <span class="value">{pct}</span>
        <span class="hint">{`${c.compliant} of ${c.assessed} assessed${c.uncovered ? ` · ${c.uncovered} not covered by any feed` : ''}`}</span>
      </div>
      <div class="card stat">
        <span class="label">Missing fixes</span>
        <span class="value">{c.missingFixes}</span>
        <span class="hint">{severityBreakdown(c.bySeverity)}</span>
      </div>
      <div class="card stat">
        <span class="label">Hosts at risk</span>
        <span class="value">{c.hostsAtRisk}</span>
        <span class="hint">missing any security fix, rated or not</span>
      </div>
      <div class="card stat">
        <span class="label">Reboot pending</span>
        <span class="value">{c.rebootRequired}</span>
      </div>
    </section>
  );
};

export interface Filters extends MissingFixFilter {
  view: View;
}

export const readFilters = (c: Context<WebEnv>): Filters => {
  const view = c.req.query('view');
  const severity = c.req.query('severity');
  return {
    view: VIEWS.includes(view as View) ? (view as View) : 'advisories',
    q: (c.req.query('q') ?? '').trim().slice(0, 100).toLowerCase(),
    severity: severities.includes(severity as Severity) ? (severity as Severity) : '',
  };
};

export const FilterForm = (props: { f: Filters }) => (
  <form method="get" action="/patches" class="card filters" aria-label="Filter missing fixes">
    <label>
      Show{' '}
      <select name="view">
        {VIEWS.map((v) => (
          <option value={v} selected={props.f.view === v}>{`by ${VIEW_WORDS[v]}`}</option>
        ))}
      </select>
    </label>{' '}
    <label>
      Severity at least{' '}
      <select name="severity">
        <option value="">any</option>
        {severities.map((s) => (
          <option value={s} selected={props.f.severity === s}>
            {severityWord(s)}
          </option>
        ))}
      </select>
    </label>{' '}
    <label>
      Search <input type="search" name="q" value={props.f.q} placeholder="CVE, advisory, package or host" />
    </label>{' '}
    <button type="submit">Filter</button>
  </form>
);

/** A row's checkbox for "Deploy selected" (name is the field the preview reads). */
const Pick = (props: { name: 'advisory' | 'host'; value: string; label: string }) => (
  <td data-label="Deploy">
    <input type="checkbox" name={props.name} value={props.value} aria-label={`select ${props.label}`} />
  </td>
);

/**
 * A tracker or OSV advisory is named by its CVE, so a CVEs column would only repeat the name:
 * it is shown when some advisory (a DSA, an apt update) lists CVEs of its own, and then every row
 * lists its CVEs, a CVE-named one included, so no cell reads as "no CVE".
 */
const listsOwnCves = (rows: AdvisoryImpact[]): boolean =>
  rows.some((a) => a.cves.some((c) => c !== a.advisoryId));

export const AdvisoryTable = (props: { rows: AdvisoryImpact[]; select?: boolean }) => {
  const cves = listsOwnCves(props.rows);
  return (
    <TableScroll label="Advisories">
      <table>
        <thead>
          <tr>
            {props.select ? <th>Deploy</th> : null}
            <th>Severity</th>
            <th>Advisory</th>
            {cves ? <th>CVEs</th> : null}
            <th>Packages</th>
            <th>Hosts</th>
            <th>Summary</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((a) => (
            <tr>
              {props.select ? <Pick name="advisory" value={a.advisoryId} label={a.advisoryId} /> : null}
              <td>
                <Sev s={a.severity} />
              </td>
              <td>
                <a href={advisoryHref(a)}>{a.advisoryId}</a>
              </td>
              {cves ? <td>{a.cves.join(' ')}</td> : null}
              <td>{a.packages.join(', ')}</td>
              <td>{a.hosts.size}</td>
              <td class="prose">{a.summary.length > 140 ? `${a.summary.slice(0, 140)}…` : a.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
};

export const PackageTable = (props: { rows: PackageImpact[] }) => (
  <TableScroll label="Packages">
    <table>
      <thead>
        <tr>
          <th>Package</th>
          <th>Worst severity</th>
          <th>Hosts</th>
          <th>Advisories</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((e) => (
          <tr>
            <td>
              <a href={`/patches?view=advisories&q=${encodeURIComponent(e.package)}`}>{e.package}</a>
            </td>
            <td>
              <Sev s={e.severity} />
            </td>
            <td>{e.hosts.size}</td>
            <td>
              {e.advisories.slice(0, 8).map((a) => (
                <>
                  <a href={advisoryHref(a)}>{a.advisoryId}</a>{' '}
                </>
              ))}
              {e.advisories.length > 8 ? `+${e.advisories.length - 8} more` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableScroll>
);

export const HostTable = (props: { rows: HostAssessment[]; label: HostLabel; select?: boolean }) => {
  const { rows } = props;
  return (
    <TableScroll label="Hosts">
      {/* On a phone each host is a small card of labelled lines: what it misses stays in view. */}
      <table class="stack">
        <thead>
          <tr>
            {props.select ? <th>Deploy</th> : null}
            <th>Host</th>
            <th>Release</th>
            <th>Missing fixes</th>
            <th>By severity</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((h) => (
            <tr>
              {props.select ? <Pick name="host" value={h.hostId} label={props.label(h.hostId)} /> : null}
              <td>
                <a href={hostHref(h.hostId, '#fixes')}>{props.label(h.hostId)}</a>
              </td>
              <td data-label="Release">{releaseLabel(h.release)}</td>
              <td data-label="Missing fixes">{h.findings.count}</td>
              {/* Every severity with a count ("1 high · 1 medium · 1 low"): the parts add up to the fixes missing. */}
              <td data-label="By severity">{severityBreakdown(h.bySeverity)}</td>
              <td data-label="Status">
                {!h.covered ? 'no feed covers this release' : h.compliant ? 'compliant' : 'needs patches'}
                {h.rebootRequired ? ' · reboot pending' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
};

/** The hosts one advisory affects, a page at a time, each linked to its host page. */
export const AffectedHosts = (props: {
  page: Page<{ id: string; name: string; fix: MissingFix }>;
  href: (page: number) => string;
}) => (
  <>
    <TableScroll label="Affected hosts">
      <table>
        <thead>
          <tr>
            <th>Host</th>
            <th>Package</th>
            <th>Installed</th>
            <th>Fixed in</th>
            <th>Binaries</th>
          </tr>
        </thead>
        <tbody>
          {props.page.items.map(({ id, name, fix }) => (
            <tr>
              <td>
                <a href={hostHref(id, '#fixes')}>{name}</a>
              </td>
              <td>{fix.package}</td>
              <td>
                <code>{fix.installed}</code>
              </td>
              <td>
                <code>{fix.fixed}</code>
              </td>
              <td>{fix.binaries.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
    <Pager page={props.page} href={props.href} label="Affected host pages" />
  </>
);

/** "Deploy selected": the picked rows go to the plan preview (a GET: nothing changes until "Create draft"). */
export const DeployForm = (props: { children: Child; what: string }) => (
  <form method="get" action="/deployments/new" id="deploy-selected" aria-label="Deploy selected">
    {props.children}
    <p>
      <button type="submit">Deploy selected…</button>{' '}
      <span class="hint">{`Previews the plan for the ticked ${props.what}; nothing runs until the draft is approved and started.`}</span>
    </p>
  </form>
);
