/** Assets: Define a scope of management in Settings, then run a discovery scan. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, renderPage } from '../views/layout.js';

export const assetsRoutes = (_deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/assets', (c) =>
    renderPage(
      c,
      { title: 'Assets' },
      <>
        <h1>Assets</h1>
        <Empty>
          <p>
            <strong>No machines discovered yet.</strong>
          </p>
          <p>
            Define a scope of management in Settings, then run a discovery scan: every device found on the LAN
            appears here with its address, MAC vendor, hostname and class.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
