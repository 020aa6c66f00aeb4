/** Cache: Packages downloaded through the appliance are kept here so each crosses the WAN once. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, renderPage } from '../views/layout.js';

export const cacheRoutes = (_deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/cache', (c) =>
    renderPage(
      c,
      { title: 'Cache' },
      <>
        <h1>Cache</h1>
        <Empty>
          <p>
            <strong>The patch cache is empty.</strong>
          </p>
          <p>
            Packages downloaded through the appliance are kept here so each crosses the WAN once; hit ratio
            and bandwidth saved appear here.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
