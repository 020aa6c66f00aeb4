/**
 * Assets: every device discovery found. The list pages, searches, filters and sorts in memory on
 * the server (fast at thousands of assets); the table is its own fragment so the search box and
 * the end of a scan (see discovery.tsx) refresh only it. Each row links to the machine's one host
 * page; `/assets/<asset id or address>` still works and redirects there.
 */

import { type Context, Hono } from 'hono';
import { type AssetQuery, assetQuerySchema } from '../../daemon/discovery/asset-query.js';
import { DepotError } from '../../daemon/errors.js';
import { pageNumber, pageOf } from '../../daemon/paging.js';
import type { WebDeps, WebEnv } from '../env.js';
import { AssetTable, Filters, qs, UnscannedHosts } from '../views/assets.js';
import { askFirst } from '../views/confirm.js';
import { CsrfField } from '../views/csrf-field.js';
import { hostHref } from '../views/host-link.js';
import { Empty, renderPage } from '../views/layout.js';
import { requireDiscovery, ScanPanel } from './discovery.js';
import { requireHosts } from './hosts.js';

const parseQuery = (c: Context<WebEnv>): AssetQuery => {
  const r = assetQuerySchema.safeParse(c.req.query());
  if (!r.success)
    throw new DepotError(
      'BAD_INPUT',
      `bad list parameters: ${r.error.issues.map((i) => i.message).join('; ')}`,
    );
  return r.data;
};

/** Machines no scan has seen, a page at a time (`?machines=N`): a site added by address may hold thousands. */
const Unscanned = (props: { deps: WebDeps; c: Context<WebEnv> }) => {
  const { hosts, discovery } = props.deps;
  if (!hosts) return null;
  const list = hosts.unscanned((id) => discovery?.assets.byId(id) !== undefined);
  const url = new URL(props.c.req.url);
  const href = (n: number) => {
    url.searchParams.set('machines', String(n));
    return `/assets?${url.searchParams.toString()}#unscanned`;
  };
  return (
    <UnscannedHosts
      page={pageOf(list, pageNumber(props.c.req.query('machines')))}
      href={href}
      label={(id) => hosts.label(id)}
    />
  );
};

/** The Assets page: the scan panel, filters and the discovered devices, then machines no scan saw. */
const assetsPage = (c: Context<WebEnv>, deps: WebDeps, hostOf: (assetId: string) => string | undefined) => {
  const d = deps.discovery;
  if (!d) {
    return renderPage(
      c,
      { title: 'Assets' },
      <>
        <h1>Assets</h1>
        <Empty>
          <p>Discovery is not running on this appliance.</p>
        </Empty>
        <Unscanned deps={deps} c={c} />
      </>,
    );
  }
  const q = parseQuery(c);
  return renderPage(
    c,
    { title: 'Assets' },
    <>
      <h1>Assets</h1>
      <ScanPanel discovery={d} csrf={c.get('csrf')} />
      <Filters q={q} vendors={d.vendors()} />
      {d.query(assetQuerySchema.parse({ status: 'new', pageSize: 10 })).total > 0 ? (
        <form
          method="post"
          action="/assets/acknowledge-all"
          style="margin-bottom:1rem"
          hx-confirm="Mark every device as known? None stays flagged as new."
        >
          <CsrfField token={c.get('csrf')} />
          <a href="/assets?status=new">Review new devices</a> or{' '}
          <button type="submit" class="secondary">
            Mark every new device as known
          </button>
        </form>
      ) : null}
      <section class="card">
        <AssetTable
          page={d.query(q, reportedName(deps))}
          total={d.assets.size}
          hostOf={hostOf}
          reportedName={reportedName(deps)}
          hasScopes={d.scopes().length > 0}
          live={d.current()?.status === 'running' ? d.foundSoFar() : undefined}
        />
      </section>
      <Unscanned deps={deps} c={c} />
    </>,
  );
};

/** The name an asset's machine reported at its last inventory, if any. */
const reportedName = (deps: WebDeps) => (assetId: string) => deps.hosts?.byAsset(assetId)?.hostname;

export const assetsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  const hostOf = (assetId: string): string | undefined => deps.hosts?.byAsset(assetId)?.id;

  app.get('/assets', (c) => assetsPage(c, deps, hostOf));

  app.get('/assets/table', (c) => {
    const d = requireDiscovery(deps);
    const q = parseQuery(c);
    if (c.req.header('hx-request') !== 'true') return c.redirect(`/assets${qs(q, {})}`);
    return c.html(
      <AssetTable
        page={d.query(q, reportedName(deps))}
        total={d.assets.size}
        hostOf={hostOf}
        reportedName={reportedName(deps)}
        hasScopes={d.scopes().length > 0}
        live={d.current()?.status === 'running' ? d.foundSoFar() : undefined}
      />,
    );
  });

  app.post('/assets/acknowledge-all', async (c) => {
    const ask = await askFirst(
      c,
      'Mark every device as known?',
      'No device stays flagged as new, including ones nobody has looked at yet.',
      '/assets',
    );
    if (ask) return ask;
    const n = await requireDiscovery(deps).acknowledge('all');
    deps.log.info('new-device flags cleared', { count: n });
    return c.redirect('/assets', 303);
  });

  /** Old links (`/assets/m-<mac>`, `/assets/<address>`, old inventory ids) land on the host page. */
  const hostFor = async (c: Context<WebEnv>): Promise<string> => {
    const ref = c.req.param('id') ?? '';
    const host = await requireHosts(deps).resolve(ref);
    if (!host) throw new DepotError('NOT_FOUND', `no machine ${JSON.stringify(ref.slice(0, 80))}`);
    return hostHref(host.id);
  };

  app.get('/assets/:id', async (c) => c.redirect(await hostFor(c)));
  return app;
};
