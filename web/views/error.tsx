/** Errors as pages (or fragments for htmx): the message a technician can act on, never a stack. */
import type { Context } from 'hono';
import type { WebEnv } from '../env.js';
import { safeNext } from '../middleware/session.js';
import { Notice, type PageOptions, renderPage } from './layout.js';

/**
 * Where a refused form post came from (its Referer, when it is a page of this appliance), so the
 * technician goes back to the form to correct it, not to the dashboard.
 */
const formPage = (c: Context<WebEnv>): string | undefined => {
  const referer = c.req.header('referer');
  if (c.req.method === 'GET' || !referer) return undefined;
  let from: URL;
  try {
    from = new URL(referer);
  } catch {
    return undefined;
  }
  if (from.origin !== new URL(c.req.url).origin) return undefined;
  const path = safeNext(from.pathname, from.search);
  return path === '/' ? undefined : path;
};

export const errorFragment = (
  c: Context<WebEnv>,
  status: NonNullable<PageOptions['status']>,
  message: string,
) => {
  if (c.req.path.startsWith('/api/') || c.req.header('accept')?.startsWith('application/json')) {
    return c.json({ error: message }, status);
  }
  // The CSRF middleware may not have run (e.g. an early failure): fall back to no token.
  if (c.get('csrf') === undefined) c.set('csrf', '');
  const back = formPage(c);
  return renderPage(
    c,
    { title: status === 404 ? 'Not found' : 'Error', status },
    <section class="card">
      <h1>{status === 404 ? 'Not found' : 'That did not work'}</h1>
      <Notice kind="error">{message}</Notice>
      <p>
        {back ? (
          <>
            <a href={back}>Back to the page you came from</a> · <a href="/">Dashboard</a>
          </>
        ) : (
          <a href="/">Back to the dashboard</a>
        )}
      </p>
    </section>,
  );
};
