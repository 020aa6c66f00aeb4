/**
 * Every change made through the UI goes in the audit log once it is answered: who (the account,
 * or the name tried at sign-in), from which address, what (in words, and the request), and how it
 * ended. Reads are not logged. Requests from nobody signed in are logged only for sign-in and
 * setup, and throttled ones (429) not at all, so a LAN host cannot fill the disk with them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditLog, AuditRecord } from '../../daemon/auth/audit-log.js';
import type { Logger } from '../../daemon/log.js';
import type { WebEnv } from '../env.js';

/** Route pattern → what it does, in words. */
const ACTIONS: Record<string, string> = {
  '/login': 'sign in',
  '/logout': 'sign out',
  '/setup': 'first-run setup',
  '/settings/password': 'change own password',
  '/settings/backup': 'download a backup',
  '/settings/restore': 'restore from a backup',
  '/setup/restore': 'restore a fresh appliance from a backup',
  '/settings/scopes': 'add a scope',
  '/settings/scopes/:id': 'change a scope',
  '/settings/scopes/:id/delete': 'delete a scope',
  '/settings/config/:section': 'change appliance settings',
  '/settings/config/feeds': 'add a vendor feed',
  '/settings/config/feeds/:id/toggle': 'enable or disable a vendor feed',
  '/settings/config/feeds/:id/remove': 'remove a vendor feed',
  '/settings/config/groups': 'add a host group',
  '/settings/config/groups/:name': 'change a host group',
  '/settings/config/groups/:name/remove': 'remove a host group',
  '/settings/config/restart': 'restart the appliance',
  '/settings/tokens': 'make an API token',
  '/settings/tokens/:id/revoke': 'revoke an API token',
  '/settings/accounts': 'add an account',
  '/settings/accounts/:name/role': "change an account's role",
  '/settings/accounts/:name/reset-password': "reset an account's password",
  '/settings/accounts/:name/remove': 'remove an account',
  '/discovery/scans': 'start a scan',
  '/discovery/scans/cancel': 'cancel a scan',
  '/assets/acknowledge-all': 'mark all devices known',
  '/hosts/:id/accept-key': 'accept a host key',
  '/hosts/:id/asset': 'edit a device',
  '/hosts/:id/manage': 'manage a host',
  '/inventory/collect': 'collect inventories',
  '/inventory/hosts': 'add SSH access to a host',
  '/inventory/hosts/:hostId/accept-key': 'accept a host key',
  '/inventory/hosts/:hostId/collect': "collect a host's inventory",
  '/inventory/hosts/:hostId/remove': 'remove a host',
  '/patches/feeds/sync': 'synchronise feeds',
  '/patches/feeds/bundle': 'import a feed bundle',
  '/cache/-/evict': 'evict from the cache',
  '/cache/-/pin': 'pin in the cache',
  '/cache/-/unpin': 'unpin in the cache',
  '/cache/-/prefetch': 'prefetch into the cache',
  '/deployments': 'create a deployment',
  '/deployments/:id/hosts/:hostId/retry': 'retry a host of a deployment',
  '/deployments/:id/hosts/:hostId/reset-breaker': 'allow a failed update on a host again',
  '/devices/files': 'upload a device file',
  '/devices/files/:name/delete': 'delete a device file',
  '/devices/stage': 'stage firmware',
  '/activity/:id/cancel': 'cancel a job',
};

/** The pattern of the route that answered (not a middleware's `*`). */
const routeOf = (c: Context<WebEnv>): string | undefined =>
  c.req.matchedRoutes.filter((r) => r.method !== 'ALL').at(-1)?.path;

const actionOf = (c: Context<WebEnv>): string => {
  const route = routeOf(c);
  if (route?.startsWith('/deployments/:id/:action')) return `${c.req.path.split('/').at(-1)} a deployment`;
  return (route && ACTIONS[route]) ?? `${c.req.method} ${route ?? 'an unknown page'}`;
};

const outcomeOf = (status: number): AuditRecord['outcome'] =>
  status < 400 ? 'done' : status === 401 || status === 403 ? 'refused' : 'failed';

export const auditTrail = (audit: AuditLog, log: Logger): MiddlewareHandler<WebEnv> =>
  async function auditing(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    await next();
    const status = c.res.status;
    const user = c.get('user');
    const path = c.req.path;
    const signIn = path === '/login' || path === '/setup' || path === '/setup/restore';
    if (status === 429 || (!user && !signIn)) return;
    let name = user?.name ?? '-';
    if (path === '/login' || path === '/setup') {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const tried = typeof body.name === 'string' ? body.name.trim().toLowerCase() : '';
      name = (tried || 'admin').slice(0, 64);
    }
    try {
      await audit.record({
        at: new Date().toISOString(),
        user: name,
        role: user?.role,
        from: c.get('remoteAddr').slice(0, 64),
        action: actionOf(c).slice(0, 200),
        request: `${c.req.method} ${path}`.slice(0, 300),
        outcome: outcomeOf(status),
        status,
      });
    } catch (err) {
      // The change is made; losing its record is bad but must not turn it into an error page.
      log.error('could not write the audit log', { err, path });
    }
  };
