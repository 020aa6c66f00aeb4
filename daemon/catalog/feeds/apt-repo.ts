/**
 * apt repository indexes: InRelease verified with gpgv against the configured keyring, then each
 * wanted Packages index fetched (by hash when the repository offers it, so a mirror update between
 * the two requests cannot mix generations) and checked against the Release SHA256 list before it
 * is parsed. Every binary package becomes a fix "version V available" for its release: the WSUS
 * "needed updates" view. Nothing unverified is ever parsed.
 */
import { createHash } from 'node:crypto';
import { compressionOf, decompress } from '../../decompress.js';
import type { FeedSpec } from '../feed-config.js';
import type { Advisory, FeedContent, Fix } from '../model.js';
import { parseDpkgVersion } from '../versions/dpkg-version.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';
import { type AptRelease, checkFreshness, parseRelease } from './apt-release.js';
import { parseDeb822 } from './deb822.js';
import { feedError } from './validate.js';

type AptSpec = Extract<FeedSpec, { kind: 'apt' }>;

export interface AptPackage {
  name: string;
  version: string;
  arch: string;
  source: string;
  sourceVersion: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

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

/** Which release key the repository's packages apply to. */
export const aptReleaseKey = (spec: AptSpec, rel: AptRelease): string => {
  if (spec.release) return spec.release;
  if (rel.origin === 'Ubuntu' && rel.version) return `ubuntu:${rel.version}`;
  return `debian:${(rel.codename || rel.suite).split(/[-/]/)[0]}`;
};

/** Pick the index to download for `base` (…/binary-amd64/Packages): xz, then gz, then plain. */
const chooseIndex = (rel: AptRelease, base: string) => {
  for (const ext of ['.xz', '.gz', ''] as const) {
    const entry = rel.sha256.get(`${base}${ext}`);
    if (entry) return { path: `${base}${ext}`, ext, ...entry };
  }
  return undefined;
};

export const packagesToContent = (rel: AptRelease, release: string, packages: AptPackage[]): FeedContent => {
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

export const syncAptRepo = async (spec: AptSpec, ctx: FeedContext): Promise<FeedSyncResult<FeedContent>> => {
  const what = `apt ${spec.id}`;
  const root = spec.url.replace(/\/+$/, '');
  const dists = `${root}/dists/${spec.suite}`;
  ctx.progress?.('fetching InRelease');
  const res = await ctx.fetcher.fetch({
    url: `${dists}/InRelease`,
    etag: ctx.previous?.etag,
    lastModified: ctx.previous?.lastModified,
    maxBytes: ctx.maxBytes,
    signal: ctx.signal,
  });
  if (res.status === 'not-modified') return { status: 'not-modified' };
  const inReleaseHash = sha256(res.body);
  if (inReleaseHash === ctx.previous?.sha256) return { status: 'not-modified' };
  const { text, signer } = await ctx.verifier.verifyClearsigned(res.body, spec.keyring);
  const rel = parseRelease(what, text);
  const previousDate = ctx.previous?.releaseDate ? new Date(ctx.previous.releaseDate) : undefined;
  checkFreshness(what, rel, ctx.now(), previousDate);
  let bytes = res.body.length;
  const packages: AptPackage[] = [];
  for (const component of spec.components) {
    for (const arch of spec.architectures) {
      const base = `${component}/binary-${arch}/Packages`;
      const index = chooseIndex(rel, base);
      if (!index)
        throw feedError(what, `Release lists no ${base} index (components: ${rel.components.join(' ')})`);
      ctx.progress?.(`fetching ${index.path}`);
      const dir = index.path.slice(0, index.path.lastIndexOf('/'));
      const url = rel.acquireByHash
        ? `${dists}/${dir}/by-hash/SHA256/${index.hash}`
        : `${dists}/${index.path}`;
      const got = await ctx.fetcher.fetch({ url, maxBytes: ctx.maxBytes, signal: ctx.signal });
      if (got.status !== 'ok')
        throw feedError(what, `${index.path}: unexpected 304 for an unconditional request`);
      bytes += got.body.length;
      if (got.body.length !== index.size || sha256(got.body) !== index.hash) {
        throw feedError(
          what,
          `${index.path} does not match the SHA256 in the signed Release (mirror out of sync or tampered)`,
        );
      }
      const cap = {
        maxBytes: ctx.maxUnpackedBytes,
        what: `${what} ${index.path}`,
        setting: 'catalog.maxUnpackedMB',
      };
      const format = compressionOf(index.path);
      const raw = format === 'gzip' || format === 'xz' ? await decompress(got.body, format, cap) : got.body;
      // Debian also lists the uncompressed index: check the decompressed bytes against it too.
      const plain = rel.sha256.get(base);
      if (index.ext !== '' && plain && (raw.length !== plain.size || sha256(raw) !== plain.hash)) {
        throw feedError(what, `${base}: decompressed index does not match the signed Release`);
      }
      // One at a time: spread as arguments, an index past some 130,000 binaries overflowed the stack.
      for (const p of parsePackagesIndex(`${what} ${index.path}`, Buffer.from(raw).toString('utf8')))
        packages.push(p);
    }
  }
  const content = packagesToContent(rel, aptReleaseKey(spec, rel), packages);
  content.note = `${content.note}; signed by ${signer}`;
  return {
    status: 'ok',
    content,
    bytes,
    state: {
      etag: res.etag,
      lastModified: res.lastModified,
      releaseDate: rel.date.toISOString(),
      sha256: inReleaseHash,
    },
  };
};
