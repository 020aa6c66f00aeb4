/**
 * Patches: what vendors have fixed that machines here still lack. The main view lists missing fixes
 * by advisory/CVE, by package or by host, filtered by severity and a search; an advisory page shows
 * every affected host with installed and fixed versions. The feeds page shows each feed's snapshot,
 * live sync progress, the sync history and the offline bundle import.
 */
import { type Context, Hono } from 'hono';
import type { AdvisoryImpact, SiteAssessment } from '../../daemon/assess/assess-service.js';
import type { SiteCompliance } from '../../daemon/assess/types.js';
import type { CatalogService, SyncProgress } from '../../daemon/catalog/catalog-service.js';
import { type Severity, severities, severityRank, type VendorFile } from '../../daemon/catalog/model.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { Empty, Notice, renderPage } from '../views/layout.js';

const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: 'var(--bad)',
  high: 'var(--bad)',
  medium: 'var(--warn)',
  low: 'var(--muted)',
  negligible: 'var(--muted)',
  unknown: 'var(--muted)',
};
const VIEWS = ['advisories', 'packages', 'hosts'] as const;
type View = (typeof VIEWS)[number];
const PAGE = 200;

const Sev = (props: { s: Severity }) => (
  <strong style={`color:${SEVERITY_COLOUR[props.s]}`}>{props.s}</strong>
);
const advisoryHref = (a: { feedId: string; advisoryId: string }) =>
  `/patches/advisories/${encodeURIComponent(a.feedId)}/${encodeURIComponent(a.advisoryId)}`;
const hostHref = (id: string) => `/assets/${encodeURIComponent(id)}`;
/** Feed-supplied links are shown only when they are plain web links (defence in depth). */
const webLink = (url: string | undefined): string | undefined =>
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
        <span class="hint">{`${c.bySeverity.critical} critical · ${c.bySeverity.high} high · ${c.bySeverity.medium} medium`}</span>
      </div>
      <div class="card stat">
        <span class="label">Hosts at risk</span>
        <span class="value">{c.hostsAtRisk}</span>
        <span class="hint">missing a critical or high fix</span>
      </div>
      <div class="card stat">
        <span class="label">Reboot pending</span>
        <span class="value">{c.rebootRequired}</span>
      </div>
    </section>
  );
};

interface Filters {
  view: View;
  q: string;
  severity: Severity | '';
}

const readFilters = (c: Context<WebEnv>): Filters => {
  const view = c.req.query('view');
  const severity = c.req.query('severity');
  return {
    view: VIEWS.includes(view as View) ? (view as View) : 'advisories',
    q: (c.req.query('q') ?? '').trim().slice(0, 100).toLowerCase(),
    severity: severities.includes(severity as Severity) ? (severity as Severity) : '',
  };
};

const matches = (a: AdvisoryImpact, f: Filters): boolean =>
  (f.severity === '' || severityRank[a.severity] <= severityRank[f.severity]) &&
  (f.q === '' ||
    a.advisoryId.toLowerCase().includes(f.q) ||
    a.cves.some((cve) => cve.toLowerCase().includes(f.q)) ||
    a.packages.some((p) => p.includes(f.q)) ||
    [...a.hosts.keys()].some((h) => h.toLowerCase().includes(f.q)));

