/**
 * Cache: traffic saved (chart), live downloads (htmx polling), the largest and most used artifacts
 * with pin/evict actions, and a prefetch form. `cacheFileRoutes` sends LAN hosts that ask the UI port for `/cache/<mirror-host>/<path>` to the
 * proxy port: cached bytes are never served on the UI's origin.
 */

import { type Context, Hono } from 'hono';
import type { CacheService } from '../../daemon/cache/cache-service.js';
import type { DayStats } from '../../daemon/cache/cache-stats.js';
import type { DownloadInfo } from '../../daemon/cache/download.js';
import { directTarget } from '../../daemon/cache/proxy-server.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebDeps, WebEnv } from '../env.js';
import { hostOnly } from '../middleware/host-check.js';
import { formatBytes } from '../views/bytes.js';
import { EntryTable, PIN_DETAIL, PIN_QUESTION } from '../views/cache-entries.js';
import { askFirst } from '../views/confirm.js';
import { CsrfField } from '../views/csrf-field.js';
import { formText } from '../views/form-lines.js';
import { Empty, Notice, renderPage } from '../views/layout.js';
import { counted } from '../views/plural.js';
import { Reason } from '../views/reason.js';
import { When } from '../views/when.js';

/** For a host that asked the UI port: the same name it used, on the proxy port. */
const sameHostOrigin = (c: Context<WebEnv>, port: number | string): string => {
  const host = hostOnly(c.req.header('host') ?? '') || 'this-appliance';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};

const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/**
 * Where LAN hosts reach the proxy: its listen address when it is one, else the name and addresses
 * the appliance announces on its links. Never the name in this browser's address bar: a tech on
 * the appliance's own console (`localhost`) would hand every host `localhost`.
 */
export const proxyOrigins = (
  deps: Pick<WebDeps, 'presence'>,
  s: { proxyPort?: number | undefined; proxyHost?: string | undefined },
): string[] => {
  const url = (host: string) => `http://${host.includes(':') ? `[${host}]` : host}:${s.proxyPort}`;
  if (s.proxyHost && !EVERY_INTERFACE.has(s.proxyHost)) return [url(s.proxyHost)];
  const links = deps.presence?.status().links ?? [];
  const hosts = [...new Set(links.flatMap((l) => [l.hostname, l.address]))];
  return hosts.length ? hosts.map(url) : [url('<appliance-address>')];
};

/**
 * Public, GET/HEAD only, mounted before the login gate. A cached file served on the UI's origin
 * could run script with the admin's session (a readme.html from a mirror), so the UI never serves
 * one: `deb http://<appliance>:8080/cache/...` sources keep working because apt follows the 307.
 */
export const cacheFileRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.on(['GET', 'HEAD'], '/cache/*', (c, next) => {
    if (!directTarget(c.req.path) || !deps.cache) return next();
    const url = new URL(c.req.url);
    const port = deps.cache.proxyPort;
    if (!port) {
      return c.text(
        'Cached files are served only on the cache proxy port, never on the UI port, and the proxy port is disabled ' +
          `(cache.proxy.enabled is false). Enable it, then use ${sameHostOrigin(c, '<cache.proxy.port>')}${url.pathname}\n`,
        404,
      );
    }
    return c.redirect(`${sameHostOrigin(c, port)}${url.pathname}${url.search}`, 307);
  });
  return app;
};

