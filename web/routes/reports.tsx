/** Reports: Compliance over time, job history and exports (CSV, JSON) appear here once machines are inventoried. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { Empty, renderPage } from '../views/layout.js';

export const reportsRoutes = (_deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/reports', (c) =>
    renderPage(
      c,
      { title: 'Reports' },
      <>
        <h1>Reports</h1>
        <Empty>
          <p>
            <strong>Nothing to report yet.</strong>
          </p>
          <p>
            Compliance over time, job history and exports (CSV, JSON) appear here once machines are
            inventoried.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
