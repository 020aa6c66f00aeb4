/** Reports: not built yet; the page says so and points at today's compliance, CSV and metrics. */
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
            <strong>Reports are not part of this version yet.</strong>
          </p>
          <p>
            Compliance over time and job history will live here. Today: current compliance is on the{' '}
            <a href="/">Dashboard</a>, missing fixes export as CSV from <a href="/patches">Patches</a>, and{' '}
            <code>/metrics</code> serves Prometheus figures.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
