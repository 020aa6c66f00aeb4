/**
 * The /api/v1 contract: one zod schema per request and response, from which the routes validate
 * and the OpenAPI 3.1 document (/api/v1/openapi.json) is generated. Built from the project's own
 * schemas and lists where they exist (host records, severities, host standings), so the API and
 * the daemon cannot drift apart.
 */

import { z } from 'zod';
import { HOST_STANDINGS } from '../assess/assess.js';
import { auditRecordSchema } from '../auth/audit-log.js';
import { severities } from '../catalog/model.js';
import { hostRecordSchema } from '../hosts/host-record.js';

const count = z.number().int().min(0);
const when = z.iso.datetime();

export const problemDetailsSchema = z
  .object({
    type: z.string().meta({ description: 'always about:blank: the status says what kind of problem' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: 'what was wrong and what to do about it' }),
  })
  .meta({ id: 'Problem', description: 'An error, as RFC 9457 problem details.' });

export const bySeveritySchema = z
  .object(
    Object.fromEntries(severities.map((s) => [s, count])) as Record<
      (typeof severities)[number],
      typeof count
    >,
  )
  .meta({ id: 'BySeverity', description: 'Missing fixes per severity.' });

export const siteSchema = z
  .object({
    id: z.string().meta({ description: 'made on the first start; never changes' }),
    name: z.string(),
    applianceVersion: z.string(),
  })
  .meta({ id: 'Site' });

export const siteSummarySchema = z
  .object({
    site: siteSchema,
    since: when.meta({
      description: 'when this appliance first reported exactly these figures (they have not changed since)',
    }),
    devices: z
      .object({ total: count, online: count, new: count, scanning: z.boolean() })
      .nullable()
      .meta({ description: 'what discovery found on the LAN; null while discovery is not running' }),
    hosts: z
      .object({
        total: count,
        byStanding: z.object(
          Object.fromEntries(HOST_STANDINGS.map((s) => [s, count])) as Record<
            (typeof HOST_STANDINGS)[number],
            typeof count
          >,
        ),
      })
      .nullable()
      .meta({ description: 'machines of the host directory by where they stand; each counted once' }),
    compliance: z
      .object({
        percent: z.number().min(0).max(100),
        compliant: count,
        assessed: count,
        notCovered: count.meta({ description: 'inventoried hosts whose release no feed covers' }),
      })
      .nullable()
      .meta({ description: 'null until a host is assessed: "0 missing" would be a claim nobody checked' }),
    missingFixes: z.object({ total: count, bySeverity: bySeveritySchema }).nullable(),
    hostsAtRisk: count.nullable().meta({ description: 'hosts missing any security fix, rated or not' }),
    rebootsPending: count
      .nullable()
      .meta({ description: 'hosts whose last inventory says a reboot is pending' }),
    deployments: z
      .object({
        inProgress: count.meta({ description: 'running or paused' }),
        halted: count.meta({
          description: 'stopped by a ring gate or breaker, waiting for an administrator',
        }),
        failed: count.meta({
          description: 'not cancelled, with a host whose last outcome is failed or unreachable',
        }),
        failedHosts: count,
      })
      .nullable()
      .meta({ description: 'null when deployments are off' }),
    cache: z
      .object({
        bytesFromCache: count.meta({ description: 'bytes served from the cache: WAN traffic saved' }),
        bytesFromUpstream: count,
        hitRatio: z.number().min(0).max(1),
      })
      .nullable()
      .meta({ description: 'null when the cache is disabled' }),
    feeds: z.object({
      enabled: count,
      synced: count.meta({ description: 'feeds with a snapshot in use' }),
      oldestSyncAt: when.nullable().meta({ description: 'when the oldest snapshot in use was taken' }),
    }),
    problems: z
      .array(z.object({ source: z.string(), message: z.string() }))
      .meta({ description: 'the reasons /healthz gives for "degraded"; empty when all is well' }),
  })
  .meta({ id: 'SiteSummary', description: 'The site at a glance: what the dashboard shows.' });
export type ApiSiteSummary = z.infer<typeof siteSummarySchema>;

