/**
 * The bearer-token gate of the console API (RFC 6750): 401 with `WWW-Authenticate` for a missing,
 * wrong, expired or revoked token, 403 `insufficient_scope` naming the scope a token lacks, 429
 * with Retry-After for a token over its rate (or an address sending many bad tokens).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { problem } from './problem.js';
import type { TokenScope } from './token-record.js';
import type { TokenService } from './token-service.js';

const REALM = 'patch-depot';

export const requireToken = (
  tokens: Pick<TokenService, 'check'>,
  scope: TokenScope,
  remoteAddr: (c: Context) => string,
): MiddlewareHandler =>
  async function tokenGate(c, next) {
    const result = tokens.check(c.req.header('authorization'), scope, remoteAddr(c));
    if (result.ok) return next();
    const description = result.message.replaceAll('"', "'");
    switch (result.status) {
      case 401:
        return problem(c, 401, result.message, {
          'WWW-Authenticate': c.req.header('authorization')
            ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`
            : `Bearer realm="${REALM}", scope="${scope}"`,
        });
      case 403:
        return problem(c, 403, result.message, {
          'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
        });
      case 429:
        return problem(c, 429, result.message, { 'Retry-After': String(result.retryAfter ?? 60) });
    }
  };
