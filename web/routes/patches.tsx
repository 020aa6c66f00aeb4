/**
 * Patches: what vendors have fixed that machines here still lack. The main view lists missing fixes
 * by advisory/CVE, by package or by host, filtered by severity and a search; an advisory page shows
 * the affected hosts, a page at a time, with installed and fixed versions. A host's own missing
 * fixes are on its host page. Feeds live in feeds.tsx.
 */
import { type Context, Hono } from 'hono';
import { type AdvisoryImpact, fixOn, PAGE_WAIT_MS } from '../../daemon/assess/assess-service.js';
import {
  advisoriesMatching,
  type HostLabel,
  hostsMatching,
  impactByPackage,
} from '../../daemon/assess/missing-fix-query.js';
import type { HostAssessment } from '../../daemon/assess/types.js';
import type { CatalogService } from '../../daemon/catalog/catalog-service.js';
import { DepotError } from '../../daemon/errors.js';
import { pageNumber, pageOf } from '../../daemon/paging.js';
import { missingFixesCsv } from '../../daemon/reports/missing-fixes-csv.js';
import type { WebDeps, WebEnv } from '../env.js';
import { hostHref } from '../views/host-link.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import { Pager } from '../views/pager.js';
import {
  AdvisoryTable,
  AffectedHosts,
  advisoryHref,
  ComplianceCards,
  DeployForm,
  FilterForm,
  type Filters,
  HostTable,
  PackageTable,
  patchesHref,
  readFilters,
  Sev,
  webLink,
} from '../views/patches.js';
import { counted } from '../views/plural.js';
import { Reason } from '../views/reason.js';
import { When } from '../views/when.js';
import { csvDownload } from './csv-download.js';

export const needCatalog = (deps: WebDeps): CatalogService => {
  if (!deps.catalog) throw new DepotError('UNAVAILABLE', 'the catalog service is not running');
  return deps.catalog;
};

const labelOf =
  (deps: WebDeps) =>
  (hostId: string): string =>
    deps.hosts?.label(hostId) ?? hostId;

/**
 * No host assessed yet: while a collection runs, say so and look again every 2 s (the page
 * reloads once the first inventory lands or the run ends); otherwise say where to start.
 */
const NoInventories = (props: { deps: WebDeps }) => {
  const run = props.deps.inventory?.activeRun();
  if (!run) {
    return (
      <Empty>
        <p>
          No host inventories yet: collect them on the <a href="/inventory">Inventory</a> page.
        </p>
      </Empty>
    );
  }
  const done = [...run.hosts.values()].filter((h) => h.state !== 'queued' && h.state !== 'running').length;
  return (
    <div id="patches-waiting" hx-get="/patches/waiting" hx-trigger="every 2s" hx-swap="outerHTML">
      <Empty>
        <p>
          <strong>Assessing…</strong>{' '}
          {`Inventories are being collected now (${done} of ${counted(run.hosts.size, 'host')} done). Each host is assessed as its inventory lands; this page updates by itself.`}
        </p>
      </Empty>
    </div>
  );
};

/**
 * An assessment is running (after a feed sync or a collection, or the first since start): say so, and look
 * again every 2 s; the page reloads once a newer result than `after` (or any, without one) exists.
 */
const Reassessing = (props: { after: string | undefined; hosts: number }) => (
  <div
    id="patches-reassessing"
    hx-get={`/patches/fresh${props.after ? `?after=${encodeURIComponent(props.after)}` : ''}`}
    hx-trigger="every 2s"
    hx-swap="outerHTML"
  >
    <Notice kind="info">
      <strong>Assessing…</strong>{' '}
      {props.after ? (
        <>
          {`${counted(props.hosts, 'host')} are being assessed again (a feed synced or an inventory came in). The figures below are from `}
          <When at={props.after} />
          {'; this page reloads by itself when the new ones are ready.'}
        </>
      ) : (
        'The hosts are being assessed against the catalog; this page reloads by itself when the figures are ready.'
      )}
    </Notice>
  </div>
);

/**
 * The assessment of the current state failed: said instead of "Assessing…" (which would poll for
 * ever); the figures below, if any, are the last good ones. Reloading tries again.
 */
