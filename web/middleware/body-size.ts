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
export const RESTORE_LIMIT = 512 * 1024 ** 2;

const limit = (maxSize: number, what: string): MiddlewareHandler =>
  bodyLimit({ maxSize, onError: (c) => c.text(`${what}\n`, 413) });

/**
 * @param siteFileBytes the largest TFTP site file (`tftp.maxSiteFileMB`); the form around it
 *   gets a little room on top.
 */
export const bodySizeLimit = (auth: AuthService, siteFileBytes = 16 * 1024 ** 2): MiddlewareHandler => {
  const small = limit(FORM_LIMIT, 'request body too large');
  /** Routes that accept file uploads: offline feed bundles, and the site's files for TFTP. */
  const uploads = new Map([
    ['/patches/feeds/bundle', limit(UPLOAD_LIMIT, 'upload too large (2 GiB at most)')],
    [
      '/devices/files',
      limit(siteFileBytes + FORM_LIMIT, `upload too large (${siteFileBytes} bytes at most)`),
    ],
  ]);
  uploads.set('/settings/restore', limit(RESTORE_LIMIT, 'backup too large (512 MiB at most)'));
  const freshRestore = limit(
    RESTORE_LIMIT / 4,
    'backup too large for a restore before setup (128 MiB at most)',
  );
  return async function bodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // Before setup nobody can sign in: a restore with the setup code is the one large body allowed.
    if (c.req.path === '/setup/restore' && !auth.isSetUp()) return freshRestore(c, next);
    const upload = uploads.get(c.req.path);
    const signedIn = upload && auth.checkSession(getCookie(c, SESSION_COOKIE));
    return (signedIn ? upload : small)(c, next);
  };
};
