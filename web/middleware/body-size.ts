/**
 * Request body limits, checked before anything parses a body (the CSRF check reads form fields):
 * small for every form, large only for uploads by a signed-in admin, so nobody can make a
 * Raspberry Pi buffer gigabytes before signing in.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { AuthService } from '../../daemon/auth/auth-service.js';
import { SESSION_COOKIE } from './session.js';

export const FORM_LIMIT = 256 * 1024;
export const UPLOAD_LIMIT = 2 * 1024 ** 3;
/** Routes that accept file uploads (offline feed bundles). */
const UPLOADS = new Set(['/patches/feeds/bundle']);

export const bodySizeLimit = (auth: AuthService): MiddlewareHandler => {
  const small = bodyLimit({ maxSize: FORM_LIMIT, onError: (c) => c.text('request body too large\n', 413) });
  const large = bodyLimit({
    maxSize: UPLOAD_LIMIT,
    onError: (c) => c.text('upload too large (2 GiB at most)\n', 413),
  });
  return async function bodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const upload = UPLOADS.has(c.req.path) && auth.checkSession(getCookie(c, SESSION_COOKIE));
    return (upload ? large : small)(c, next);
  };
};
