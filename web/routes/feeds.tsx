/**
 * Feeds: each vendor feed's snapshot, live sync progress (htmx polling), the sync history, vendor
 * files from signed manifests, and the offline bundle import for air-gapped sites.
 */
import { Hono } from 'hono';
import type { CatalogService, SyncProgress } from '../../daemon/catalog/catalog-service.js';
import type { FeedStatus } from '../../daemon/catalog/feed-status.js';
import type { VendorFile } from '../../daemon/catalog/model.js';
import type { SyncHistoryEntry } from '../../daemon/catalog/snapshot-store.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { JobLink } from '../views/job-link.js';
import { ActionsHeading, Empty, Notice, renderPage } from '../views/layout.js';
import { advisoryHref, webLink } from '../views/patches.js';
import { counted } from '../views/plural.js';
import { Reason } from '../views/reason.js';
import { When } from '../views/when.js';
import { needCatalog } from './patches.js';

const ProgressBox = (props: { run: SyncProgress | undefined }) =>
  props.run ? (
    <div id="sync-progress" hx-get="/patches/feeds/progress" hx-trigger="every 1s" hx-swap="outerHTML">
      <Notice kind="info">
        Sync (<JobLink id={props.run.runId} label="log" />)
        {`: ${props.run.done} of ${counted(props.run.feedIds.length, 'feed')} done · ${props.run.message}`}
      </Notice>
    </div>
  ) : (
    <div id="sync-progress" />
  );

