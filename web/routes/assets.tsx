/**
 * Assets: every device discovery found. The list pages, searches, filters and sorts in memory on
 * the server (fast at thousands of assets); the table is its own fragment so the search box and
 * the end of a scan (see discovery.tsx) refresh only it. An asset page shows everything known and
 * its history, with tags and notes.
 */
import { type Context, Hono } from 'hono';
import type { HostAssessment } from '../../daemon/assess/types.js';
import { severities } from '../../daemon/catalog/model.js';
import {
  type AssetPage,
  type AssetQuery,
  assetQuerySchema,
  displayName,
} from '../../daemon/discovery/asset-query.js';
import { DEVICE_CLASSES } from '../../daemon/discovery/classify.js';
import type { DiscoveryService } from '../../daemon/discovery/discovery-service.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { CsrfField } from '../views/csrf-field.js';
import { Empty, renderPage } from '../views/layout.js';
import { ago, requireDiscovery, ScanPanel } from './discovery.js';

const parseQuery = (c: Context<WebEnv>): AssetQuery => {
  const r = assetQuerySchema.safeParse(c.req.query());
  if (!r.success)
    throw new DepotError(
      'BAD_INPUT',
      `bad list parameters: ${r.error.issues.map((i) => i.message).join('; ')}`,
    );
  return r.data;
};

const DEFAULTS: Record<string, unknown> = assetQuerySchema.parse({});

/** A list URL's query string with only the non-default parameters. */
const qs = (q: AssetQuery, change: Partial<AssetQuery>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...change })) {
    if (v !== '' && v !== DEFAULTS[k]) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
};

const Status = (props: { online: boolean; isNew: boolean }) => (
  <>
    <span style={`color:var(${props.online ? '--ok' : '--muted'})`}>
      {props.online ? '● online' : '○ offline'}
    </span>
    {props.isNew ? (
      <strong style="color:var(--warn);margin-left:.4rem" title="Not yet reviewed">
        new
      </strong>
    ) : null}
  </>
);

const SortLink = (props: { q: AssetQuery; col: AssetQuery['sort']; label: string }) => {
  const active = props.q.sort === props.col;
  const dir = active && props.q.dir === 'asc' ? 'desc' : 'asc';
  return (
    <a href={`/assets${qs(props.q, { sort: props.col, dir, page: 1 })}`}>
      {props.label}
      {active ? (props.q.dir === 'asc' ? ' ▲' : ' ▼') : ''}
    </a>
  );
};

