/**
 * OSV records (ossf.github.io/osv-schema) for the Debian, Ubuntu and Alpine ecosystems: a single
 * record, a JSON array of records, or a zip dump (e.g. `<ecosystem>/all.zip`) with one record per
 * file. Records of other ecosystems are skipped; a malformed record rejects the whole feed.
 */
import { z } from 'zod';
import { forEachZipEntry } from '../../decompress.js';
import type { Advisory, FeedContent, Fix, Severity } from '../model.js';
import { osvEcosystemRelease } from '../release-key.js';
import { isValidApkVersion } from '../versions/apk-version.js';
import { parseDpkgVersion } from '../versions/dpkg-version.js';
import { cvss3BaseScore, scoreToSeverity } from './cvss.js';
import { urgencyToSeverity } from './debian-tracker.js';
import { jsonMembers } from './json-members.js';
import { feedError, parseJson, validate } from './validate.js';

const WHAT = 'OSV';

const eventSchema = z.union([
  z.object({ introduced: z.string().min(1) }),
  z.object({ fixed: z.string().min(1) }),
  z.object({ last_affected: z.string().min(1) }),
  z.object({ limit: z.string().min(1) }),
]);

const affectedSchema = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }),
  ranges: z
    .array(z.object({ type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']), events: z.array(eventSchema).min(1) }))
    .optional(),
  versions: z.array(z.string()).optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'not an OSV id'),
  modified: z.string().min(1),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvRecord = z.infer<typeof osvRecordSchema>;

type SeverityList = { type: string; score: string }[] | undefined;

const fromSeverityList = (list: SeverityList): Severity | undefined => {
  for (const s of list ?? []) {
    if (s.type === 'Ubuntu') {
      const label = s.score.toLowerCase();
      if (
        label === 'critical' ||
        label === 'high' ||
        label === 'medium' ||
        label === 'low' ||
        label === 'negligible'
      )
        return label;
    }
    if (s.type === 'CVSS_V3') {
      const score = cvss3BaseScore(s.score);
      if (score !== undefined) return scoreToSeverity(score);
    }
  }
  return undefined;
};

const fromDatabaseSpecific = (db: Record<string, unknown> | undefined): Severity | undefined => {
  const raw = db?.severity ?? db?.urgency;
  if (typeof raw !== 'string') return undefined;
  const s = raw.toLowerCase();
  if (s === 'moderate') return 'medium';
  if (['critical', 'high', 'medium', 'low', 'negligible'].includes(s)) return s as Severity;
  const u = urgencyToSeverity(s);
  return u === 'unknown' ? undefined : u;
};

const checkVersion = (rules: 'dpkg' | 'apk' | 'rpm', v: string, where: string): void => {
  if (v === '0') return; // OSV's "introduced: 0" = from the beginning
  if (rules === 'dpkg') {
    const p = parseDpkgVersion(v);
    if ('error' in p) throw feedError(WHAT, `${where}: version "${v}": ${p.error}`);
  } else if (rules === 'rpm') {
    if (!/^(\d+:)?[A-Za-z0-9._+~^-]+$/.test(v))
      throw feedError(WHAT, `${where}: "${v}" is not an rpm version`);
  } else if (!isValidApkVersion(v)) {
    throw feedError(WHAT, `${where}: "${v}" is not an Alpine version`);
  }
};

/** One OSV record -> advisory, or undefined when it has nothing for the ecosystems we assess. */
export const osvToAdvisory = (rec: OsvRecord): Advisory | undefined => {
  if (rec.withdrawn) return undefined;
  const fixes: Fix[] = [];
  let severity = fromSeverityList(rec.severity) ?? fromDatabaseSpecific(rec.database_specific);
  for (const [ai, aff] of (rec.affected ?? []).entries()) {
    const eco = osvEcosystemRelease(aff.package.ecosystem);
    if (!eco) continue;
    const affSeverity =
      fromSeverityList(aff.severity) ??
      fromDatabaseSpecific(aff.ecosystem_specific) ??
      fromDatabaseSpecific(aff.database_specific);
    severity ??= affSeverity;
    // Debian, Ubuntu and Alpine records name source packages; the EL rebuilds name binary RPMs.
    const packageKind: 'source' | 'binary' = eco.rules === 'rpm' ? 'binary' : 'source';
    for (const [ri, range] of (aff.ranges ?? []).entries()) {
      if (range.type !== 'ECOSYSTEM') continue;
      let introduced: string | undefined;
      let open = false;
      for (const [ei, ev] of range.events.entries()) {
        const where = `${rec.id}.affected.${ai}.ranges.${ri}.events.${ei}`;
        const base = {
          ecosystem: eco.rules,
          release: eco.release,
          package: aff.package.name,
          packageKind,
        };
        if ('introduced' in ev) {
          checkVersion(eco.rules, ev.introduced, where);
          introduced = ev.introduced === '0' ? undefined : ev.introduced;
          open = true;
        } else if ('fixed' in ev) {
          checkVersion(eco.rules, ev.fixed, where);
          fixes.push({ ...base, fixedVersion: ev.fixed, introduced, severity: affSeverity });
          open = false;
        } else if ('last_affected' in ev || 'limit' in ev) {
          fixes.push({ ...base, fixedVersion: undefined, introduced, severity: affSeverity });
          open = false;
        }
      }
      if (open) {
        fixes.push({
          ecosystem: eco.rules,
          release: eco.release,
          package: aff.package.name,
          packageKind,
          fixedVersion: undefined,
          introduced,
          severity: affSeverity,
        });
      }
    }
  }
  if (fixes.length === 0) return undefined;
  const cves = [
    ...new Set(
      [
        rec.id,
        ...(rec.aliases ?? []),
        ...(rec.upstream ?? []),
        // Vendor advisories (USN, ALSA) list the CVEs they fix under `related`; a CVE record's
        // `related` entries are other vulnerabilities and stay out.
        ...(rec.id.startsWith('CVE-') ? [] : (rec.related ?? [])),
      ].filter((a) => /^CVE-\d{4}-\d+$/.test(a)),
    ),
  ];
  // Only web links: a reference is rendered as a link, and a feed must not smuggle in javascript:.
  const links = (rec.references ?? []).filter((r) => /^https?:\/\//i.test(r.url));
  const advisoryUrl = links.find((r) => r.type === 'ADVISORY')?.url ?? links[0]?.url;
  return {
    id: rec.id,
    cves,
    summary: (rec.summary || rec.details?.split('\n')[0] || '').slice(0, 500),
    severity: severity ?? 'unknown',
    published: rec.published,
    url: advisoryUrl,
    fixes,
  };
};

const isZip = (b: Uint8Array): boolean =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** One OSV record is a few KB (the largest real ones about 1 MB): an entry above this is refused. */
export const MAX_OSV_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Records from a zip dump, a JSON array or a single JSON record. A zip is inflated one entry at a
 * time, an array read one record at a time, each record validated and its bytes dropped; a zip
 * inflates to at most `maxUnpackedBytes` in total.
 */
export const readOsvRecords = (body: Uint8Array, maxUnpackedBytes: number): OsvRecord[] => {
  if (isZip(body)) {
    const records = new Map<string, OsvRecord>();
    forEachZipEntry(
      body,
      {
        what: `${WHAT} zip dump`,
        maxEntryBytes: MAX_OSV_RECORD_BYTES,
        maxTotalBytes: maxUnpackedBytes,
        setting: 'catalog.maxUnpackedMB',
      },
      (name) => name.endsWith('.json'),
      (name, data) => {
        records.set(name, validate(`${WHAT} ${name}`, osvRecordSchema, parseJson(`${WHAT} ${name}`, data)));
      },
    );
    if (records.size === 0) throw feedError(WHAT, 'zip dump holds no .json records');
    return [...records.keys()].sort().map((name) => records.get(name)!);
  }
  let at = 0;
  while (body[at] === 0x20 || body[at] === 0x0a || body[at] === 0x0d || body[at] === 0x09) at++;
  if (body[at] !== 0x5b) return [validate(WHAT, osvRecordSchema, parseJson(WHAT, body))];
  // An array of records is read one record at a time, like a zip dump.
  const records: OsvRecord[] = [];
  for (const record of jsonMembers(body, WHAT, 'array'))
    records.push(validate(`${WHAT} record ${records.length}`, osvRecordSchema, record.parse()));
  return records;
};

export const parseOsv = (body: Uint8Array, maxUnpackedBytes: number): FeedContent => {
  const records = readOsvRecords(body, maxUnpackedBytes);
  const advisories = records.map(osvToAdvisory).filter((a): a is Advisory => a !== undefined);
  const skipped = records.length - advisories.length;
  return {
    advisories,
    note: `${advisories.length} advisories from ${records.length} OSV records${skipped ? ` (${skipped} for other ecosystems or withdrawn)` : ''}`,
  };
};
