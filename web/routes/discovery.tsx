/**
 * Discovery scans in the UI: the scan panel on the Assets page (start, live progress by htmx
 * polling, cancel; it tells the asset table to reload when a scan ends) and the scan history.
 */

import { Hono } from 'hono';
import type { DiscoveryService } from '../../daemon/discovery/discovery-service.js';
import type { ScanRecord } from '../../daemon/discovery/scan-log.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { JobLink } from '../views/job-link.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import { counted } from '../views/plural.js';
import { Reason } from '../views/reason.js';

/** The discovery service, or a clear 503 when this appliance runs without it. */
export const requireDiscovery = (deps: WebDeps): DiscoveryService => {
  if (!deps.discovery) throw new DepotError('UNAVAILABLE', 'discovery is not running on this appliance');
  return deps.discovery;
};

export const ago = (iso: string | null): string => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
};

/** Scan progress; polls every second while a scan runs and tells the table to reload at the end. */
export const ScanPanel = (props: {
  discovery: DiscoveryService;
  csrf: string;
  notice?: string | undefined;
}) => {
  const d = props.discovery;
  const scan = d.current();
  const running = scan?.status === 'running';
  const scopes = d.scopes();
  return (
    <section
      class="card"
      id="scan-panel"
      hx-get={running ? `/discovery/scan-panel?watch=${scan.id}` : undefined}
      hx-trigger={running ? 'every 1s' : undefined}
      hx-swap={running ? 'outerHTML' : undefined}
      // How many devices this panel has shown: when the next poll finds more, the table reloads.
      hx-vals={running ? JSON.stringify({ seen: scan.progress.alive }) : undefined}
    >
      <h2>Discovery</h2>
      {props.notice ? <Notice kind="error">{props.notice}</Notice> : null}
      {scan ? <ScanSummary scan={scan} /> : <p class="hint">No scan has run yet.</p>}
      {scopes.length === 0 ? (
        <p>
          No scope of management yet:{' '}
          <a href="/settings/scopes">define the subnets this appliance may scan</a>. No scope, no probe.
        </p>
      ) : (
        <form
          method="post"
          action="/discovery/scans"
          hx-post="/discovery/scans"
          hx-target="#scan-panel"
          hx-swap="outerHTML"
        >
          <CsrfField token={props.csrf} />
          <label style="display:inline-block;min-width:16rem;margin-right:.75rem">
            Scope
            <select name="scopeId">
              {scopes.map((s) => (
                <option value={s.id}>{`${s.name} (${s.include.join(', ')})`}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={running}>
            {running ? 'Scanning…' : 'Scan now'}
          </button>{' '}
          <a href="/discovery/scans">scan history</a>
        </form>
      )}
      {running ? (
        <form
          method="post"
          action="/discovery/scans/cancel"
          hx-post="/discovery/scans/cancel"
          hx-target="#scan-panel"
          hx-swap="outerHTML"
          style="margin-top:.5rem"
        >
          <CsrfField token={props.csrf} />
          <button type="submit" class="link">
            Cancel this scan
          </button>
        </form>
      ) : null}
    </section>
  );
};

const PHASE_LABEL: Record<ScanRecord['progress']['phase'], string> = {
  icmp: 'pinging and reading the neighbour table',
  tcp: 'probing ports',
  mdns: 'listening for mDNS',
  enrich: 'reading banners and names',
  done: 'finishing',
};

const ScanSummary = (props: { scan: ScanRecord }) => {
  const s = props.scan;
  if (s.status === 'running') {
    const p = s.progress;
    // ICMP and mDNS report only when they finish: those show as indeterminate.
    const pct = p.total && p.done ? Math.round((100 * p.done) / p.total) : undefined;
    const elapsed = Math.round((Date.now() - Date.parse(s.startedAt)) / 1000);
    return (
      <p>
        Scanning {s.scopeName} ({s.addresses} addresses, {elapsed} s, <JobLink id={s.id} label="log" />
        ): {PHASE_LABEL[p.phase]}
        {pct !== undefined ? ` (${pct} %)` : ''}, {counted(p.alive, 'device')} so far{' '}
        <progress max={100} value={pct} />
      </p>
    );
  }
  return (
    <p>
      Last scan of {s.scopeName} (<JobLink id={s.id} label="log" />
      ): <strong>{s.status}</strong> {ago(s.finishedAt)}
      {s.durationMs !== null ? ` in ${(s.durationMs / 1000).toFixed(1)} s` : ''}
      {s.counts
        ? ` — ${s.counts.found} found, ${s.counts.new} new, ${s.counts.offline} went offline, ${s.counts.ipChanged} changed address`
        : ''}
      {s.error ? ' — ' : ''}
      {s.error ? <Reason message={s.error} /> : null}
    </p>
  );
};

const ScanHistory = (props: { scans: readonly ScanRecord[] }) => (
  <section class="card">
    {props.scans.length === 0 ? (
      <Empty>
        <p>No scans yet.</p>
      </Empty>
    ) : (
      <table>
        <thead>
          <tr>
            <th>Scan</th>
            <th>Scope</th>
            <th>Trigger</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Status</th>
            <th>Found / new / offline</th>
          </tr>
        </thead>
        <tbody>
          {props.scans.map((s) => (
            <tr>
              <td>
                <JobLink id={s.id} />
              </td>
              <td>{s.scopeName}</td>
              <td>{s.trigger}</td>
              <td title={s.startedAt}>{ago(s.startedAt)}</td>
              <td>{s.durationMs !== null ? `${(s.durationMs / 1000).toFixed(1)} s` : '—'}</td>
              <td>
                {s.status}
                {s.error ? ': ' : ''}
                {s.error ? <Reason message={s.error} /> : null}
              </td>
              <td>{s.counts ? `${s.counts.found} / ${s.counts.new} / ${s.counts.offline}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

export const discoveryRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/discovery/scan-panel', (c) => {
    const d = requireDiscovery(deps);
    const watched = c.req.query('watch');
    const current = d.current();
    // The scan this panel was watching has ended, or found more devices: the table reloads.
    const seen = c.req.query('seen');
    if (
      watched &&
      current?.id === watched &&
      (current.status !== 'running' || (seen !== undefined && Number(seen) !== current.progress.alive))
    )
      c.header('HX-Trigger', 'assets-changed');
    return c.html(<ScanPanel discovery={d} csrf={c.get('csrf')} />);
  });

  app.post('/discovery/scans/cancel', async (c) => {
    const d = requireDiscovery(deps);
    await d.cancelScan();
    await d.idle();
    if (c.req.header('hx-request') !== 'true') return c.redirect('/assets', 303);
    c.header('HX-Trigger', 'assets-changed');
    return c.html(<ScanPanel discovery={d} csrf={c.get('csrf')} />);
  });

  app.post('/discovery/scans', async (c) => {
    const d = requireDiscovery(deps);
    const body = await c.req.parseBody();
    const scopeId = typeof body.scopeId === 'string' ? body.scopeId : '';
    let notice: string | undefined;
    try {
      await d.startScan(scopeId, 'manual');
    } catch (err) {
      if (!(err instanceof DepotError)) throw err;
      notice = err.message;
    }
    if (c.req.header('hx-request') !== 'true' && !notice) return c.redirect('/assets', 303);
    return renderPage(
      c,
      { title: 'Assets', status: notice ? 409 : 200 },
      <ScanPanel discovery={d} csrf={c.get('csrf')} notice={notice} />,
    );
  });

  app.get('/discovery/scans', (c) =>
    renderPage(
      c,
      { title: 'Scan history' },
      <>
        <h1>Scan history</h1>
        <ScanHistory scans={requireDiscovery(deps).history()} />
      </>,
    ),
  );

  return app;
};
