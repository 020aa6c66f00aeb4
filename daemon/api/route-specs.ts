/** The /api/v1 routes as OpenAPI operations: path, parameters, responses and the scope each needs. */
import { createRoute } from '@hono/zod-openapi';
import {
  auditEntrySchema,
  auditQuerySchema,
  changePageSchema,
  changesQuerySchema,
  fixesQuerySchema,
  hostSchema,
  hostsQuerySchema,
  missingFixSchema,
  pageSchema,
  problemDetailsSchema,
  siteKeySchema,
  siteSummarySchema,
} from './contract.js';

export const SECURITY_SCHEME = 'apiToken';
const security = [{ [SECURITY_SCHEME]: ['console:read'] }];
const problemContent = { 'application/problem+json': { schema: problemDetailsSchema } };

/** Every 200 carries an ETag: send it back as If-None-Match and get 304 while nothing changed. */
const etag = {
  ETag: { description: 'the version of this answer, for If-None-Match', schema: { type: 'string' as const } },
};

/** What every authenticated route can answer besides 200. */
const common = {
  304: { description: 'Not Modified: the If-None-Match ETag still matches; nothing changed' },
  401: { description: 'missing, wrong, expired or revoked token', content: problemContent },
  403: { description: 'the token lacks the console:read scope', content: problemContent },
  429: {
    description: 'the token is over its rate (or this address sent many bad tokens); see Retry-After',
    content: problemContent,
  },
} as const;
const badInput = {
  400: { description: 'a garbage or future cursor, or a bad filter', content: problemContent },
};

export const summaryRoute = createRoute({
  method: 'get',
  path: '/summary',
  summary: 'The site summary',
  description: 'Figures change only when the site does: poll with If-None-Match and get 304 meanwhile.',
  security,
  responses: {
    200: {
      description: 'the summary',
      headers: etag,
      content: { 'application/json': { schema: siteSummarySchema } },
    },
    ...common,
  },
});

export const signedSummaryRoute = createRoute({
  method: 'get',
  path: '/summary.jws',
  summary: 'The site summary, signed',
  description:
    'A compact JWS (RFC 7515; protected header `alg: Ed25519`, `kid`, `typ: patch-depot-summary+jws`) whose ' +
    'payload is exactly the JSON body of /summary. Verify it with the site key pinned from the Settings page.',
  security,
  responses: {
    200: {
      description: 'the compact JWS',
      headers: etag,
      content: { 'application/jose': { schema: { type: 'string', example: 'eyJhbGciOiJFZDI1NTE5Ii...' } } },
    },
    ...common,
  },
});

export const siteKeyRoute = createRoute({
  method: 'get',
  path: '/site-key',
  summary: 'The public key that signs summaries',
  description: 'Pin it out of band (the Settings page shows the same fingerprint), never only from here.',
  security,
  responses: {
    200: {
      description: 'the public key',
      headers: etag,
      content: { 'application/json': { schema: siteKeySchema } },
    },
    ...common,
  },
});

export const auditRoute = createRoute({
  method: 'get',
  path: '/audit',
  summary: 'The audit log, oldest first',
  description:
    'Every change made on the appliance (and every sign-in): who, from which address, what, and how it ended. ' +
    "`next` is the last entry's sequence number: pass it as after= to pull only what is new.",
  security,
  request: { query: auditQuerySchema },
  responses: {
    200: {
      description: 'one page of audit entries',
      headers: etag,
      content: { 'application/json': { schema: pageSchema(auditEntrySchema, 'AuditPage') } },
    },
    ...badInput,
    ...common,
  },
});

export const hostsRoute = createRoute({
  method: 'get',
  path: '/hosts',
  summary: 'Machines of the host directory, by id',
  security,
  request: { query: hostsQuerySchema },
  responses: {
    200: {
      description: 'one page of hosts',
      headers: etag,
      content: { 'application/json': { schema: pageSchema(hostSchema, 'HostPage') } },
    },
    ...badInput,
    ...common,
  },
});

export const fixesRoute = createRoute({
  method: 'get',
  path: '/missing-fixes',
  summary: 'Missing fixes by host and advisory',
  description: 'Sorted by host, feed, advisory and package; filter by host, advisory (or CVE) and severity.',
  security,
  request: { query: fixesQuerySchema },
  responses: {
    200: {
      description: 'one page of missing fixes',
      headers: etag,
      content: { 'application/json': { schema: pageSchema(missingFixSchema, 'MissingFixPage') } },
    },
    ...badInput,
    ...common,
  },
});

export const openApiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document',
  description: 'Public: it describes the API and holds nothing about the site.',
  security: [],
  responses: {
    200: {
      description: 'the OpenAPI 3.1 document',
      headers: etag,
      content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
    },
    304: common[304],
  },
});

export const changesRoute = createRoute({
  method: 'get',
  path: '/changes',
  summary: 'Hosts changed since a sequence number',
  description:
    'The incremental pull: since=0 is everything; then pass the `next` of the last page. Each changed ' +
    'host comes once, in its latest state, with its missing fixes; deleted hosts come as tombstones. ' +
    'Numbers only grow, across restarts.',
  security,
  request: { query: changesQuerySchema },
  responses: {
    200: {
      description: 'the changes',
      headers: etag,
      content: { 'application/json': { schema: changePageSchema } },
    },
    ...badInput,
    410: {
      description: 'changes that old are no longer kept (deletions may be missed): pull again from since=0',
      content: problemContent,
    },
    ...common,
  },
});
