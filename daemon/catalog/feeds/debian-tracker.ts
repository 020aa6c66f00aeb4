/**
 * Debian Security Tracker JSON (security-tracker.debian.org/tracker/data/json):
 *   { "<source package>": { "<CVE or TEMP id>": { description, scope, debianbug,
 *       releases: { "<codename>": { status, fixed_version, urgency, repositories, nodsa } } } } }
 * Keys are SOURCE package names. `resolved` with fixed_version "0" means the release was never
 * affected; `open`/`undetermined` means affected with no fix yet. One advisory per CVE, with a fix
 * for every (release, package) the tracker lists.
 */
import { FeedPacker } from '../feed-packer.js';
import type { FeedContent, Fix, Severity } from '../model.js';
import { severityRank } from '../model.js';
import type { PackedFeed } from '../packed-feed.js';
import { debianTrackerRelease } from '../release-key.js';
import { ShardedMap } from '../sharded-map.js';
import { parseDpkgVersion } from '../versions/dpkg-version.js';
import {
  checkCve,
  checkPackageName,
  notAnObject,
  type TrackerEntry,
  type TrackerRelease,
  WHAT,
} from './debian-tracker-entry.js';
import { jsonMembers } from './json-members.js';
import { checkLength, MAX_VERSION_CHARS } from './text-limits.js';
import { feedError, parseJson } from './validate.js';

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

/** Checks each fixed version once: a tracker repeats the same few thousand versions. */
const versionChecker = () => {
  const good = new ShardedMap<string, true>();
  return (version: string, pkg: string, cve: string, release: string): void => {
    if (good.has(version)) return;
    checkLength(WHAT, `${pkg}.${cve}.releases.${release}`, 'fixed_version', version, MAX_VERSION_CHARS);
    const parsed = parseDpkgVersion(version);
    if ('error' in parsed)
      throw feedError(WHAT, `${pkg}.${cve}.releases.${release}.fixed_version "${version}": ${parsed.error}`);
    good.set(version, true);
  };
};

/** "1 release", "3 releases": the sync history reads as a sentence. */
const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const NO_CVES: string[] = []; // never written to: the packer only reads it

/**
 * Largest CVE entry parsed (real ones are a few hundred bytes). JSON.parse cannot be interrupted:
 * a tree several times a big value's size outgrew the feed worker's heap in one go, past what its
 * limit can stop, and took the daemon down with it (a 30 MB package at catalog.workerMemoryMB 64).
 */
export const MAX_TRACKER_ENTRY_BYTES = 1024 * 1024;

/**
 * A package's CVE entries, each parsed and validated on its own (the linux package alone is
 * megabytes). A CVE listed twice is refused, as a package is: its fixes would count twice.
 */
function* cvesOf(pkg: string, raw: Uint8Array): Generator<[string, TrackerEntry]> {
  checkPackageName(pkg);
  if (raw[0] !== 0x7b)
    notAnObject(pkg, raw.length <= MAX_TRACKER_ENTRY_BYTES ? parseJson(WHAT, raw) : undefined);
  const seen = new ShardedMap<string, true>();
  for (const member of jsonMembers(raw, `${WHAT}, package ${pkg}`, 'object')) {
    const cve = member.key!;
    if (seen.has(cve)) throw feedError(WHAT, `${pkg}.${cve}: the CVE appears twice in the package`);
    seen.set(cve, true);
    if (member.raw.length > MAX_TRACKER_ENTRY_BYTES)
      throw feedError(
        WHAT,
        `${pkg}.${cve}: an entry of ${member.raw.length} bytes is over the ${MAX_TRACKER_ENTRY_BYTES / 1024} KiB a tracker entry may have`,
      );
    yield [cve, checkCve(pkg, cve, member.parse())];
  }
}

/**
 * Parsed and validated one CVE entry at a time (json-members.ts, debian-tracker-entry.ts):
 * the full tracker is 50-100 MB, and as one JSON.parse plus validation it took several times that
 * in memory. A malformed entry rejects the whole feed with its path. Each fix goes straight into
 * the packed columns (feed-packer.ts): no object per advisory or fix is made on the way.
 */
export const packDebianTracker = (body: Uint8Array | string): PackedFeed => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const packer = new FeedPacker();
  const byCve = new ShardedMap<string, number>();
  const releases = new ShardedMap<string, string>();
  const severityOf = new ShardedMap<string, Severity>();
  const checkVersion = versionChecker();
  const fix: Fix = { ecosystem: 'dpkg', release: '', package: '', packageKind: 'source' };
  let fixes = 0;
  const add = (
    pkg: string,
    cve: string,
    description: string | undefined,
    release: string,
    r: TrackerRelease,
  ) => {
    if (r.status === 'resolved' && r.fixed_version === undefined)
      throw feedError(WHAT, `${pkg}.${cve}.releases.${release}: resolved without fixed_version`);
    if (r.status === 'resolved' && r.fixed_version === '0') return; // never affected
    // The path is joined only for a message: 360,000 strings per sync were a tenth of the parse.
    if (r.status === 'resolved') checkVersion(r.fixed_version!, pkg, cve, release);
    let severity = severityOf.get(r.urgency);
    if (severity === undefined) {
      severity = urgencyToSeverity(r.urgency);
      severityOf.set(r.urgency, severity);
    }
    let key = releases.get(release);
    if (key === undefined) {
      key = debianTrackerRelease(release);
      releases.set(release, key);
    }
    let adv = byCve.get(cve);
    if (adv === undefined) {
      adv = packer.advisory({
        id: cve,
        cves: cve.startsWith('CVE-') ? [cve] : NO_CVES,
        summary: (description ?? '').slice(0, 500),
        severity: 'unknown',
        url: `https://security-tracker.debian.org/tracker/${cve}`,
      });
      byCve.set(cve, adv);
    } else if (description && !packer.hasSummary(adv)) packer.setSummary(adv, description.slice(0, 500));
    packer.setSeverity(adv, worst(packer.severity(adv), severity));
    fix.release = key;
    fix.package = pkg;
    fix.fixedVersion = r.status === 'resolved' ? r.fixed_version : undefined;
    fix.severity = severity;
    packer.fix(adv, fix);
    fixes++;
  };
  // JSON leaves a repeated key to the reader; the tracker has one member per source package, and
  // adding a repeated one's fixes again would count each of them twice.
  const seen = new ShardedMap<string, true>();
  for (const member of jsonMembers(bytes, WHAT, 'object')) {
    const pkg = member.key!;
    if (seen.has(pkg)) throw feedError(WHAT, `${pkg}: the package appears twice in the tracker`);
    seen.set(pkg, true);
    for (const [cve, entry] of cvesOf(pkg, member.raw))
      for (const release in entry.releases)
        add(pkg, cve, entry.description, release, entry.releases[release]!);
  }
  return packer.finish({
    note: `${count(byCve.size, 'CVE')}, ${count(fixes, 'package fix', 'package fixes')} in ${count(releases.size, 'release')}`,
  });
};

/** The tracker as advisory objects (tools and tests): packed as the daemon keeps it, then unpacked. */
export const parseDebianTracker = (body: Uint8Array | string): FeedContent =>
  packDebianTracker(body).content();
