/**
 * apt repository indexes: InRelease verified with gpgv against the configured keyring, then each
 * wanted Packages index fetched (by hash when the repository offers it, so a mirror update between
 * the two requests cannot mix generations) and checked against the Release SHA256 list before it
 * is parsed, in the feed worker (apt-packages.ts). Every binary package becomes a fix "version V
 * available" for its release: the WSUS "needed updates" view. Nothing unverified is ever parsed.
 */
import { createHash } from 'node:crypto';
import { compressionOf, decompress } from '../../decompress.js';
import type { FeedSpec } from '../feed-config.js';
import type { FeedContent } from '../model.js';
import type { FeedContext, FeedSyncResult } from './adapter.js';
import type { AptIndexesRequest } from './apt-packages.js';
import { type AptRelease, checkFreshness, parseRelease } from './apt-release.js';
import { feedError } from './validate.js';

type AptSpec = Extract<FeedSpec, { kind: 'apt' }>;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

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
  const indexes: AptIndexesRequest['indexes'] = [];
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
      indexes.push({ path: index.path, bytes: raw });
    }
  }
  ctx.progress?.('parsing the indexes');
  const { codename, suite, label, origin, date } = rel;
  const info = { codename, suite, label, origin, date };
  const request = { what, release: aptReleaseKey(spec, rel), rel: info, indexes };
  const { content } = await ctx.parser.aptIndexes(request, ctx.signal);
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
