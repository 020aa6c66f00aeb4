/**
 * CSRF protection for every state-changing request: a random per-browser seed in an HttpOnly
 * cookie, and a token = HMAC(appliance secret, seed, session) that forms carry in `_csrf` and htmx
 * sends as `X-CSRF-Token`. The seed is replaced whenever who is signed in changes (`rotateCsrf`).
 * A cross-origin Origin header is refused outright.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AuthService } from '../../daemon/auth/auth-service.js';
import { DepotError } from '../../daemon/errors.js';
import type { WebEnv } from '../env.js';
import { listedHost } from './host-check.js';
import { SESSION_COOKIE } from './session.js';

export const CSRF_COOKIE = 'pd_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const formToken = async (c: Context): Promise<string | undefined> => {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data'))
    return undefined;
  // A multipart body that does not parse (no boundary, cut short) is the client's error, not ours.
  const body = await c.req.parseBody().catch((cause: unknown) => {
    throw new DepotError('BAD_INPUT', 'the form could not be read (a malformed or cut-off body)', { cause });
  });
  const value = body[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Same-origin: the Origin names the host the request was sent to, or one the admin listed (a TLS
 * proxy in front may rewrite Host). An unparsable Origin is cross-site.
 */
const sameOrigin = (origin: string, host: string, allowedHosts: readonly string[]): boolean => {
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  return originHost.toLowerCase() === host.toLowerCase() || listedHost(originHost, allowedHosts);
};

const setSeedCookie = (c: Context, seed: string, secure: boolean): void =>
  // Lax, not Strict: a link from another site must not mint a new seed and break the forms open
  // in other tabs. The seed is no credential; the HMAC token and Origin check guard posts.
  setCookie(c, CSRF_COOKIE, seed, { httpOnly: true, sameSite: 'Lax', path: '/', secure });

/**
 * A new seed (and so a new token for the page being rendered) when a browser signs in or out or
 * changes the password: a token learnt before, planted by an attacker or read from a page of the
 * old session, stops working.
 */
export const rotateCsrf = (
  c: Context<WebEnv>,
  auth: AuthService,
  secure: boolean,
  session?: string,
): void => {
  const seed = auth.newCsrfSeed();
  setSeedCookie(c, seed, secure);
  c.set('csrf', auth.csrfToken(seed, session));
};

export const csrfProtection = (
  auth: AuthService,
  opts: { secure: boolean; allowedHosts: readonly string[] },
): MiddlewareHandler<WebEnv> =>
  async function csrf(c, next) {
    let seed = getCookie(c, CSRF_COOKIE);
    const session = getCookie(c, SESSION_COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{16,64}$/.test(seed)) {
      seed = auth.newCsrfSeed();
      setSeedCookie(c, seed, opts.secure);
      if (!SAFE.has(c.req.method))
        throw new DepotError('CSRF', 'form expired: reload the page and try again');
    }
    c.set('csrf', auth.csrfToken(seed, session));
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && !sameOrigin(origin, c.req.header('host') ?? '', opts.allowedHosts)) {
        throw new DepotError('CSRF', `cross-site request from ${origin.slice(0, 100)} refused`);
      }
      // Either carrier may hold the current token: after a boosted swap the header set on <body>
      // can be older than the form's field.
      const valid = (token: string | undefined) => auth.checkCsrf(seed, token, session);
      if (!valid(c.req.header(CSRF_HEADER)) && !valid(await formToken(c))) {
        throw new DepotError('CSRF', 'missing or invalid CSRF token: reload the page and try again');
      }
    }
    await next();
  };
