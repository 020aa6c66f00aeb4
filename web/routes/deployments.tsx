/** Deployments: not built yet; the page says so plainly and points at what works today. */
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
            <strong>Deployment is not part of this version yet.</strong>
          </p>
          <p>
            Jobs with pilot rings, maintenance windows, reboot policy and verification will live here. Today
            the appliance finds what each machine is missing (<a href="/patches">Patches</a>) and serves the
            packages from its <a href="/cache">cache</a>, so each crosses the WAN once when you install them.
          </p>
        </Empty>
      </>,
    ),
  );
  return app;
};
