/**
 * CSRF protection for every state-changing request: a random per-browser seed in an HttpOnly,
 * SameSite=Strict cookie, and a token = HMAC(appliance secret, seed) that forms carry in `_csrf`
 * and htmx sends as `X-CSRF-Token`. A cross-origin Origin header is refused outright.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AuthService } from '../../daemon/auth/auth-service.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebEnv } from '../env.js';

export const CSRF_COOKIE = 'pd_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const formToken = async (c: Context): Promise<string | undefined> => {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data'))
    return undefined;
  const body = await c.req.parseBody();
  const value = body[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
};

export const csrfProtection = (auth: AuthService, secure: boolean): MiddlewareHandler<WebEnv> =>
  async function csrf(c, next) {
    let seed = getCookie(c, CSRF_COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{16,64}$/.test(seed)) {
      seed = auth.newCsrfSeed();
      setCookie(c, CSRF_COOKIE, seed, { httpOnly: true, sameSite: 'Strict', path: '/', secure });
      if (!SAFE.has(c.req.method))
        throw new DepotError('CSRF', 'form expired: reload the page and try again');
    }
    c.set('csrf', auth.csrfToken(seed));
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && new URL(origin).host !== c.req.header('host')) {
        throw new DepotError('CSRF', `cross-site request from ${origin} refused`);
      }
      const token = c.req.header(CSRF_HEADER) ?? (await formToken(c));
      if (!auth.checkCsrf(seed, token)) {
        throw new DepotError('CSRF', 'missing or invalid CSRF token: reload the page and try again');
      }
    }
    await next();
  };
