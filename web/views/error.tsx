/** Errors as pages (or fragments for htmx): the message a technician can act on, never a stack. */
import type { Context } from 'hono';
import type { WebEnv } from '../env.js';
import { Notice, type PageOptions, renderPage } from './layout.js';

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
  return renderPage(
    c,
    { title: status === 404 ? 'Not found' : 'Error', status },
    <section class="card">
      <h1>{status === 404 ? 'Not found' : 'That did not work'}</h1>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </section>,
  );
};