const VendorFiles = (props: { rows: { feedId: string; file: VendorFile }[] }) =>
  props.rows.length === 0 ? null : (
    <section class="card">
      <h2>{`Vendor files (${props.rows.length})`}</h2>
      <table class="stack">
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
              <td data-label="Vendor">{file.vendor}</td>
              <td data-label="Product">{`${file.product}${file.models?.length ? ` (${file.models.join(', ')})` : ''}`}</td>
              <td data-label="Version">{file.version}</td>
              <td data-label="File">
                {webLink(file.url) ? <a href={webLink(file.url)}>{file.name}</a> : file.name}
              </td>
              <td data-label="SHA-256">
                <code title={file.sha256}>{`${file.sha256.slice(0, 16)}…`}</code>
              </td>
              <td data-label="Advisory">
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
const SyncForm = (props: { csrf: string; feed?: string; label: string }) => (
  <form
    method="post"
    action="/patches/feeds/sync"
    hx-post="/patches/feeds/sync"
    hx-target="#sync-progress"
    hx-swap="outerHTML"
  >
    <CsrfField token={props.csrf} />
    {props.feed ? <input type="hidden" name="feed" value={props.feed} /> : null}
    <button type="submit">{props.label}</button>
  </form>
);

/** A fresh appliance has no feeds: say where they come from instead of an empty table and a button. */
const NoFeeds = () => (
  <Empty>
    <p>
      <strong>No vendor feeds configured.</strong>
    </p>
    <p>
      Add them in <a href="/settings/config#feeds">Settings → Appliance settings</a> (an admin; saved to{' '}
      <code>catalog.feeds</code> in <code>config.json</code>, no restart needed), or import a signed offline
      bundle below.
    </p>
  </Empty>
);

const FeedTable = (props: { feeds: FeedStatus[]; csrf: string }) => (
  <section class="card">
    <h2>Vendor feeds</h2>
    <table class="stack">
      <thead>
        <tr>
          <th>Feed</th>
          <th>Kind</th>
          <th>Snapshot</th>
          <th>Last attempt</th>
          <ActionsHeading />
        </tr>
      </thead>
      <tbody>
        {props.feeds.map((f) => (
          <tr>
            <td data-label="Feed" title={f.url}>
              {f.id}
            </td>
            <td data-label="Kind">{f.kind}</td>
            <td data-label="Snapshot">
              {f.snapshot ? (
                <>
                  <When at={f.snapshot.syncedAt} />
                  {` · ${f.snapshot.origin} · ${f.snapshot.note ?? ''}`}
                </>
              ) : (
                'never synced'
              )}
            </td>
            <td data-label="Last attempt">
              {f.lastAttempt ? (
                <>
                  {`${f.lastAttempt.outcome}: `}
                  <Reason message={f.lastAttempt.message} />
                </>
              ) : (
                ''
              )}
            </td>
            <td>
              {f.configured && f.enabled ? <SyncForm csrf={props.csrf} feed={f.id} label="Sync now" /> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    <SyncForm csrf={props.csrf} label="Sync all feeds now" />
  </section>
);

const BundleImport = (props: { csrf: string }) => (
  <section class="card">
    <h2>Offline bundle</h2>
    <p>
      For sites without internet access: import a bundle signed with one of the{' '}
      <a href="/settings/config#catalog" title="catalog.trustedKeys">
        Trusted signing keys (Settings → Feed schedule and trust)
      </a>
      .
    </p>
    <form method="post" action="/patches/feeds/bundle" enctype="multipart/form-data">
      <CsrfField token={props.csrf} />
      <label>
        Bundle file (.zip)
        <input type="file" name="bundle" accept=".zip,application/zip" required />
      </label>
      <button type="submit">Import</button>
    </form>
  </section>
);

const SyncHistory = (props: { rows: SyncHistoryEntry[] }) => (
  <section class="card">
    <h2>Sync history</h2>
    {props.rows.length === 0 ? (
      <p class="hint">No sync has run yet.</p>
    ) : (
      <table class="stack">
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
          {props.rows.map((h) => (
            <tr>
              <td data-label="Finished">
                <When at={h.finishedAt} />
              </td>
              <td data-label="Feed">{h.feedId}</td>
              <td data-label="Trigger">{h.trigger}</td>
              <td data-label="Outcome">{h.outcome}</td>
              <td data-label="Details">
                <Reason message={h.message} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

/** The feeds, vendor files and sync history; reloads itself when a sync ends. */
const FeedState = async (props: { catalog: CatalogService; csrf: string }) => {
  const { catalog } = props;
  const history = (await catalog.history()).slice(0, 50);
  return (
    <div
      id="feed-state"
      hx-get="/patches/feeds/state"
      hx-trigger="feeds-changed from:body"
      hx-swap="outerHTML"
    >
      {catalog.feeds().length === 0 ? <NoFeeds /> : <FeedTable feeds={catalog.feeds()} csrf={props.csrf} />}
      <VendorFiles rows={catalog.vendorFiles()} />
      <SyncHistory rows={history} />
    </div>
  );
};

/** The progress box once polling ends: how each feed of the last run fared instead of going blank. */
const progressFragment = async (catalog: CatalogService) => {
  const run = catalog.progress();
  if (run) return <ProgressBox run={run} />;
  const history = await catalog.history();
  const last = history.filter((h) => h.id === history[0]?.id);
  return (
    <div id="sync-progress">
      {last.length ? (
        <Notice kind={last.some((h) => h.outcome === 'failed') ? 'error' : 'ok'}>
          {`Sync finished: ${last.map((h) => `${h.feedId} ${h.outcome}`).join(', ')}.`}
        </Notice>
      ) : null}
    </div>
  );
};

export const feedsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/patches/feeds/progress', async (c) => {
    const catalog = needCatalog(deps);
    // Only a running sync's box polls: no run now means it just ended, so the tables below reload.
    if (!catalog.progress()) c.header('HX-Trigger', 'feeds-changed');
    return c.html(await progressFragment(catalog));
  });

  app.get('/patches/feeds/state', async (c) => {
    if (c.req.header('hx-request') !== 'true') return c.redirect('/patches/feeds');
    return c.html(await FeedState({ catalog: needCatalog(deps), csrf: c.get('csrf') }));
  });

  app.get('/patches/feeds', async (c) => {
    const catalog = needCatalog(deps);
    const csrf = c.get('csrf');
    return renderPage(
      c,
      { title: 'Feeds' },
      <>
        <h1>Feeds</h1>
        {c.req.query('done') === 'bundle' ? <Notice kind="ok">Bundle imported.</Notice> : null}
        <ProgressBox run={catalog.progress()} />
        {await FeedState({ catalog, csrf })}
        <BundleImport csrf={csrf} />
      </>,
    );
  });

  app.post('/patches/feeds/sync', async (c) => {
    const body = await c.req.parseBody();
    const feed = typeof body.feed === 'string' && body.feed ? [body.feed] : [];
    const run = await needCatalog(deps).sync(feed, 'manual');
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
