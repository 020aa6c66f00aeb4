/**
 * Patches: what vendors have fixed that machines here still lack. The main view lists missing fixes
 * by advisory/CVE, by package or by host, filtered by severity and a search; an advisory page shows
 * every affected host with installed and fixed versions. Feeds live in feeds.tsx.
 */
import { Hono } from 'hono';
import type { CatalogService } from '../../daemon/catalog/catalog-service.js';
import { severityRank } from '../../daemon/catalog/model.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import {
  AdvisoryTable,
  advisoryHref,
  ComplianceCards,
  FilterForm,
  HostTable,
  hostHref,
  matches,
  PAGE,
  PackageTable,
  readFilters,
  Sev,
  webLink,
} from '../views/patches.js';

export const needCatalog = (deps: WebDeps): CatalogService => {
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

  return app;
};