const Chart = (props: { days: DayStats[] }) => {
  const w = 640;
  const h = 160;
  const pad = 24;
  const max = Math.max(1, ...props.days.map((d) => d.fromCache + d.fromUpstream));
  const bw = (w - pad) / props.days.length;
  const y = (v: number): number => ((h - pad) * v) / max;
  return (
    <svg
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label="Bytes served from the cache and fetched upstream per day, last 14 days"
      style="width:100%;max-width:720px;height:auto"
    >
      <title>Traffic per day: from cache (saved) vs from upstream</title>
      {props.days.map((d, i) => {
        const x = pad + i * bw + 2;
        const up = y(d.fromUpstream);
        const saved = y(d.fromCache);
        return (
          <g>
            <title>{`${d.day}: ${formatBytes(d.fromCache)} from cache, ${formatBytes(d.fromUpstream)} from upstream`}</title>
            <rect x={x} y={h - pad - up} width={bw - 4} height={up} style="fill:var(--warn)" />
            <rect x={x} y={h - pad - up - saved} width={bw - 4} height={saved} style="fill:var(--ok)" />
            {i % 2 === 0 ? (
              <text x={x} y={h - 8} font-size="10" style="fill:var(--muted)">
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
      <text x="0" y="12" font-size="10" style="fill:var(--muted)">
        {formatBytes(max)}
      </text>
    </svg>
  );
};

export const LiveDownloads = (props: { downloads: DownloadInfo[] }) => (
  <section class="card" id="cache-live" hx-get="/cache/-/live" hx-trigger="every 2s" hx-swap="outerHTML">
    <h2>Downloads in progress</h2>
    {props.downloads.length === 0 ? (
      <p class="hint">Nothing is downloading right now.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th>File</th>
            <th>Progress</th>
            <th>Clients</th>
            <th>Attempts</th>
          </tr>
        </thead>
        <tbody>
          {props.downloads.map((d) => (
            <tr>
              <td>
                <code>{d.url}</code>
              </td>
              <td>
                {d.total ? <progress value={d.received} max={d.total} /> : <progress />}{' '}
                {formatBytes(d.received)}
                {d.total ? ` of ${formatBytes(d.total)}` : ''}
              </td>
              <td>{d.readers}</td>
              <td>{d.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

const requireCache = (deps: WebDeps): CacheService => {
  if (!deps.cache)
    throw new DepotError('UNAVAILABLE', 'the package cache is disabled (cache.enabled is false)');
  return deps.cache;
};

type CacheSummary = ReturnType<CacheService['summary']>;

const CacheStats = (props: { s: CacheSummary }) => {
  const { s } = props;
  const saved = s.days.reduce((n, d) => n + d.fromCache, 0);
  return (
    <section class="grid">
      <div class="card stat">
        <span class="label">Hit ratio</span>
        <span class="value">{`${Math.round(s.hitRatio * 100)} %`}</span>
        <span class="hint">
          {s.hits} hits, {s.misses} misses
        </span>
      </div>
      <div class="card stat">
        <span class="label">Bandwidth saved</span>
        <span class="value">{formatBytes(s.fromCache)}</span>
        <span class="hint">
          {formatBytes(s.fromUpstream)} fetched upstream; {formatBytes(saved)} saved in 14 days
        </span>
      </div>
      <div class="card stat">
        <span class="label">Disk used</span>
        <span class="value">{formatBytes(s.usedBytes)}</span>
        <span class="hint">
          of {formatBytes(s.quotaBytes)} quota; {s.entries} files, {s.pinned} pinned
        </span>
      </div>
    </section>
  );
};

const Prefetch = (props: { jobs: CacheSummary['prefetch']; csrf: string }) => (
  <section class="card">
    <h2>Prefetch</h2>
    <form method="post" action="/cache/-/prefetch">
      <CsrfField token={props.csrf} />
      <label>
        URLs, one per line (optionally followed by the expected sha256)
        <textarea name="urls" rows={4} required />
      </label>
      <label>
        <input type="checkbox" name="pin" value="1" style="display:inline;width:auto" /> Pin (keep through
        eviction)
      </label>
      <button type="submit">Queue downloads</button>
    </form>
    {props.jobs.length ? (
      <ul>
        {props.jobs.slice(-5).map((j) => (
          <li>
            <When at={new Date(j.createdAt).toISOString()} />:{' '}
            {j.items.filter((i) => i.status === 'done').length} done,{' '}
            {j.items.filter((i) => i.status === 'queued').length} queued,{' '}
            {j.items.filter((i) => i.status === 'failed').length} failed
            {j.items
              .filter((i) => i.error)
              .slice(0, 3)
              .map((i) => (
                <div class="hint">
                  <Reason message={i.error ?? ''} />
                </div>
              ))}
          </li>
        ))}
      </ul>
    ) : null}
  </section>
);

/** How LAN hosts use the cache: the proxy line and direct URLs, at the appliance's LAN addresses. */
const UsingTheCache = (props: { s: CacheSummary; deps: WebDeps }) => {
  const { s } = props;
  const origins = proxyOrigins(props.deps, s);
  return (
    <section class="card">
      <h2>Using the cache</h2>
      <dl class="facts">
        <dt>Allowed upstreams</dt>
        <dd>
          {s.upstreams.length ? s.upstreams.join(', ') : 'none yet: add mirror URLs to cache.upstreams'}
        </dd>
        <dt>apt proxy</dt>
        <dd>
          {s.proxyPort
            ? origins.map((o, i) => (
                <>
                  {i ? ' or ' : ''}
                  <code>{`Acquire::http::Proxy "${o}/";`}</code>
                </>
              ))
            : 'the proxy port is disabled (cache.proxy.enabled)'}
        </dd>
        <dt>Direct URL</dt>
        <dd>
          {s.proxyPort ? (
            <code>{`deb ${origins[0]}/cache/<mirror-host>/debian bookworm main`}</code>
          ) : (
            'served on the proxy port only, which is disabled'
          )}
        </dd>
        <dt>Download windows</dt>
        <dd>{s.windows}</dd>
        <dt>WAN limit</dt>
        <dd>{s.rateBytesPerSec ? `${formatBytes(s.rateBytesPerSec)}/s` : 'unlimited'}</dd>
        <dt>Known hashes</dt>
        <dd>{s.expectedHashes} files can be verified against their sha256</dd>
      </dl>
    </section>
  );
};

const cachePage = (c: Context<WebEnv>, deps: WebDeps, cache: CacheService, notice?: string) => {
  const s = cache.summary();
  const csrf = c.get('csrf');
  return renderPage(
    c,
    { title: 'Cache' },
    <>
      <h1>Cache</h1>
      {notice ? <Notice kind="ok">{notice}</Notice> : null}
      <CacheStats s={s} />
      <section class="card">
        <h2>Traffic, last 14 days</h2>
        <Chart days={s.days} />
        <p class="hint">Green: served from the cache (saved WAN). Amber: fetched from upstream.</p>
      </section>
      <LiveDownloads downloads={s.downloads} />
      {s.entries === 0 ? (
        <Empty>
          <p>
            <strong>The patch cache is empty.</strong>
          </p>
          <p>Packages downloaded through the appliance are kept here so each crosses the WAN once.</p>
        </Empty>
      ) : (
        <>
          <EntryTable title="Largest" entries={cache.top('size', 10)} csrf={csrf} />
          <EntryTable title="Most used" entries={cache.top('hits', 10)} csrf={csrf} />
        </>
      )}
      <Prefetch jobs={s.prefetch} csrf={csrf} />
      <UsingTheCache s={s} deps={deps} />
    </>,
  );
};

const formUrl = async (c: Context<WebEnv>): Promise<string> => {
  const body = await c.req.parseBody();
  const url = body.url;
  if (typeof url !== 'string' || url === '') throw new DepotError('BAD_INPUT', 'no file given');
  return url;
};

export const cacheRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/cache', (c) => cachePage(c, deps, requireCache(deps)));
  app.get('/cache/-/live', (c) =>
    c.html(<LiveDownloads downloads={requireCache(deps).summary().downloads} />),
  );
  app.post('/cache/-/pin', async (c) => {
    const ask = await askFirst(c, PIN_QUESTION, PIN_DETAIL, '/cache');
    if (ask) return ask;
    requireCache(deps).setPinned(await formUrl(c), true);
    return c.redirect('/cache', 303);
  });
  app.post('/cache/-/unpin', async (c) => {
    requireCache(deps).setPinned(await formUrl(c), false);
    return c.redirect('/cache', 303);
  });
  app.post('/cache/-/evict', async (c) => {
    const ask = await askFirst(
      c,
      'Evict this file from the cache?',
      'The next host that asks for it fetches it across the WAN again.',
      '/cache',
    );
    if (ask) return ask;
    await requireCache(deps).evict(await formUrl(c));
    return c.redirect('/cache', 303);
  });
  app.post('/cache/-/prefetch', async (c) => {
    const cache = requireCache(deps);
    const body = await c.req.parseBody();
    if (body.urls !== undefined && typeof body.urls !== 'string')
      throw new DepotError('BAD_INPUT', 'urls: paste the URLs as text, one a line (not a file)');
    const lines = formText(body, 'urls')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines.length > 10_000) throw new DepotError('BAD_INPUT', 'at most 10000 URLs per prefetch');
    const requests = lines.map((line) => {
      const [url, sha256] = line.split(/\s+/) as [string, string | undefined];
      return { url, sha256, pin: body.pin === '1' };
    });
    await cache.prefetch.add(requests);
    return cachePage(c, deps, cache, `${counted(requests.length, 'download')} queued.`);
  });
  return app;
};