/** The table fragment; reloads itself when a scan ends. */
export const AssetTable = (props: { page: AssetPage; total: number }) => {
  const { page } = props;
  const q = page.query;
  return (
    <div
      id="asset-table"
      hx-get={`/assets/table${qs(q, {})}`}
      hx-trigger="assets-changed from:body"
      hx-swap="outerHTML"
    >
      <p class="hint" hidden={props.total === 0}>
        {page.total === props.total
          ? `${page.total} asset(s)`
          : `${page.total} of ${props.total} asset(s) match`}
        {page.pages > 1 ? ` · page ${page.page} of ${page.pages}` : ''}
      </p>
      {props.total === 0 ? (
        <Empty>
          <p>
            <strong>No devices discovered yet.</strong>
          </p>
          <p>
            Run a scan above: every device found on the LAN appears here with its address, MAC vendor, name
            and class.
          </p>
        </Empty>
      ) : page.items.length === 0 ? (
        <Empty>
          <p>No asset matches these filters.</p>
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>
                <SortLink q={q} col="ip" label="Address" />
              </th>
              <th>
                <SortLink q={q} col="name" label="Name" />
              </th>
              <th>MAC</th>
              <th>
                <SortLink q={q} col="vendor" label="Vendor" />
              </th>
              <th>
                <SortLink q={q} col="class" label="Class" />
              </th>
              <th>Status</th>
              <th>
                <SortLink q={q} col="lastSeen" label="Last seen" />
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((a) => (
              <tr>
                <td>
                  <a href={`/assets/${a.id}`}>{a.ip}</a>
                </td>
                <td>{displayName(a) || '—'}</td>
                <td>
                  <code>{a.mac ?? '—'}</code>
                </td>
                <td>{a.vendor ?? '—'}</td>
                <td>{a.deviceClass}</td>
                <td>
                  <Status online={a.online} isNew={a.isNew} />
                </td>
                <td title={a.lastSeen}>{ago(a.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.pages > 1 ? (
        <nav aria-label="Pages" style="display:flex;gap:1rem;margin-top:.75rem">
          {page.page > 1 ? <a href={`/assets${qs(q, { page: page.page - 1 })}`}>← previous</a> : <span />}
          {page.page < page.pages ? <a href={`/assets${qs(q, { page: page.page + 1 })}`}>next →</a> : null}
        </nav>
      ) : null}
    </div>
  );
};

const Filters = (props: { q: AssetQuery; vendors: string[] }) => (
  <form
    method="get"
    action="/assets"
    class="card"
    hx-get="/assets/table"
    hx-target="#asset-table"
    hx-swap="outerHTML"
    hx-trigger="input delay:300ms, change"
    style="display:grid;grid-template-columns:2fr 1fr 1fr 1fr auto;gap:.75rem;align-items:end"
  >
    <label>
      Search
      <input type="search" name="q" value={props.q.q} placeholder="address, name, MAC, vendor, tag…" />
    </label>
    <label>
      Class
      <select name="class">
        <option value="">any</option>
        {DEVICE_CLASSES.map((cls) => (
          <option value={cls} selected={props.q.class === cls}>
            {cls}
          </option>
        ))}
      </select>
    </label>
    <label>
      Vendor
      <input name="vendor" value={props.q.vendor} list="vendors" placeholder="any" />
      <datalist id="vendors">
        {props.vendors.map((v) => (
          <option value={v} />
        ))}
      </datalist>
    </label>
    <label>
      Status
      <select name="status">
        {(['', 'online', 'offline', 'new'] as const).map((s) => (
          <option value={s} selected={props.q.status === s}>
            {s || 'any'}
          </option>
        ))}
      </select>
    </label>
    <button type="submit">Filter</button>
  </form>
);

const List = (props: { items: string[] }) =>
  props.items.length ? (
    <ul>
      {props.items.map((i) => (
        <li>{i}</li>
      ))}
    </ul>
  ) : (
    <p class="hint">none</p>
  );

export const assetsRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();

  app.get('/assets', (c) => {
    if (!deps.discovery) {
      return renderPage(
        c,
        { title: 'Assets' },
        <>
          <h1>Assets</h1>
          <Empty>
            <p>Discovery is not running on this appliance.</p>
          </Empty>
        </>,
      );
    }
    const d = deps.discovery;
    const q = parseQuery(c);
    return renderPage(
      c,
      { title: 'Assets' },
      <>
        <h1>Assets</h1>
        <ScanPanel discovery={d} csrf={c.get('csrf')} />
        <Filters q={q} vendors={d.vendors()} />
        {d.query(assetQuerySchema.parse({ status: 'new', pageSize: 10 })).total > 0 ? (
          <form method="post" action="/assets/acknowledge-all" style="margin-bottom:1rem">
            <CsrfField token={c.get('csrf')} />
            <a href="/assets?status=new">Review new devices</a>{' '}
            <button type="submit" class="link">
              or mark every new device as known
            </button>
          </form>
        ) : null}
        <section class="card">
          <AssetTable page={d.query(q)} total={d.assets.size} />
        </section>
      </>,
    );
  });

  app.get('/assets/table', (c) => {
    const d = requireDiscovery(deps);
    const q = parseQuery(c);
    if (c.req.header('hx-request') !== 'true') return c.redirect(`/assets${qs(q, {})}`);
    return c.html(<AssetTable page={d.query(q)} total={d.assets.size} />);
  });

  app.post('/assets/acknowledge-all', async (c) => {
    const n = await requireDiscovery(deps).acknowledge('all');
    deps.log.info('new-device flags cleared', { count: n });
    return c.redirect('/assets', 303);
  });

  app.get('/assets/:id', async (c) => {
    const a = requireDiscovery(deps).asset(c.req.param('id'));
    // Inventory hosts are keyed by the asset id the technician gave, or by address.
    const patches = deps.assess
      ? ((await deps.assess.host(a.id)) ?? (await deps.assess.host(a.ip)))
      : undefined;
    return renderPage(
      c,
      { title: a.hostnames[0] ?? a.ip },
      <AssetDetail asset={a} csrf={c.get('csrf')} patches={patches} />,
    );
  });

  app.post('/assets/:id', async (c) => {
    const d = requireDiscovery(deps);
    const body = await c.req.parseBody();
    const text = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
    if (text('action') === 'acknowledge') await d.acknowledge(c.req.param('id'));
    else await d.editAsset(c.req.param('id'), { tags: text('tags').split(','), notes: text('notes') });
    return c.redirect(`/assets/${c.req.param('id')}`, 303);
  });
  return app;
};

type AssetRecord = ReturnType<DiscoveryService['asset']>;

/** What the asset is missing, when its packages have been inventoried; otherwise how to get there. */
export const PatchSummary = (props: { asset: AssetRecord; host: HostAssessment | undefined }) => {
  const h = props.host;
  if (!h) {
    return (
      <section class="card">
        <h2>Patches</h2>
        <p>
          Not inventoried yet: give the appliance SSH access to {props.asset.ip} on the{' '}
          <a href="/inventory">Inventory</a> page to see which fixes it is missing.
        </p>
      </section>
    );
  }
  const counts = severities.filter((s) => h.bySeverity[s] > 0).map((s) => `${h.bySeverity[s]} ${s}`);
  return (
    <section class="card">
      <h2>Patches</h2>
      <p>
        {!h.covered
          ? `No synchronised feed covers ${h.release}: its missing fixes are unknown.`
          : h.missing.length === 0
            ? `Fully patched: ${h.packages} packages checked.`
            : `${h.missing.length} missing fix${h.missing.length === 1 ? '' : 'es'} (${counts.join(', ')}) across ${h.packages} packages.`}
        {h.rebootRequired ? ' A reboot is pending.' : ''}{' '}
        <a href={`/patches/hosts/${encodeURIComponent(h.hostId)}`}>Details</a>
      </p>
      <p class="hint">Inventory collected {ago(h.collectedAt)}.</p>
    </section>
  );
};

const AssetDetail = (props: { asset: AssetRecord; csrf: string; patches?: HostAssessment | undefined }) => {
  const a = props.asset;
  return (
    <>
      <p>
        <a href="/assets">← all assets</a>
      </p>
      <h1>
        {displayName(a) || a.ip} <Status online={a.online} isNew={a.isNew} />
      </h1>
      <section class="grid">
        <div class="card">
          <h2>Identity</h2>
          <dl class="facts">
            <dt>Address</dt>
            <dd>{a.ip}</dd>
            <dt>MAC</dt>
            <dd>
              <code>{a.mac ?? 'not visible (off-link)'}</code>
            </dd>
            <dt>Vendor</dt>
            <dd>{a.vendor ?? 'unknown'}</dd>
            <dt>Class</dt>
            <dd>{a.deviceClass}</dd>
            <dt>OS</dt>
            <dd>{a.os ?? 'unknown'}</dd>
            <dt>Model</dt>
            <dd>{a.model ?? 'unknown'}</dd>
            <dt>First seen</dt>
            <dd title={a.firstSeen}>{ago(a.firstSeen)}</dd>
            <dt>Last seen</dt>
            <dd title={a.lastSeen}>{`${ago(a.lastSeen)} (${a.seenBy.join(', ') || '—'})`}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Why this class</h2>
          <List items={a.evidence} />
          <h2>Host names</h2>
          <List items={a.hostnames} />
        </div>
      </section>
      <PatchSummary asset={a} host={props.patches} />
      <section class="card">
        <h2>Open ports and services</h2>
        <List
          items={[
            ...a.openPorts.map((p) => `TCP ${p}${a.banners[String(p)] ? `: ${a.banners[String(p)]}` : ''}`),
            ...a.services.map(
              (s) =>
                `mDNS “${s.name}” _${s.type}._${s.protocol} port ${s.port}${
                  Object.keys(s.txt).length
                    ? ` (${Object.entries(s.txt)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')})`
                    : ''
                }`,
            ),
          ]}
        />
      </section>
      <section class="card">
        <h2>Tags and notes</h2>
        <form method="post" action={`/assets/${a.id}`}>
          <CsrfField token={props.csrf} />
          <label>
            Tags (comma separated)
            <input name="tags" value={a.tags.join(', ')} maxlength={600} />
          </label>
          <label>
            Notes
            <textarea name="notes" rows={3} maxlength={4000}>
              {a.notes}
            </textarea>
          </label>
          <button type="submit">Save</button>
        </form>
        {a.isNew ? (
          <form method="post" action={`/assets/${a.id}`} style="margin-top:.75rem">
            <CsrfField token={props.csrf} />
            <input type="hidden" name="action" value="acknowledge" />
            <button type="submit">Mark as known</button>
          </form>
        ) : null}
      </section>
      <section class="grid">
        <div class="card">
          <h2>Address history</h2>
          <List
            items={a.ipHistory.map(
              (h) => `${h.ip}: ${h.firstSeen.slice(0, 16)} → ${h.lastSeen.slice(0, 16)}`,
            )}
          />
        </div>
        <div class="card">
          <h2>History</h2>
          <List
            items={[...a.events]
              .reverse()
              .map((e) => `${e.at.slice(0, 19).replace('T', ' ')} ${e.kind}: ${e.detail}`)}
          />
        </div>
      </section>
    </>
  );
};
