/**
 * The login gate. Until the admin password is set, every UI route leads to /setup; afterwards a
 * request without a live session goes to /login (htmx requests get HX-Redirect, API calls 401).
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AuthService } from '../../daemon/auth/auth-service.js';
import type { WebEnv } from '../env.js';

export const SESSION_COOKIE = 'pd_session';

/** Paths reachable without a session. */
const isPublic = (path: string): boolean =>
  path === '/healthz' || path === '/metrics' || path.startsWith('/static/') || path === '/favicon.ico';

const APPLIANCE = 'http://appliance.invalid';

/**
 * Where to go after signing in: a path on this appliance, never another site. The target is
 * resolved as a URL against a dummy origin, the way a browser resolves a Location header (`//host`
 * and `/\host` name another host, tabs and newlines vanish, `..` segments collapse), and only a
 * same-origin result survives, as path and query. A result that still starts with `//` (`/..//evil`
 * collapses to `//evil`) would name another host when the browser reads it, so it becomes "/":
 * feeding the answer back in gives the same answer.
 */
export const safeNext = (path: string, query = ''): string => {
  let url: URL;
  try {
    url = new URL(`${path}${query}`, APPLIANCE);
  } catch {
    return '/';
  }
  if (url.origin !== APPLIANCE) return '/';
  const target = `${url.pathname}${url.search}`;
  return /^\/(?![/\\])/.test(target) ? target : '/';
};

export const sessionGate = (auth: AuthService): MiddlewareHandler<WebEnv> =>
  async function session(c, next) {
    const path = c.req.path;
    if (isPublic(path)) return next();
    const setUp = auth.isSetUp();
    if (!setUp) {
      if (path === '/setup' || path === '/setup/restore') return next();
      return redirect(c, '/setup');
    }
    if (path === '/setup') return redirect(c, '/login');
    if (path === '/login') return next();
    const user = auth.sessionUser(getCookie(c, SESSION_COOKIE));
    if (user) {
      c.set('user', user);
      return next();
    }
    if (path.startsWith('/api/')) return c.json({ error: 'sign in required' }, 401);
    const query = new URL(c.req.url).search;
    const next_ = safeNext(path, query);
    return redirect(c, next_ === '/' ? '/login' : `/login?next=${encodeURIComponent(next_)}`);
  };

/** A 303, or HX-Redirect for htmx (a full navigation, so the whole page is fresh). */
export const redirect = (c: Parameters<MiddlewareHandler<WebEnv>>[0], to: string): Response => {
  if (c.req.header('hx-request')) {
    c.header('HX-Redirect', to);
    return c.body(null, 204);
  }
  return c.redirect(to, 303);
};
