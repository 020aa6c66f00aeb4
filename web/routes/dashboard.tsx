/** Dashboard: the appliance at a glance. */
import { Hono } from 'hono';
import type { WebDeps, WebEnv } from '../env.js';
import { renderPage } from '../views/layout.js';

const formatUptime = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
};

export const dashboardRoutes = (deps: WebDeps) => {
  const app = new Hono<WebEnv>();
  app.get('/', (c) =>
    renderPage(
      c,
      { title: 'Dashboard' },
      <>
        <h1>Dashboard</h1>
        <section class="grid">
          <div class="card stat">
            <span class="label">Appliance</span>
            <span class="value">up {formatUptime(Date.now() - deps.startedAt.getTime())}</span>
            <span class="hint">Patch Depot {deps.version}</span>
          </div>
          <div class="card stat">
            <span class="label">Active sessions</span>
            <span class="value">{deps.store.data.auth.sessions.length}</span>
          </div>
        </section>
        <section class="card">
          <h2>Getting started</h2>
          <ol class="checklist">
            <li class="done">Administrator password set</li>
            <li>
              Define the scope of management (the subnets this appliance may scan) in{' '}
              <a href="/settings">Settings</a>.
            </li>
            <li>
              Run a discovery scan and review the machines found under <a href="/assets">Assets</a>.
            </li>
          </ol>
        </section>
      </>,
    ),
  );
  return app;
};
