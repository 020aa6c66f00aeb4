/**
 * apt Packages indexes as fixes: each binary package is a fix "version V available" for its
 * release, grouped into one advisory per source package and version. Runs in the feed worker
 * (feed-tasks.ts): an index is up to catalog.maxUnpackedMB of text, and parsed on the daemon's
 * thread a big or hostile one held it for tens of seconds and grew its heap without a limit.
 */
import type { Advisory, FeedContent, Fix } from '../model.js';
import { parseDpkgVersion } from '../versions/dpkg-version.js';
import type { AptRelease } from './apt-release.js';
import { parseDeb822 } from './deb822.js';
import { checkContentLengths } from './text-limits.js';
import { feedError } from './validate.js';

export interface AptPackage {
  name: string;
  version: string;
  arch: string;
  source: string;
  sourceVersion: string;
}

export const parsePackagesIndex = (what: string, text: string): AptPackage[] =>
  parseDeb822(text).map((s, i) => {
    const name = s.get('package');
    const version = s.get('version');
    if (!name || !version) throw feedError(what, `stanza ${i + 1} lacks Package or Version`);
    const parsed = parseDpkgVersion(version);
    if ('error' in parsed) throw feedError(what, `${name} ${version}: ${parsed.error}`);
    // "Source: openssh" or "Source: glibc (2.36-9+deb12u4)" when the source version differs.
    const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(s.get('source') ?? name);
    if (!m) throw feedError(what, `${name}: unreadable Source field`);
    return {
      name,
      version,
      arch: s.get('architecture') ?? '',
      source: m[1]!,
      sourceVersion: m[2] ?? version,
    };
  });

/** What of the Release names the advisories (the rest stays with the sync). */
export type AptReleaseInfo = Pick<AptRelease, 'codename' | 'suite' | 'label' | 'origin' | 'date'>;

export const packagesToContent = (
  rel: AptReleaseInfo,
  release: string,
  packages: AptPackage[],
): FeedContent => {
  const bySource = new Map<string, Advisory>();
  // Each source's binaries already given a fix (version, then name: a version holds no NUL): a
  // lookup, not a search of its fixes so far (one source of 100,000 binaries held the daemon's
  // thread for 83 s, past the systemd watchdog).
  const kept = new Map<Advisory, Set<string>>();
  for (const p of packages) {
    const key = `${p.source}_${p.sourceVersion}`;
    let adv = bySource.get(key);
    if (!adv) {
      adv = {
        id: `${rel.codename || rel.suite}/${key}`,
        cves: [],
        summary: `${p.source} ${p.sourceVersion} in ${rel.label || rel.origin} ${rel.codename || rel.suite}`,
        severity: 'unknown',
        published: rel.date.toISOString(),
        fixes: [],
      };
      bySource.set(key, adv);
      kept.set(adv, new Set());
    }
    const fix: Fix = {
      ecosystem: 'dpkg',
      release,
      package: p.name,
      packageKind: 'binary',
      fixedVersion: p.version,
      // Lets assessment map binaries to sources for inventories that did not say (libc6 -> glibc).
      source: p.source,
    };
    // The same binary appears once per architecture list; keep one fix.
    const binaries = kept.get(adv)!;
    const id = `${p.version}\0${p.name}`;
    if (binaries.has(id)) continue;
    binaries.add(id);
    adv.fixes.push(fix);
  }
  return {
    advisories: [...bySource.values()],
    note: `${packages.length} packages from ${bySource.size} source packages in ${rel.codename || rel.suite} (${rel.date.toISOString()})`,
  };
};

/** The apt task of the feed worker: what a repository's verified, decompressed indexes hold. */
export interface AptIndexesRequest {
  /** Names the repository in errors (`apt debian-security`). */
  what: string;
  /** The release key the fixes apply to. */
  release: string;
  rel: AptReleaseInfo;
  /** Each index's path and bytes; handed over: the memory may move to the worker. */
  indexes: Array<{ path: string; bytes: Uint8Array }>;
}

export const aptIndexesContent = (req: AptIndexesRequest): FeedContent => {
  const packages: AptPackage[] = [];
  for (const index of req.indexes) {
    const text = Buffer.from(index.bytes.buffer, index.bytes.byteOffset, index.bytes.byteLength).toString(
      'utf8',
    );
    // One at a time: spread as arguments, an index past some 130,000 binaries overflowed the stack.
    for (const p of parsePackagesIndex(`${req.what} ${index.path}`, text)) packages.push(p);
  }
  const content = packagesToContent(req.rel, req.release, packages);
  checkContentLengths(req.what, content);
  return content;
};
