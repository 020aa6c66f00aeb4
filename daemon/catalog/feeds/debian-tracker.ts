/**
 * Debian Security Tracker JSON (security-tracker.debian.org/tracker/data/json):
 *   { "<source package>": { "<CVE or TEMP id>": { description, scope, debianbug,
 *       releases: { "<codename>": { status, fixed_version, urgency, repositories, nodsa } } } } }
 * Keys are SOURCE package names. `resolved` with fixed_version "0" means the release was never
 * affected; `open`/`undetermined` means affected with no fix yet. One advisory per CVE, with a fix
 * for every (release, package) the tracker lists.
 */
import { z } from 'zod';
import type { Advisory, FeedContent, Fix, Severity } from '../model.js';
import { severityRank } from '../model.js';
import { debianTrackerRelease } from '../release-key.js';
import { parseDpkgVersion } from '../versions/dpkg-version.js';
import { jsonMembers } from './json-members.js';
import { feedError, validate } from './validate.js';

const WHAT = 'Debian security tracker';

const releaseSchema = z.object({
  status: z.enum(['resolved', 'open', 'undetermined']),
  fixed_version: z.string().min(1).optional(),
  urgency: z.string(),
  repositories: z.record(z.string(), z.string()).optional(),
  nodsa: z.string().optional(),
  nodsa_reason: z.string().optional(),
});

const entrySchema = z.object({
  description: z.string().optional(),
  scope: z.string().optional(),
  debianbug: z.number().int().optional(),
  releases: z.record(
    z.string().regex(/^[a-z][a-z0-9-]*$/, 'release names are lower-case codenames'),
    releaseSchema,
  ),
});

const trackerSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, 'not a Debian source package name'),
  z.record(
    z.string().regex(/^(CVE-\d{4}-\d{4,}|TEMP-\d{7}-[0-9A-F]{6})$/, 'not a CVE or TEMP id'),
    entrySchema,
  ),
);

/** Tracker urgencies; a trailing `*` or `**` marks an urgency guessed from NVD. */
export const urgencyToSeverity = (urgency: string): Severity => {
  switch (urgency.replace(/\*+$/, '').trim()) {
    case 'unimportant':
      return 'negligible';
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    default:
      return 'unknown'; // "not yet assigned", "end-of-life"
  }
};

const worst = (a: Severity, b: Severity): Severity => {
  if (a === 'unknown') return b;
  if (b === 'unknown') return a;
  return severityRank[a] <= severityRank[b] ? a : b;
};

/**
 * Parsed one source package at a time (json-members.ts): the full tracker is about 100 MB, and
 * as one JSON.parse plus validation it took several times that in memory.
 */
export const parseDebianTracker = (body: Uint8Array | string): FeedContent => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const byCve = new Map<string, Advisory>();
  const releases = new Set<string>();
  let fixes = 0;
  for (const member of jsonMembers(bytes, WHAT, 'object')) {
    // Validated as a one-package tracker, so problems are named by their full path.
    const one = validate(WHAT, trackerSchema, { [member.key!]: member.parse() });
    const [pkg, cves] = Object.entries(one)[0]!;
    for (const [cve, entry] of Object.entries(cves)) {
      for (const [release, r] of Object.entries(entry.releases)) {
        if (r.status === 'resolved' && r.fixed_version === undefined) {
          throw feedError(WHAT, `${pkg}.${cve}.releases.${release}: resolved without fixed_version`);
        }
        if (r.status === 'resolved' && r.fixed_version === '0') continue; // never affected
        if (r.fixed_version !== undefined && r.status === 'resolved') {
          const parsed = parseDpkgVersion(r.fixed_version);
          if ('error' in parsed) {
            throw feedError(
              WHAT,
              `${pkg}.${cve}.releases.${release}.fixed_version "${r.fixed_version}": ${parsed.error}`,
            );
          }
        }
        const severity = urgencyToSeverity(r.urgency);
        const fix: Fix = {
          ecosystem: 'dpkg',
          release: debianTrackerRelease(release),
          package: pkg,
          packageKind: 'source',
          fixedVersion: r.status === 'resolved' ? r.fixed_version : undefined,
          severity,
        };
        let adv = byCve.get(cve);
        if (!adv) {
          adv = {
            id: cve,
            cves: cve.startsWith('CVE-') ? [cve] : [],
            summary: (entry.description ?? '').slice(0, 500),
            severity: 'unknown',
            url: `https://security-tracker.debian.org/tracker/${cve}`,
            fixes: [],
          };
          byCve.set(cve, adv);
        }
        if (!adv.summary && entry.description) adv.summary = entry.description.slice(0, 500);
        adv.severity = worst(adv.severity, severity);
        adv.fixes.push(fix);
        releases.add(release);
        fixes++;
      }
    }
  }
  return {
    advisories: [...byCve.values()],
    note: `${byCve.size} CVEs, ${fixes} package fixes in ${releases.size} releases`,
  };
};
