/**
 * /api/v1: the console API on the UI's port, described by the OpenAPI 3.1 document it serves at
 * /api/v1/openapi.json (public: it holds nothing about the site). Every other route needs a
 * bearer token with the console:read scope: the summary (plain and signed), the site key, hosts and
 * missing fixes as keyset pages, and the change feed. Each answers 304 to a matching If-None-Match, and reports
 * errors as problem details. The routes only read services, like every web route.
 */

import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { etag } from 'hono/etag';
import type { AuditLog } from '../auth/audit-log.js';
import { DepotError, httpStatusFor } from '../errors.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { ChangeFeed } from './change-feed.js';
import { clampLimit, decodeCursor, parseSince } from './cursor.js';
import { problem } from './problem.js';
import { queryProblemDetail } from './query-problem.js';
import {
  auditRoute,
  changesRoute,
  fixesRoute,
  hostsRoute,
  openApiRoute,
  SECURITY_SCHEME,
  signedSummaryRoute,
  siteKeyRoute,
  summaryRoute,
} from './route-specs.js';
import type { SiteKey } from './site-key.js';
import { changeItems, fixesPage, hostsPage, type ListSources } from './site-lists.js';
import type { SummaryPublisher } from './summary-publisher.js';
import { requireToken } from './token-auth.js';
import type { TokenService } from './token-service.js';

export const API_BASE = '/api/v1';
export const OPENAPI_PATH = '/openapi.json';

export interface ApiRouteDeps {
  tokens: Pick<TokenService, 'check'>;
  publisher: SummaryPublisher;
  key: SiteKey;
  lists: ListSources;
  changes: Pick<ChangeFeed, 'since'>;
  /** The audit log; absent: /audit answers an empty list. */
  audit?: Pick<AuditLog, 'after'> | undefined;
  remoteAddr: (c: Context) => string;
  log: Logger;
  clock?: Clock;
}

const apiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Patch Depot site API',
    version: '1',
    description:
      'What a central console pulls from a Patch Depot appliance: the site summary (also signed with the ' +
      'site key), hosts and missing fixes as keyset pages. Authenticate with an API token made on the ' +
      'appliance\'s Settings page: "Authorization: Bearer pdt_...".',
  },
  security: [{ [SECURITY_SCHEME]: ['console:read'] }],
};

/** Answers that depend on the token and change with the site: revalidate every time, share with nobody. */
const privateRevalidated = async (c: Context, next: () => Promise<void>) => {
  await next();
  c.res.headers.append('Vary', 'Authorization');
  if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'private, no-cache');
};

/** The app at /api/v1: bad query parameters are 400 problems; the token scheme is documented. */
const newApiApp = () => {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      return problem(c, 400, queryProblemDetail(c, result.error.issues));
    },
  }).basePath(API_BASE);
  app.openAPIRegistry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token made on the Settings page, with the scope the operation names.',
  });
  return app;
};

/** What no route answered: another method on a known path is 405, anything else 404; errors are problems. */
const answerTheRest = (app: ReturnType<typeof newApiApp>, log: ApiRouteDeps['log']) => {
  // Every route reads: another method on a known path is 405, not "no such route".
  const paths = new Set(app.routes.filter((r) => r.method === 'GET').map((r) => r.path));
  app.all('*', (c) =>
    paths.has(c.req.path)
      ? problem(c, 405, `${c.req.path} only answers GET and HEAD`, { Allow: 'GET, HEAD' })
      : problem(c, 404, `no API route ${c.req.method} ${c.req.path.slice(0, 200)}`),
  );
  app.onError((err, c) => {
    if (err instanceof DepotError) return problem(c, httpStatusFor(err.code), err.message);
    log.error('API request failed', { err, method: c.req.method, path: c.req.path });
    return problem(c, 500, 'something went wrong on the appliance; the details are in its log');
  });
};

/** The keyset-paged lists: hosts, missing fixes, the audit log. */
const listRoutes = (app: ReturnType<typeof newApiApp>, deps: ApiRouteDeps, clock: Clock) => {
  app.openapi(hostsRoute, async (c) => {
    const q = c.req.valid('query');
    const now = clock.now();
    const limit = clampLimit(q.limit);
    const page = await hostsPage(deps.lists, { after: decodeCursor(q.after, 1, now), limit, now });
    return c.json({ ...page, limit }, 200);
  });
  app.openapi(fixesRoute, async (c) => {
    const q = c.req.valid('query');
    const now = clock.now();
    const limit = clampLimit(q.limit);
    const req = { after: decodeCursor(q.after, 4, now), limit, now };
    const page = await fixesPage(
      deps.lists,
      { host: q.host, advisory: q.advisory, severity: q.severity },
      req,
    );
    return c.json({ ...page, limit }, 200);
  });

  app.openapi(auditRoute, async (c) => {
    const q = c.req.valid('query');
    const limit = clampLimit(q.limit);
    const after = q.after === undefined ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) {
      return problem(
        c,
        400,
        'after: expected the sequence number of an audit entry (next of the previous page)',
      );
    }
    const items = (await deps.audit?.after(after, limit)) ?? [];
    const next = items.length === limit ? String(items.at(-1)!.seq) : null;
    return c.json({ items, next, limit }, 200);
  });
};

export const apiRoutes = (deps: ApiRouteDeps) => {
  const clock = deps.clock ?? systemClock;
  const app = newApiApp();
  app.use('*', privateRevalidated, etag());
  const gate = requireToken(deps.tokens, 'console:read', deps.remoteAddr);
  app.use('*', (c, next) => (c.req.path === `${API_BASE}${OPENAPI_PATH}` ? next() : gate(c, next)));

  app.openapi(summaryRoute, async (c) => {
    // The ETag comes with the cached summary: the etag middleware then compares, never hashes.
    const { json, etag } = await deps.publisher.current();
    return c.body(json, 200, { 'Content-Type': 'application/json', ETag: etag });
  });
  app.openapi(signedSummaryRoute, async (c) => {
    const { jws, etag } = await deps.publisher.signed();
    return c.body(jws, 200, { 'Content-Type': 'application/jose', ETag: etag });
  });
  app.openapi(siteKeyRoute, (c) => {
    const k = deps.key.publicKey;
    return c.json(
      {
        siteId: k.siteId,
        kid: k.kid,
        alg: 'Ed25519' as const,
        jwk: k.jwk,
        pem: k.pem,
        createdAt: k.createdAt,
      },
      200,
    );
  });
  listRoutes(app, deps, clock);

  app.openapi(changesRoute, async (c) => {
    const q = c.req.valid('query');
    const limit = clampLimit(q.limit);
    const answer = await deps.changes.since(parseSince(q.since), limit);
    if (answer.kind === 'gone') {
      return problem(
        c,
        410,
        `since: changes up to ${answer.floor} are no longer kept; pull again from since=0`,
      );
    }
    const items = await changeItems(deps.lists, answer.items);
    return c.json({ epoch: answer.epoch, items, next: answer.next, more: answer.more, limit }, 200);
  });

  let document: unknown;
  app.openapi(openApiRoute, (c) => {
    document ??= app.getOpenAPI31Document(apiDocument);
    return c.json(document as Record<string, unknown>, 200);
  });
  answerTheRest(app, deps.log);
  return app;
};