const FilterForm = (props: { f: Filters }) => (
  <form method="get" action="/patches" class="card" aria-label="Filter missing fixes">
    <label>
      Show{' '}
      <select name="view">
        {VIEWS.map((v) => (
          <option value={v} selected={props.f.view === v}>{`by ${v.replace(/s$/, '')}`}</option>
        ))}
      </select>
    </label>{' '}
    <label>
      Severity at least{' '}
      <select name="severity">
        <option value="">any</option>
        {severities.map((s) => (
          <option value={s} selected={props.f.severity === s}>
            {s}
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

const AdvisoryTable = (props: { rows: AdvisoryImpact[] }) => (
  <table>
    <thead>
      <tr>
        <th>Severity</th>
        <th>Advisory</th>
        <th>CVEs</th>
        <th>Packages</th>
        <th>Hosts</th>
        <th>Summary</th>
      </tr>
    </thead>
    <tbody>
      {props.rows.map((a) => (
        <tr>
          <td>
            <Sev s={a.severity} />
          </td>
          <td>
            <a href={advisoryHref(a)}>{a.advisoryId}</a>
          </td>
          <td>{a.cves.filter((c) => c !== a.advisoryId).join(' ')}</td>
          <td>{a.packages.join(', ')}</td>
          <td>{a.hosts.size}</td>
          <td>{a.summary.length > 140 ? `${a.summary.slice(0, 140)}…` : a.summary}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const PackageTable = (props: { rows: AdvisoryImpact[] }) => {
  const byPkg = new Map<string, { severity: Severity; advisories: AdvisoryImpact[]; hosts: Set<string> }>();
  for (const a of props.rows) {
    for (const p of a.packages) {
      const e = byPkg.get(p) ?? { severity: 'unknown' as Severity, advisories: [], hosts: new Set<string>() };
      if (e.severity === 'unknown' || severityRank[a.severity] < severityRank[e.severity])
        e.severity = a.severity;
      e.advisories.push(a);
      for (const [h, m] of a.hosts) if (m.package === p) e.hosts.add(h);
      byPkg.set(p, e);
    }
  }
  const rows = [...byPkg].sort(
    ([pa, a], [pb, b]) =>
      severityRank[a.severity] - severityRank[b.severity] ||
      b.hosts.size - a.hosts.size ||
      pa.localeCompare(pb),
  );
  return (
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
        {rows.slice(0, PAGE).map(([p, e]) => (
          <tr>
            <td>
              <a href={`/patches?view=advisories&q=${encodeURIComponent(p)}`}>{p}</a>
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
  );
};

const HostTable = (props: { site: SiteAssessment; f: Filters }) => {
  const rows = props.site.hosts
    .filter(
      (h) =>
        props.f.q === '' ||
        h.hostId.toLowerCase().includes(props.f.q) ||
        h.missing.some((m) => m.package.includes(props.f.q)),
    )
    .sort(
      (a, b) =>
        b.bySeverity.critical + b.bySeverity.high - (a.bySeverity.critical + a.bySeverity.high) ||
        b.missing.length - a.missing.length,
    );
  return (
    <>
      <table>
        <thead>
          <tr>
            <th>Host</th>
            <th>Release</th>
            <th>Missing fixes</th>
            <th>Critical / high</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, PAGE).map((h) => (
            <tr>
              <td>
                <a href={`/patches/hosts/${encodeURIComponent(h.hostId)}`}>{h.hostId}</a>
              </td>
              <td>{h.release}</td>
              <td>{h.missing.length}</td>
              <td>{`${h.bySeverity.critical} / ${h.bySeverity.high}`}</td>
              <td>
                {!h.covered ? 'no feed covers this release' : h.compliant ? 'compliant' : 'needs patches'}
                {h.rebootRequired ? ' · reboot pending' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > PAGE ? (
        <p class="hint">{`Showing the ${PAGE} hosts most at risk of ${rows.length}; search for a host to see the rest.`}</p>
      ) : null}
    </>
  );
};

const ProgressBox = (props: { run: SyncProgress | undefined }) =>
  props.run ? (
    <div id="sync-progress" hx-get="/patches/feeds/progress" hx-trigger="every 1s" hx-swap="outerHTML">
      <Notice kind="info">
        {`Sync ${props.run.runId}: ${props.run.done} of ${props.run.feedIds.length} feeds done · ${props.run.message}`}
      </Notice>
    </div>
  ) : (
    <div id="sync-progress" />
  );

const VendorFiles = (props: { rows: { feedId: string; file: VendorFile }[] }) =>
  props.rows.length === 0 ? null : (
    <section class="card">
      <h2>{`Vendor files (${props.rows.length})`}</h2>
      <table>
        <thead>
          <tr>
            <th>Vendor</th>
            <th>Product</th>
            <th>Version</th>
            <th>File</th>
            <th>SHA-256</th>
            <th>Advisory</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map(({ feedId, file }) => (
            <tr>
              <td>{file.vendor}</td>
              <td>{`${file.product}${file.models?.length ? ` (${file.models.join(', ')})` : ''}`}</td>
              <td>{file.version}</td>
              <td>{webLink(file.url) ? <a href={webLink(file.url)}>{file.name}</a> : file.name}</td>
              <td>
                <code title={file.sha256}>{`${file.sha256.slice(0, 16)}…`}</code>
              </td>
              <td>
                {file.advisory ? (
                  <a href={advisoryHref({ feedId, advisoryId: file.advisory })}>{file.advisory}</a>
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );

const needCatalog = (deps: WebDeps): CatalogService => {
  if (!deps.catalog) throw new DepotError('UNAVAILABLE', 'the catalog service is not running');
  return deps.catalog;
};

export const patchesRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/patches', async (c) => {
    const f = readFilters(c);
    const feeds = deps.catalog?.feeds() ?? [];
    if (!deps.assess || feeds.every((x) => !x.snapshot)) {
      return renderPage(
        c,
        { title: 'Patches' },
        <>
          <h1>Patches</h1>
          <Empty>
            <p>
              <strong>No vendor feeds synchronised yet.</strong>
            </p>
            <p>
              Add feeds (Debian security tracker, OSV, apt repositories, signed vendor manifests) under{' '}
              <code>catalog.feeds</code> in the settings file and sync them, or import a signed offline bundle
              on the <a href="/patches/feeds">Feeds</a> page.
            </p>
          </Empty>
        </>,
      );
    }
    const site = await deps.assess.current();
    const rows = site.advisories
      .filter((a) => matches(a, f))
      .sort(
        (a, b) =>
          severityRank[a.severity] - severityRank[b.severity] ||
          b.hosts.size - a.hosts.size ||
          a.advisoryId.localeCompare(b.advisoryId),
      );
    return renderPage(
      c,
      { title: 'Patches' },
      <>
        <h1>Patches</h1>
        <ComplianceCards c={site.compliance} />
        <p class="hint">
          {`${site.hosts.length} hosts assessed against ${feeds.filter((x) => x.snapshot).length} feeds at ${site.computedAt} (${site.ms} ms). `}
          <a href="/patches/feeds">Feeds and sync history</a> · <a href="/patches/missing.csv">Export CSV</a>
        </p>
        <FilterForm f={f} />
        {site.hosts.length === 0 ? (
          <Empty>
            <p>
              No host inventories yet: collect them on the <a href="/inventory">Inventory</a> page.
            </p>
          </Empty>
        ) : f.view === 'hosts' ? (
          <HostTable site={site} f={f} />
        ) : rows.length === 0 ? (
          <Notice kind="ok">No missing fixes match these filters.</Notice>
        ) : f.view === 'packages' ? (
          <PackageTable rows={rows} />
        ) : (
          <>
            <AdvisoryTable rows={rows.slice(0, PAGE)} />
            {rows.length > PAGE ? (
              <p class="hint">{`Showing ${PAGE} of ${rows.length}; narrow the search to see the rest.`}</p>
            ) : null}
          </>
        )}
      </>,
    );
  });

  /** Every missing fix on every host, for spreadsheets and tickets (WSUS "needed updates"). */
  app.get('/patches/missing.csv', async (c) => {
    if (!deps.assess) throw new DepotError('NOT_FOUND', 'no assessment available');
    const site = await deps.assess.current();
    // Cells that start with = + - @ are prefixed so spreadsheets do not run them as formulas.
    const cell = (v: string) => {
      const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
      return /[",\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
    };
    const lines = ['host,release,severity,package,binaries,installed,fixed,advisory,cves,feed'];
    for (const h of site.hosts) {
      for (const m of h.missing) {
        lines.push(
          [
            h.hostId,
            h.release,
            m.severity,
            m.package,
            m.binaries.join(' '),
            m.installed,
            m.fixed,
            m.advisoryId,
            m.cves.join(' '),
            m.feedId,
          ]
            .map(cell)
            .join(','),
        );
      }
    }
    return c.body(`${lines.join('\n')}\n`, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="missing-fixes.csv"',
    });
  });

  app.get('/patches/compliance', async (c) => {
    if (!deps.assess) return c.html(<div id="compliance" />);
    return c.html(<ComplianceCards c={(await deps.assess.current()).compliance} />);
  });

  app.get('/patches/advisories/:feed/:id', async (c) => {
    if (!deps.assess) throw new DepotError('NOT_FOUND', 'no assessment available');
    const site = await deps.assess.current();
    const { feed, id } = c.req.param();
    const a = site.advisories.find((x) => x.feedId === feed && x.advisoryId === id);
    const adv = deps.catalog?.index().advisories.get(id)?.advisory;
    if (!a && !adv) throw new DepotError('NOT_FOUND', `no advisory ${id} in feed ${feed}`);
    const hosts = a ? [...a.hosts].sort(([x], [y]) => x.localeCompare(y)) : [];
    return renderPage(
      c,
      { title: id },
      <>
        <h1>{id}</h1>
        <p>
          <Sev s={a?.severity ?? adv?.severity ?? 'unknown'} /> · feed {feed}
          {(a?.cves ?? adv?.cves ?? []).length ? ` · ${(a?.cves ?? adv?.cves ?? []).join(' ')}` : ''}
        </p>
        <p>{a?.summary ?? adv?.summary}</p>
        {webLink(a?.url ?? adv?.url) ? (
          <p>
            <a href={webLink(a?.url ?? adv?.url)} rel="noreferrer noopener">
              Vendor advisory
            </a>
          </p>
        ) : null}
        <h2>{`Affected hosts (${hosts.length})`}</h2>
        {hosts.length === 0 ? (
          <Notice kind="ok">No host here misses this fix.</Notice>
        ) : (
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
              {hosts.map(([h, m]) => (
                <tr>
                  <td>
                    <a href={`/patches/hosts/${encodeURIComponent(h)}`}>{h}</a>
                  </td>
                  <td>{m.package}</td>
                  <td>
                    <code>{m.installed}</code>
                  </td>
                  <td>
                    <code>{m.fixed}</code>
                  </td>
                  <td>{m.binaries.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  app.get('/patches/hosts/:hostId', async (c) => {
    if (!deps.assess) throw new DepotError('NOT_FOUND', 'no assessment available');
    const hostId = c.req.param('hostId');
    const [h, inv] = await Promise.all([deps.assess.host(hostId), deps.assess.inventory(hostId)]);
    if (!h || !inv) throw new DepotError('NOT_FOUND', `no inventory for host ${hostId}`);
    const missing = [...h.missing].sort(
      (a, b) => severityRank[a.severity] - severityRank[b.severity] || a.package.localeCompare(b.package),
    );
    return renderPage(
      c,
      { title: `${hostId} · patches` },
      <>
        <h1>{hostId}</h1>
        <p>
          {`${inv.os.prettyName || inv.os.id} · ${h.release} · kernel ${inv.kernel || 'unknown'} · ${inv.packages.length} packages · collected ${inv.collectedAt}`}
          {inv.rebootRequired ? ' · reboot pending' : ''} · <a href={hostHref(hostId)}>asset page</a>
        </p>
        {!h.covered ? (
          <Notice kind="error">{`No feed covers ${h.release}: this host cannot be assessed until one does.`}</Notice>
        ) : h.compliant ? (
          <Notice kind="ok">{`No missing fixes.${h.unfixed ? ` ${h.unfixed} known vulnerabilities have no fix yet.` : ''}`}</Notice>
        ) : (
          <>
            <h2>{`Missing fixes (${missing.length})`}</h2>
            <table>
              <thead>
                <tr>
                  <th>Severity</th>
                  <th>Package</th>
                  <th>Installed</th>
                  <th>Fixed in</th>
                  <th>Advisory</th>
                  <th>Binaries</th>
                </tr>
              </thead>
              <tbody>
                {missing.map((m) => (
                  <tr>
                    <td>
                      <Sev s={m.severity} />
                    </td>
                    <td>{m.package}</td>
                    <td>
                      <code>{m.installed}</code>
                    </td>
                    <td>
                      <code>{m.fixed}</code>
                    </td>
                    <td>
                      <a href={advisoryHref(m)}>{m.advisoryId}</a>
                    </td>
                    <td>{m.binaries.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {h.unfixed ? (
              <p class="hint">{`${h.unfixed} further known vulnerabilities have no fix yet.`}</p>
            ) : null}
          </>
        )}
        <details>
          <summary>{`Installed packages (${inv.packages.length})`}</summary>
          <table>
            <thead>
              <tr>
                <th>Package</th>
                <th>Version</th>
                <th>Architecture</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {inv.packages.map((p) => (
                <tr>
                  <td>{p.name}</td>
                  <td>
                    <code>{p.version}</code>
                  </td>
                  <td>{p.arch ?? ''}</td>
                  <td>{p.source ? `${p.source} ${p.sourceVersion ?? ''}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </>,
    );
  });

  app.get('/patches/feeds/progress', async (c) => {
    const catalog = needCatalog(deps);
    const run = catalog.progress();
    if (run) return c.html(<ProgressBox run={run} />);
    // The run just ended (polling stops here): say how each feed fared instead of going blank.
    const history = await catalog.history();
    const last = history.filter((h) => h.id === history[0]?.id);
    return c.html(
      <div id="sync-progress">
        {last.length ? (
          <Notice kind={last.some((h) => h.outcome === 'failed') ? 'error' : 'ok'}>
            {`Sync finished: ${last.map((h) => `${h.feedId} ${h.outcome}`).join(', ')}. `}
            <a href="/patches/feeds">Reload</a>
          </Notice>
        ) : null}
      </div>,
    );
  });

  app.get('/patches/feeds', async (c) => {
    const catalog = needCatalog(deps);
    const history = (await catalog.history()).slice(0, 50);
    const notice = c.req.query('done');
    return renderPage(
      c,
      { title: 'Feeds' },
      <>
        <h1>Feeds</h1>
        {notice === 'bundle' ? <Notice kind="ok">Bundle imported.</Notice> : null}
        <ProgressBox run={catalog.progress()} />
        <section class="card">
          <table>
            <thead>
              <tr>
                <th>Feed</th>
                <th>Kind</th>
                <th>Snapshot</th>
                <th>Last attempt</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {catalog.feeds().map((f) => (
                <tr>
                  <td title={f.url}>{f.id}</td>
                  <td>{f.kind}</td>
                  <td>
                    {f.snapshot
                      ? `${f.snapshot.syncedAt} · ${f.snapshot.origin} · ${f.snapshot.note ?? ''}`
                      : 'never synced'}
                  </td>
                  <td>{f.lastAttempt ? `${f.lastAttempt.outcome}: ${f.lastAttempt.message}` : ''}</td>
                  <td>
                    {f.configured && f.enabled ? (
                      <form
                        method="post"
                        action="/patches/feeds/sync"
                        hx-post="/patches/feeds/sync"
                        hx-target="#sync-progress"
                        hx-swap="outerHTML"
                      >
                        <CsrfField token={c.get('csrf')} />
                        <input type="hidden" name="feed" value={f.id} />
                        <button type="submit">Sync now</button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form
            method="post"
            action="/patches/feeds/sync"
            hx-post="/patches/feeds/sync"
            hx-target="#sync-progress"
            hx-swap="outerHTML"
          >
            <CsrfField token={c.get('csrf')} />
            <button type="submit">Sync all feeds now</button>
          </form>
        </section>
        <VendorFiles rows={catalog.vendorFiles()} />
        <section class="card">
          <h2>Offline bundle</h2>
          <p>
            For sites without internet access: import a bundle signed with a key listed in{' '}
            <code>catalog.trustedKeys</code>.
          </p>
          <form method="post" action="/patches/feeds/bundle" enctype="multipart/form-data">
            <CsrfField token={c.get('csrf')} />
            <input type="file" name="bundle" accept=".zip,application/zip" required />{' '}
            <button type="submit">Import</button>
          </form>
        </section>
        <section class="card">
          <h2>Sync history</h2>
          <table>
            <thead>
              <tr>
                <th>Finished</th>
                <th>Feed</th>
                <th>Trigger</th>
                <th>Outcome</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr>
                  <td>{h.finishedAt}</td>
                  <td>{h.feedId}</td>
                  <td>{h.trigger}</td>
                  <td>{h.outcome}</td>
                  <td>{h.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </>,
    );
  });

  app.post('/patches/feeds/sync', async (c) => {
    const body = await c.req.parseBody();
    const feed = typeof body.feed === 'string' && body.feed ? [body.feed] : [];
    const run = needCatalog(deps).sync(feed, 'manual');
    if (c.req.header('hx-request') === 'true') return c.html(<ProgressBox run={run} />);
    return c.redirect('/patches/feeds', 303);
  });

  app.post('/patches/feeds/bundle', async (c) => {
    const catalog = needCatalog(deps);
    const body = await c.req.parseBody();
    const file = body.bundle;
    if (!(file instanceof File) || file.size === 0)
      throw new DepotError('BAD_INPUT', 'choose a bundle file to import');
    await catalog.importBundle(new Uint8Array(await file.arrayBuffer()));
    return c.redirect('/patches/feeds?done=bundle', 303);
  });

  return app;
};