const AssessFailed = (props: { failure: { at: string; message: string }; after: string | undefined }) => (
  <div id="patches-reassessing">
    <Notice kind="error">
      <strong>The assessment failed</strong> (<When at={props.failure.at} />
      {'): '}
      <Reason message={props.failure.message} />
      {props.after ? (
        <>
          {'. The figures below are from '}
          <When at={props.after} />
        </>
      ) : null}
      {'. It runs again after the next collection or feed sync; '}
      <a href="/patches">reload this page</a> to try now.
    </Notice>
  </div>
);

/** "Assessing…" while a run goes on, or why it failed. */
const Progress = (props: { deps: WebDeps; after: string | undefined; hosts: number }) => {
  const failure = props.deps.assess?.failed();
  return failure ? (
    <AssessFailed failure={failure} after={props.after} />
  ) : (
    <Reassessing after={props.after} hosts={props.hosts} />
  );
};

/**
 * The chosen view's rows a page at a time (100; by host, the most at risk first), with page links
 * that keep the filters: every advisory, package and host can be reached, not only the first ones.
 */
const MissingFixes = (props: {
  f: Filters;
  page: number;
  advisories: AdvisoryImpact[];
  hosts: HostAssessment[];
  label: HostLabel;
}) => {
  const href = (n: number) => patchesHref(props.f, n);
  if (props.f.view === 'hosts') {
    const p = pageOf(props.hosts, props.page);
    return (
      <DeployForm what="hosts (all their missing fixes)">
        <HostTable rows={p.items} label={props.label} select />
        <Pager page={p} href={href} label="Host pages" />
      </DeployForm>
    );
  }
  if (props.f.view === 'packages') {
    const p = pageOf(impactByPackage(props.advisories), props.page);
    return (
      <>
        <PackageTable rows={p.items} />
        <Pager page={p} href={href} label="Package pages" />
      </>
    );
  }
  const p = pageOf(props.advisories, props.page);
  return (
    <DeployForm what="advisories (on every host missing them)">
      <AdvisoryTable rows={p.items} select />
      <Pager page={p} href={href} label="Advisory pages" />
    </DeployForm>
  );
};

const patchesPage = async (deps: WebDeps, c: Context<WebEnv>) => {
  const label = labelOf(deps);
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
            Add feeds (Debian security tracker, OSV, apt repositories, signed vendor manifests) in{' '}
            <a href="/settings/config#feeds">Settings → Appliance settings</a> and sync them, or import a
            signed offline bundle on the <a href="/patches/feeds">Feeds</a> page.
          </p>
        </Empty>
      </>,
    );
  }
  const got = await deps.assess.currentWithin(PAGE_WAIT_MS);
  if (!got)
    return renderPage(
      c,
      { title: 'Patches' },
      <>
        <h1>Patches</h1>
        <Progress deps={deps} after={undefined} hosts={0} />
      </>,
    );
  const site = got.site;
  // Each view filters its own list (by host never needs the advisories).
  const rows = f.view === 'hosts' ? [] : advisoriesMatching(site.advisories, f, label);
  const hostRows = f.view === 'hosts' ? hostsMatching(site.hosts, f, label, deps.hosts?.labelsVersion()) : [];
  return renderPage(
    c,
    { title: 'Patches' },
    <>
      <h1>Patches</h1>
      {got.stale ? <Progress deps={deps} after={site.computedAt} hosts={site.hosts.length} /> : null}
      <ComplianceCards c={site.compliance} />
      <p class="hint">
        {`${counted(site.hosts.length, 'host')} assessed against ${counted(feeds.filter((x) => x.snapshot).length, 'feed')} `}
        <When at={site.computedAt} />
        {` (${site.ms} ms). `}
        <a href="/patches/feeds">Feeds and sync history</a> · <a href="/patches/missing.csv">Export CSV</a>
      </p>
      <FilterForm f={f} />
      {site.hosts.length === 0 ? (
        <NoInventories deps={deps} />
      ) : (f.view === 'hosts' ? hostRows : rows).length === 0 ? (
        <NothingMatches missing={site.advisories.length} view={f.view} />
      ) : (
        <MissingFixes
          f={f}
          page={pageNumber(c.req.query('page'))}
          advisories={rows}
          hosts={hostRows}
          label={label}
        />
      )}
    </>,
  );
};

/** Every missing fix on every host, for spreadsheets and tickets. */
const missingCsv = async (deps: WebDeps, c: Context<WebEnv>) => {
  if (!deps.assess) throw new DepotError('NOT_FOUND', 'no assessment available');
  const site = await deps.assess.current();
  return csvDownload(c, missingFixesCsv(site.hosts, labelOf(deps)), 'missing-fixes.csv');
};

