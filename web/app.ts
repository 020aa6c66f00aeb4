/**
 * The HTTP application: health and metrics, static files, then CSRF and the login gate in front
 * of every UI page. Routes only read and call services; they never touch files.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { dirname } from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { healthRoutes } from '../daemon/api/health.js';
import { AuditLog, auditFile } from '../daemon/auth/audit-log.js';
import { DepotError, httpStatusFor } from '../daemon/errors.js';
import type { WebDeps, WebEnv } from './env.js';
import { auditTrail } from './middleware/audit.js';
import { bodySizeLimit } from './middleware/body-size.js';
import { csrfProtection } from './middleware/csrf.js';
import { hostCheck } from './middleware/host-check.js';
import { roleGate } from './middleware/roles.js';
import { sessionGate } from './middleware/session.js';
import { accountsRoutes } from './routes/accounts.js';
import { activityRoutes } from './routes/activity.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { assetsRoutes } from './routes/assets.js';
import { authRoutes } from './routes/auth.js';
import { backupRoutes } from './routes/backup.js';
import { cacheFileRoutes, cacheRoutes } from './routes/cache.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { deploymentsRoutes } from './routes/deployments.js';
import { devicesRoutes } from './routes/devices.js';
import { discoveryRoutes } from './routes/discovery.js';
import { feedsRoutes } from './routes/feeds.js';
import { hostsRoutes } from './routes/hosts.js';
import { inventoryRoutes } from './routes/inventory.js';
import { patchesRoutes } from './routes/patches.js';
import { reportsRoutes } from './routes/reports.js';
import { scopesRoutes } from './routes/scopes.js';
import { settingsRoutes } from './routes/settings.js';
import { settingsConfigRoutes } from './routes/settings-config.js';
import { settingsListRoutes } from './routes/settings-lists.js';
import { type StaticAssets, staticRoutes } from './static-assets.js';
import { errorFragment } from './views/error.js';

export interface WebAppOptions extends WebDeps {
  assets: StaticAssets;
  /** Client address of a request (the node adapter's conninfo in the daemon). */
  remoteAddr: (c: Context) => string;
}

/** Constant-time comparison of an Authorization header with the expected bearer token. */
const bearerMatches = (header: string | undefined, token: string): boolean => {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
};

/**
 * /metrics is open until a metrics token is configured or any API token exists; then it needs the
 * configured token or an API token with the metrics:read scope.
 */
const metricsRefusal = (
  c: Context<WebEnv>,
  deps: WebAppOptions,
): { status: 401 | 403 | 429; message: string; headers: Record<string, string> } | undefined => {
  const header = c.req.header('authorization');
  if (deps.metricsToken !== undefined && bearerMatches(header, deps.metricsToken)) return undefined;
  if (deps.metricsToken === undefined && !deps.api?.tokens.anyLive()) return undefined;
  const check = deps.api?.tokens.check(header, 'metrics:read', c.get('remoteAddr'));
  if (check?.ok) return undefined;
  const headers: Record<string, string> = {
    'WWW-Authenticate': 'Bearer realm="patch-depot", scope="metrics:read"',
  };
  if (check?.retryAfter !== undefined) headers['Retry-After'] = String(check.retryAfter);
  return {
    status: check?.status ?? 401,
    message: check?.message ?? 'metrics require a bearer token',
    headers,
  };
};

/** The request's connection is gone (only known on the real server; app.request has no socket). */
const clientGone = (c: Context): boolean => {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  // Destroyed before its body ended. Node also destroys a request once its whole body was read:
  // that one's client is still waiting for the answer.
  return incoming?.destroyed === true && incoming.complete !== true;
};

/** The UI's security headers: scripts and forms from the appliance only, never framed. */
const uiSecurityHeaders = () =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      // Style attributes in the views (progress bars, chart sizes) need inline styles.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    crossOriginEmbedderPolicy: false,
  });

export const createWebApp = (deps: WebAppOptions): Hono<WebEnv> => {
  const app = new Hono<WebEnv>();
  const audit = deps.audit ?? new AuditLog(auditFile(dirname(deps.store.path)));

  app.use(hostCheck(deps.allowedHosts ?? []));
  app.use(async (c, next) => {
    const start = performance.now();
    await next();
    const route = c.req.routePath || 'unmatched';
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - start) / 1000);
  });
  app.use(uiSecurityHeaders());
  app.use(async (c, next) => {
    c.set('remoteAddr', deps.remoteAddr(c));
    await next();
    // Pages differ by HX-Request (fragment or document) and by who is signed in.
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.res.headers.append('Vary', 'HX-Request');
      if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'no-store');
    }
  });
  app.use(bodySizeLimit(deps.auth, deps.tftp?.files.maxSiteFileBytes));

  app.route('/', healthRoutes({ ...deps, problems: () => deps.health?.problems() ?? [] }));
  app.get('/metrics', async (c) => {
    const refusal = metricsRefusal(c, deps);
    if (refusal) return c.text(`${refusal.message}\n`, refusal.status, refusal.headers);
    const { contentType, body } = await deps.metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
  app.route('/', staticRoutes(deps.assets));
  // LAN hosts asking the UI port for cached files are sent to the proxy port, without a UI session.
  app.route('/', cacheFileRoutes(deps));
  // The console API authenticates by bearer token, not by session, and answers everything under it.
  if (deps.api) app.route('/', deps.api.routes(deps.remoteAddr));

  app.use(csrfProtection(deps.auth, { secure: deps.secureCookies, allowedHosts: deps.allowedHosts ?? [] }));
  app.use(sessionGate(deps.auth));
  app.use(auditTrail(audit, deps.log));
  app.use(roleGate());
  for (const routes of [
    authRoutes,
    dashboardRoutes,
    assetsRoutes,
    hostsRoutes,
    discoveryRoutes,
    inventoryRoutes,
    patchesRoutes,
    feedsRoutes,
    deploymentsRoutes,
    devicesRoutes,
    cacheRoutes,
    reportsRoutes,
    settingsRoutes,
    // Before settingsConfigRoutes: /settings/config/feeds and /groups are not sections.
    settingsListRoutes,
    settingsConfigRoutes,
    (d: WebDeps) => accountsRoutes({ ...d, auditLog: audit }),
    backupRoutes,
    apiTokenRoutes,
    scopesRoutes,
    activityRoutes,
  ]) {
    app.route('/', routes(deps));
  }

  app.notFound((c) => errorFragment(c, 404, 'No such page.'));
  app.onError((err, c) => {
    if (err instanceof DepotError) return errorFragment(c, httpStatusFor(err.code), err.message);
    if (clientGone(c)) {
      // The client reset or left while its body was being read: nobody is there for an answer.
      deps.log.debug('client left mid-request', { method: c.req.method, path: c.req.path });
      return c.body(null, 400);
    }
    deps.log.error('request failed', { err, method: c.req.method, path: c.req.path });
    return errorFragment(c, 500, 'Something went wrong on the appliance; the details are in its log.');
  });
  return app;
};
