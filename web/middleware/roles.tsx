/**
 * What each role may do in the UI. Reading is open to every account; a change needs a role:
 * operator for running scans, inventories, feed syncs and deployments, admin for everything else
 * (settings, scopes, accounts, tokens, SSH access and host keys, the cache's contents, device
 * files). A path not listed here needs admin: a new route is safe until someone decides otherwise.
 */
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../daemon/store/schema.js';
import type { WebEnv } from '../env.js';
import { renderPage } from '../views/layout.js';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Changes any account may make: its own password, signing out. */
const ANYONE = [/^\/logout$/, /^\/settings\/password$/];

/** The operator's work: scans, inventories, feeds, deployments, and what goes with them. */
const OPERATOR = [
  /^\/activity\/[^/]+\/cancel$/,
  /^\/assets\/acknowledge-all$/,
  /^\/cache\/-\/prefetch$/,
  /^\/deployments(\/.*)?$/,
  /^\/devices\/stage$/,
  /^\/discovery\/scans(\/cancel)?$/,
  /^\/hosts\/[^/]+\/(asset|manage)$/,
  /^\/inventory\/collect$/,
  /^\/inventory\/hosts\/[^/]+\/collect$/,
  /^\/patches\/feeds\/(sync|bundle)$/,
];

/** Pages only an admin may even read. */
const ADMIN_PAGES = [/^\/settings\/(accounts|audit|config)(\/.*)?$/];

export const requiredRole = (method: string, path: string): Role => {
  if (method === 'GET' || method === 'HEAD')
    return ADMIN_PAGES.some((r) => r.test(path)) ? 'admin' : 'viewer';
  if (ANYONE.some((r) => r.test(path))) return 'viewer';
  if (OPERATOR.some((r) => r.test(path))) return 'operator';
  return 'admin';
};

export const roleGate = (): MiddlewareHandler<WebEnv> =>
  async function roles(c, next) {
    const user = c.get('user');
    // Before sign-in the session gate has already sent the browser to /login or /setup.
    if (!user) return next();
    const needed = requiredRole(c.req.method, c.req.path);
    if (RANK[user.role] >= RANK[needed]) return next();
    return renderPage(
      c,
      { title: 'Not allowed', status: 403 },
      <section class="card narrow">
        <h1>Not allowed</h1>
        <p>
          Your account <strong>{user.name}</strong> has the role <strong>{user.role}</strong>; this needs{' '}
          <strong>{needed}</strong>. Ask an admin of this appliance.
        </p>
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </section>,
    );
  };