/** One advisory: what it fixes and which hosts here still miss it, a page at a time. */
const advisoryPage = async (deps: WebDeps, c: Context<WebEnv>) => {
  const label = labelOf(deps);
  if (!deps.assess) throw new DepotError('NOT_FOUND', 'no assessment available');
  const site = await deps.assess.current();
  const feed = c.req.param('feed') ?? '';
  const id = c.req.param('id') ?? '';
  const a = site.advisories.find((x) => x.feedId === feed && x.advisoryId === id);
  const adv = deps.catalog?.index().advisories.get(id)?.advisory;
  if (!a && !adv) throw new DepotError('NOT_FOUND', `no advisory ${id} in feed ${feed}`);
  const hosts = a
    ? [...a.hosts].map((id) => ({ id, name: label(id) })).sort((x, y) => x.name.localeCompare(y.name))
    : [];
  // The fix on each host (its installed and fixed versions) is looked up for this page only.
  const named = pageOf(hosts, pageNumber(c.req.query('page')));
  const page = {
    ...named,
    items: named.items.flatMap((h) => {
      const assessed = site.hosts.find((x) => x.hostId === h.id);
      const fix = assessed && fixOn(assessed, feed, id);
      return fix ? [{ ...h, fix }] : [];
    }),
  };
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
        <AffectedHosts
          page={page}
          href={(n) => `${advisoryHref({ feedId: feed, advisoryId: id })}?page=${n}`}
        />
      )}
    </>,
  );
};

/**
 * Nothing matches the filters: when fixes are missing all the same, say how many and how to see
 * them (a green "nothing matches" read as "all patched"); only a site missing nothing is all good.
 */
const NothingMatches = (props: { missing: number; view: string }) =>
  props.missing === 0 ? (
    <Notice kind="ok">No host is missing a fix the feeds know of.</Notice>
  ) : (
    <Notice kind="info">
      {`No missing fixes match these filters; ${counted(props.missing, 'advisory', 'advisories')} ${props.missing === 1 ? 'is' : 'are'} missing on this site. `}
      {/* cleared, not moved: by host stays by host */}
      <a href={props.view === 'advisories' ? '/patches' : `/patches?view=${props.view}`}>Clear the filters</a>
    </Notice>
  );

export const patchesRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/patches', (c) => patchesPage(deps, c));

  app.get('/patches/missing.csv', (c) => missingCsv(deps, c));

  // Polled by the "Assessing…" box: the page reloads once there is something to show.
  app.get('/patches/waiting', async (c) => {
    if (c.req.header('hx-request') !== 'true') return c.redirect('/patches');
    const assessed = deps.assess ? (await deps.assess.current()).hosts.length : 0;
    if (assessed > 0 || !deps.inventory?.activeRun()) {
      c.header('HX-Refresh', 'true');
      return c.html(
        <div id="patches-waiting">
          <Notice kind="info">Inventories collected: loading the assessment…</Notice>
        </div>,
      );
    }
    return c.html(<NoInventories deps={deps} />);
  });

  // Polled by the "Assessing…" notice: the page reloads once a newer result exists.
  app.get('/patches/fresh', (c) => {
    if (c.req.header('hx-request') !== 'true') return c.redirect('/patches');
    const after = c.req.query('after');
    const last = deps.assess?.latest();
    if (last && last.computedAt !== after) {
      c.header('HX-Refresh', 'true');
      return c.html(
        <div id="patches-reassessing">
          <Notice kind="info">Assessment ready: loading it…</Notice>
        </div>,
      );
    }
    // Shown from the result itself: nothing of the request is echoed back.
    return c.html(<Progress deps={deps} after={last?.computedAt} hosts={last?.hosts.length ?? 0} />);
  });

  app.get('/patches/compliance', async (c) => {
    if (!deps.assess) return c.html(<div id="compliance" />);
    return c.html(<ComplianceCards c={(await deps.assess.current()).compliance} />);
  });

  app.get('/patches/advisories/:feed/:id', (c) => advisoryPage(deps, c));

  /** The per-host patch page became the host page: old links land on its missing fixes. */
  app.get('/patches/hosts/:hostId', async (c) => {
    const ref = c.req.param('hostId');
    const host = await deps.hosts?.resolve(ref);
    if (!host) throw new DepotError('NOT_FOUND', `no machine ${JSON.stringify(ref.slice(0, 80))}`);
    return c.redirect(hostHref(host.id, '#fixes'));
  });

  return app;
};
