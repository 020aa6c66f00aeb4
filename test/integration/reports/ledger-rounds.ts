/** Sites for the report tests. The rounds of ledger-writer.ts: HOSTS hosts, each round's inventory missing that round's three advisories. */
import { findingsOf } from '../../../daemon/assess/assess.js';
import type { SiteAssessment } from '../../../daemon/assess/assess-service.js';
import type { MissingFix } from '../../../daemon/assess/types.js';

export const HOSTS = 40;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;

/** Rounds are an hour apart: 30 days of history keep them all. */
export const roundTime = (round: number): number => T0 + round * HOUR;

export const advisoriesOf = (round: number): string[] => [0, 1, 2].map((k) => `A-${round}-${k}`);

export const roundSite = (round: number): SiteAssessment => {
  const missing = advisoriesOf(round).map((advisoryId) => ({
    feedId: 'f',
    advisoryId,
    package: 'openssl',
    severity: 'high',
  })) as MissingFix[];
  return {
    computedAt: new Date(roundTime(round)).toISOString(),
    catalogGeneration: 1,
    hosts: Array.from({ length: HOSTS }, (_, i) => ({
      hostId: `h${i}`,
      covered: true,
      collectedAt: new Date(roundTime(round) - 60_000 + i * 100).toISOString(),
      findings: findingsOf(missing),
    })),
    compliance: {
      hosts: HOSTS,
      assessed: HOSTS,
      uncovered: 0,
      compliant: 0,
      ratio: 0,
      missingFixes: HOSTS * 3,
      bySeverity: { critical: 0, high: HOSTS * 3, medium: 0, low: 0, negligible: 0, unknown: 0 },
      hostsAtRisk: HOSTS,
      rebootRequired: 0,
    },
    advisories: [],
    ms: 1,
  } as unknown as SiteAssessment;
};

/** One host, h1, whose inventory collected at `at` misses `missing` fixes (A-0, A-1, ...). */
export const oneHostSite = (missing: number, at = Date.now()): SiteAssessment =>
  ({
    computedAt: new Date(at).toISOString(),
    catalogGeneration: 1,
    hosts: [
      {
        hostId: 'h1',
        covered: true,
        collectedAt: new Date(at).toISOString(),
        findings: findingsOf(
          Array.from({ length: missing }, (_, i) => ({
            feedId: 'f',
            advisoryId: `A-${i}`,
            package: 'openssl',
            severity: 'high',
          })) as MissingFix[],
        ),
      },
    ],
    compliance: {
      hosts: 1,
      assessed: 1,
      uncovered: 0,
      compliant: missing ? 0 : 1,
      ratio: missing ? 0 : 1,
      missingFixes: missing,
      bySeverity: { critical: 0, high: missing, medium: 0, low: 0, negligible: 0, unknown: 0 },
      hostsAtRisk: missing ? 1 : 0,
      rebootRequired: 0,
    },
    advisories: [],
    ms: 1,
  }) as unknown as SiteAssessment;
