/**
 * The pieces of the Assets page: the table fragment (reloaded by the search box and at the end of
 * a scan), its sort links and filters, and the online/new status badge. Every row links to the
 * machine's one host page.
 */

import { type Asset, isThisAppliance } from '../../daemon/discovery/asset.js';
import {
  type AssetPage,
  type AssetQuery,
  assetQuerySchema,
  displayName,
} from '../../daemon/discovery/asset-query.js';
import { DEVICE_CLASSES } from '../../daemon/discovery/classify.js';
import type { Observation } from '../../daemon/discovery/scanner.js';
import type { HostRecord } from '../../daemon/hosts/host-record.js';
import type { Page } from '../../daemon/paging.js';
import { ago } from '../routes/discovery.js';
import { hostHref } from './host-link.js';
import { Empty } from './layout.js';
import { Pager } from './pager.js';
import { counted } from './plural.js';

const assetHref = (hostOf: (assetId: string) => string | undefined, assetId: string): string => {
  const hostId = hostOf(assetId);
  return hostId ? hostHref(hostId) : `/assets/${encodeURIComponent(assetId)}`;
};

/** A device's class as the pages name it: the appliance's own address is named, not "unknown". */
export const classOf = (a: Pick<Asset, 'deviceClass' | 'evidence'>): string =>
  isThisAppliance(a) ? 'this Patch Depot appliance' : a.deviceClass;

export const DEFAULTS: Record<string, unknown> = assetQuerySchema.parse({});

/** A list URL's query string with only the non-default parameters. */
export const qs = (q: AssetQuery, change: Partial<AssetQuery>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...change })) {
    if (v !== '' && v !== DEFAULTS[k]) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
};

export const Status = (props: { online: boolean; isNew: boolean }) => (
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

const Rows = (props: {
  page: AssetPage;
  hostOf: (assetId: string) => string | undefined;
  reportedName?: ((assetId: string) => string | undefined) | undefined;
}) => {
  const q = props.page.query;
  return (
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
        {props.page.items.map((a) => (
          <tr>
            <td>
              <a href={assetHref(props.hostOf, a.id)}>{a.ip}</a>
            </td>
            <td>{displayName(a, props.reportedName?.(a.id)) || '—'}</td>
            <td>
              <code>{a.mac ?? '—'}</code>
            </td>
            <td>{a.vendor ?? '—'}</td>
            <td>{classOf(a)}</td>
            <td>
              <Status online={a.online} isNew={a.isNew} />
            </td>
            <td title={a.lastSeen}>{ago(a.lastSeen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

/** Devices the running scan has found and not yet merged: shown as they come, merged at its end. */
const FoundSoFar = (props: { live: readonly Observation[] }) => (
  <section aria-live="polite">
    <h3>{`Found by the running scan so far: ${counted(props.live.length, 'new address', 'new addresses')}`}</h3>
    {props.live.length === 0 ? (
      <p class="hint">Nothing new yet; devices appear here as the scan finds them.</p>
    ) : (
      <>
        <p class="hint">
          Names, ports and classes fill in as the scan goes; they join the list below when it ends.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">MAC vendor</th>
              <th scope="col">Name</th>
              <th scope="col">Class</th>
            </tr>
          </thead>
          <tbody>
            {props.live.slice(0, 100).map((o) => (
              <tr>
                <td>{o.ip}</td>
                <td>{o.vendor ?? (o.mac ? o.mac : '–')}</td>
                <td>{o.hostnames[0] ?? '–'}</td>
                <td>{o.deviceClass}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    )}
  </section>
);

/** The table fragment; reloads itself when a scan ends, and as a running scan finds devices. */
export const AssetTable = (props: {
  page: AssetPage;
  total: number;
  /** The host id of an asset's machine; unknown ones link through /assets/<id>, which finds it. */
  hostOf: (assetId: string) => string | undefined;
  /** The name an asset's machine reports at inventory (shown when no DNS or mDNS name is known). */
  reportedName?: ((assetId: string) => string | undefined) | undefined;
  /** Whether any scope exists: with none, the empty list says to add one first. */
  hasScopes: boolean;
  /** While a scan runs: what it found so far that is not in the list yet. */
  live?: readonly Observation[] | undefined;
}) => {
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
          ? counted(page.total, 'asset')
          : `${page.total} of ${counted(props.total, 'asset')} match`}
        {page.pages > 1 ? ` · page ${page.page} of ${page.pages}` : ''}
      </p>
      {props.live ? <FoundSoFar live={props.live} /> : null}
      {props.total === 0 && props.live ? null : props.total === 0 ? (
        <Empty>
          <p>
            <strong>No devices discovered yet.</strong>
          </p>
          {props.hasScopes ? (
            <p>
              Run a scan above: every device found on the LAN appears here with its address, MAC vendor, name
              and class.
            </p>
          ) : (
            <p>
              First <a href="/settings/scopes">add a scope</a>: the address ranges this appliance may scan.
              Then run a scan, and every device found appears here with its address, MAC vendor, name and
              class.
            </p>
          )}
        </Empty>
      ) : page.items.length === 0 ? (
        <Empty>
          <p>No asset matches these filters.</p>
        </Empty>
      ) : (
        <Rows page={page} hostOf={props.hostOf} reportedName={props.reportedName} />
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

export const Filters = (props: { q: AssetQuery; vendors: string[] }) => (
  <form
    method="get"
    action="/assets"
    class="card filters"
    hx-get="/assets/table"
    hx-target="#asset-table"
    hx-swap="outerHTML"
    hx-trigger="input delay:300ms, change"
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

export const List = (props: { items: string[] }) =>
  props.items.length ? (
    <ul>
      {props.items.map((i) => (
        <li>{i}</li>
      ))}
    </ul>
  ) : (
    <p class="hint">none</p>
  );

/** Machines in the host directory that no scan reported: given SSH access by address, say. */
export const UnscannedHosts = (props: {
  page: Page<HostRecord>;
  href: (page: number) => string;
  label: (id: string) => string;
}) =>
  props.page.total ? (
    <section class="card" id="unscanned">
      <h2>{`Machines no scan has seen (${props.page.total})`}</h2>
      <p class="hint">
        Added by address (for SSH access) or no longer in the asset list. Each is still one machine with its
        own page; a scan of a scope that covers its address links it to what discovery sees.
      </p>
      <table>
        <thead>
          <tr>
            <th>Machine</th>
            <th>Address</th>
            <th>Added</th>
          </tr>
        </thead>
        <tbody>
          {props.page.items.map((h) => (
            <tr>
              <td>
                <a href={hostHref(h.id)}>{props.label(h.id)}</a>
              </td>
              <td>{h.address ?? 'unknown'}</td>
              <td title={h.createdAt}>{ago(h.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={props.page} href={props.href} label="Machines no scan has seen, pages" />
    </section>
  ) : null;
