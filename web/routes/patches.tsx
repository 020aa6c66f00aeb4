/** Patches: Once feeds are configured, this page lists advisories and fixed packages, and which machines still need them. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, renderPage } from '../views/layout.js';

export const patchesRoutes = (_deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/patches', (c) =>
    renderPage(
      c,
      { title: 'Patches' },
      <>
        <h1>Patches</h1>
        <Empty>
          <p>
            <strong>No vendor feeds synchronised yet.</strong>
          </p>
          <p>
            Once feeds are configured, this page lists advisories and fixed packages, and which machines still
            need them.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
