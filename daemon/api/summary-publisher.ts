/**
 * The site summary as the console API serves it: the dashboard's figures (reports/site-summary)
 * in the API contract, with the site's identity, as JSON and as a compact JWS signed with the site
 * key. The body only changes when a figure changes (its `since` is when it last did), so an
 * unchanged site answers a console's If-None-Match with 304, and the JWS of an unchanged summary
 * is byte for byte the one before (Ed25519 signatures are deterministic).
 */
import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../lifecycle.js';
import { type SiteSources, type SiteSummary, siteSummary } from '../reports/site-summary.js';
import type { ApiSiteSummary } from './contract.js';
import type { SiteKey } from './site-key.js';

export interface PublisherOptions {
  sources: SiteSources;
  key: SiteKey;
  siteName: string;
  version: string;
  clock?: Clock;
  /** A summary this young is served again instead of recomputed (200 consoles polling at once). */
  reuseMs?: number;
}

export interface PublishedSummary {
  body: ApiSiteSummary;
  /** The exact JSON bytes served and signed. */
  json: string;
  /** Its entity tag, computed once: a poll that matches it costs no hashing at all. */
  etag: string;
}

/** A strong entity tag over exactly these bytes (the form hono's etag middleware makes). */
const entityTag = (bytes: string): string => `"${createHash('sha1').update(bytes).digest('hex')}"`;

type Figures = Omit<ApiSiteSummary, 'since'>;

const percent = (ratio: number | undefined): number => Math.round((ratio ?? 0) * 10_000) / 100;

export const apiFigures = (s: SiteSummary, site: ApiSiteSummary['site']): Figures => {
  const c = s.compliance;
  return {
    site,
    devices: s.devices ?? null,
    hosts: s.hosts ?? null,
    compliance: c
      ? { percent: percent(c.ratio), compliant: c.compliant, assessed: c.assessed, notCovered: c.uncovered }
      : null,
    missingFixes: c ? { total: c.missingFixes, bySeverity: c.bySeverity } : null,
    hostsAtRisk: c?.hostsAtRisk ?? null,
    rebootsPending: c?.rebootRequired ?? null,
    deployments: s.deployments ?? null,
    cache: s.cache
      ? {
          bytesFromCache: s.cache.fromCache,
          bytesFromUpstream: s.cache.fromUpstream,
          hitRatio: s.cache.hitRatio,
        }
      : null,
    feeds: { enabled: s.feeds.enabled, synced: s.feeds.synced, oldestSyncAt: s.feeds.oldestSyncAt ?? null },
    problems: s.problems.map(({ source, message }) => ({ source, message })),
  };
};

export class SummaryPublisher {
  private readonly clock: Clock;
  private last: { digest: string; since: string; at: number; summary: PublishedSummary } | undefined;
  private computing: Promise<PublishedSummary> | undefined;
  private signedFor: { json: string; jws: Promise<{ jws: string; etag: string }> } | undefined;

  constructor(private readonly opts: PublisherOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** The current summary (recomputed at most every `reuseMs`, one computation at a time). */
  current(): Promise<PublishedSummary> {
    const last = this.last;
    if (last && this.clock.now() - last.at < (this.opts.reuseMs ?? 1000))
      return Promise.resolve(last.summary);
    this.computing ??= this.compute().finally(() => {
      this.computing = undefined;
    });
    return this.computing;
  }

  /** The current summary as a compact JWS over its JSON bytes, with the JWS's entity tag. */
  async signed(): Promise<{ jws: string; etag: string }> {
    const { json } = await this.current();
    if (this.signedFor?.json !== json) {
      const jws = this.opts.key.sign(Buffer.from(json)).then((jws) => ({ jws, etag: entityTag(jws) }));
      this.signedFor = { json, jws };
    }
    return this.signedFor.jws;
  }

  private async compute(): Promise<PublishedSummary> {
    const site = {
      id: this.opts.key.publicKey.siteId,
      name: this.opts.siteName,
      applianceVersion: this.opts.version,
    };
    const figures = apiFigures(await siteSummary(this.opts.sources), site);
    const digest = createHash('sha256').update(JSON.stringify(figures)).digest('hex');
    const now = this.clock.now();
    const since = this.last?.digest === digest ? this.last.since : new Date(now).toISOString();
    // The site first and `since` beside it: what a person reading the JSON looks for first.
    const { site: _site, ...rest } = figures;
    const body: ApiSiteSummary = { site, since, ...rest };
    const json = JSON.stringify(body);
    const summary = {
      body,
      json,
      etag: this.last?.summary.json === json ? this.last.summary.etag : entityTag(json),
    };
    this.last = { digest, since, at: now, summary };
    return summary;
  }
}
