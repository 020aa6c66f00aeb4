/**
 * The page frame: head, navigation and the #main region. Every page renders its body through
 * `renderPage`, which sends the whole document for normal and boosted requests and only the body
 * fragment for targeted htmx requests (HX-Request without HX-Boosted).
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { WebEnv } from '../env.js';

export const NAV = [
  ['/', 'Dashboard'],
  ['/assets', 'Assets'],
  ['/inventory', 'Inventory'],
  ['/patches', 'Patches'],
  ['/deployments', 'Deployments'],
  ['/devices', 'Devices'],
  ['/cache', 'Cache'],
  ['/reports', 'Reports'],
  ['/activity', 'Activity'],
  ['/settings', 'Settings'],
] as const;

/** Pages that belong to a section without sharing its path: a host page is part of Assets. */
const ALSO_UNDER: Record<string, string[]> = { '/assets': ['/hosts'] };

const isCurrent = (href: string, path: string): boolean =>
  href === '/'
    ? path === '/'
    : [href, ...(ALSO_UNDER[href] ?? [])].some((h) => path === h || path.startsWith(`${h}/`));

export interface PageOptions {
  title: string;
  /** Hide navigation (setup and login pages). */
  bare?: boolean;
  status?: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503;
}

export const isFragmentRequest = (c: Context): boolean =>
  c.req.header('hx-request') === 'true' &&
  c.req.header('hx-boosted') === undefined &&
  c.req.header('hx-request-type') !== 'full';

const Layout = (props: { title: string; path: string; csrf: string; bare: boolean; children: Child }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>{`${props.title} · Patch Depot`}</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/style.css" />
      <script src="/static/htmx.min.js" defer />
    </head>
    <body hx-boost:inherited="true" hx-headers:inherited={JSON.stringify({ 'X-CSRF-Token': props.csrf })}>
      <header class="top">
        <a class="brand" href="/">
          Patch Depot
        </a>
        {props.bare ? null : (
          // On a phone the links fold behind this button (a popover: no script needed); on a wider
          // screen the button is hidden and the links always show.
          <button type="button" class="menu" popovertarget="main-nav" aria-controls="main-nav">
            Menu
          </button>
        )}
        {props.bare ? null : (
          <nav id="main-nav" popover="auto" aria-label="Main">
            {NAV.map(([href, label]) => (
              <a href={href} aria-current={isCurrent(href, props.path) ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        {props.bare ? null : (
          <form method="post" action="/logout" class="logout">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        )}
      </header>
      <main id="main">{props.children}</main>
    </body>
  </html>
);

export const renderPage = (
  c: Context<WebEnv>,
  opts: PageOptions,
  body: Child,
): Response | Promise<Response> => {
  const status = opts.status ?? 200;
  if (isFragmentRequest(c)) {
    return c.html(
      <>
        <title>{`${opts.title} · Patch Depot`}</title>
        {body}
      </>,
      status,
    );
  }
  return c.html(
    `<!doctype html>${(
      (
        <Layout title={opts.title} path={c.req.path} csrf={c.get('csrf')} bare={opts.bare ?? false}>
          {body}
        </Layout>
      )
    ).toString()}`,
    status,
  );
};

/** A visible error or notice box; role=alert so screen readers announce it. */
export const Notice = (props: { kind: 'error' | 'info' | 'ok'; children: Child }) => (
  <p class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
    {props.children}
  </p>
);

/** The header of a table's column of buttons: named for a screen reader, blank on the screen. */
export const ActionsHeading = () => (
  <th>
    <span class="visually-hidden">Actions</span>
  </th>
);

/** An honest empty state: what is missing and what to do about it. */
export const Empty = (props: { children: Child }) => <div class="empty">{props.children}</div>;
