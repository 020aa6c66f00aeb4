/** Deployments: Deployment jobs, their rings, maintenance windows and per-host progress appear here. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, renderPage } from '../views/layout.js';

export const deploymentsRoutes = (_deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/deployments', (c) =>
    renderPage(
      c,
      { title: 'Deployments' },
      <>
        <h1>Deployments</h1>
        <Empty>
          <p>
            <strong>No deployment jobs yet.</strong>
          </p>
          <p>Deployment jobs, their rings, maintenance windows and per-host progress appear here.</p>
        </Empty>
      </>,
    ),
  );
  return app;
};