export const siteKeySchema = z
  .object({
    siteId: z.string(),
    kid: z.string().meta({ description: 'RFC 7638 SHA-256 thumbprint of the key: the fingerprint to pin' }),
    alg: z.literal('Ed25519'),
    jwk: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string() }).loose(),
    pem: z.string(),
    createdAt: when,
  })
  .meta({ id: 'SiteKey', description: 'The public key that signs summaries.' });

export const hostSchema = hostRecordSchema
  .pick({ id: true, mac: true, address: true, createdAt: true })
  .extend({
    name: z.string().meta({ description: 'host name, else address, else id' }),
    standing: z.enum(HOST_STANDINGS),
    online: z.boolean().nullable().meta({ description: 'at the last scan; null when no scan has seen it' }),
    release: z.string().nullable().meta({ description: 'e.g. debian:bookworm; null until inventoried' }),
    packages: count.nullable(),
    missingFixes: z.object({ total: count, bySeverity: bySeveritySchema }).nullable(),
    rebootRequired: z.boolean().nullable(),
    collectedAt: when.nullable().meta({ description: 'when its inventory was collected' }),
  })
  .meta({ id: 'Host' });
export type ApiHost = z.infer<typeof hostSchema>;

export const missingFixSchema = z
  .object({
    hostId: z.string(),
    advisoryId: z.string(),
    feedId: z.string(),
    cves: z.array(z.string()),
    severity: z.enum(severities),
    summary: z.string(),
    url: z.string().nullable(),
    package: z.string(),
    packageKind: z.enum(['source', 'binary']),
    binaries: z.array(z.string()),
    installed: z.string(),
    fixed: z.string(),
  })
  .meta({ id: 'MissingFix', description: 'One fix one host misses.' });
export type ApiMissingFix = z.infer<typeof missingFixSchema>;

/** A keyset page: `next` is the cursor of the following page, null on the last one. */
export const pageSchema = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      next: z.string().nullable().meta({ description: 'pass as after= for the next page; null at the end' }),
      limit: count,
    })
    .meta({ id });

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;

const limitParam = z
  .string()
  .optional()
  .meta({
    param: { name: 'limit', in: 'query' },
    description: `items per page, 1-${MAX_LIMIT} (larger values are clamped); default ${DEFAULT_LIMIT}`,
    example: '100',
  });
const afterParam = z
  .string()
  .optional()
  .meta({ param: { name: 'after', in: 'query' }, description: 'the `next` cursor of the previous page' });

export const hostsQuerySchema = z.object({ after: afterParam, limit: limitParam });
export const auditQuerySchema = z.object({ after: afterParam, limit: limitParam });
export const auditEntrySchema = auditRecordSchema.meta({ id: 'AuditEntry' });
export const fixesQuerySchema = z.object({
  after: afterParam,
  limit: limitParam,
  host: z
    .string()
    .optional()
    .meta({ param: { name: 'host', in: 'query' }, description: 'only this host id' }),
  advisory: z
    .string()
    .optional()
    .meta({
      param: { name: 'advisory', in: 'query' },
      description: 'only this advisory (e.g. DSA-5800-1, CVE-2024-1234)',
    }),
  severity: z
    .enum(severities)
    .optional()
    .meta({ param: { name: 'severity', in: 'query' }, description: 'only this severity' }),
});

export const changePageSchema = z
  .object({
    epoch: z
      .string()
      .meta({ description: 'the numbering this feed uses; another epoch means pull again from 0' }),
    items: z.array(
      z.object({
        seq: count.meta({ description: 'when it last changed, in this feed' }),
        id: z.string().meta({ description: 'the host id' }),
        deleted: z.boolean(),
        host: hostSchema.nullable().meta({ description: 'its state now; null once deleted' }),
        missingFixes: z.array(missingFixSchema).nullable(),
      }),
    ),
    next: count.meta({ description: 'pass as since= next time (the last seq seen)' }),
    more: z
      .boolean()
      .meta({ description: 'true when the limit cut this page: ask again at once with since=next' }),
    limit: count,
  })
  .meta({ id: 'ChangePage', description: 'Hosts changed after `since`, each once, in its latest state.' });
export type ApiChangePage = z.infer<typeof changePageSchema>;

export const changesQuerySchema = z.object({
  since: z
    .string()
    .optional()
    .meta({
      param: { name: 'since', in: 'query' },
      description: 'the `next` of the last page pulled; 0 (the default) for everything',
      example: '0',
    }),
  limit: limitParam,
});
