/**
 * Offline bundles for air-gapped sites: a zip holding feed documents plus `bundle.json`, an Ed25519
 * signed envelope (signatures.ts) whose payload lists every file with its feed id, kind, size and
 * SHA-256. Import verifies the signature, then every file's hash, then parses every document with
 * its feed adapter; only when all of that passed are snapshots replaced. Bundles carry a sequence
 * number so an old bundle cannot roll a site back.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { zipSync } from 'fflate';
import { forEachZipEntry } from '../decompress.js';
import { DepotError } from '../errors.js';
import { type Bundle, type BundleManifest, bundleManifestSchema } from './bundle-manifest.js';
import { parseDocument } from './feeds/parse-document.js';
import { parseJson, validate } from './feeds/validate.js';
import type { ParsedContent } from './parsed-content.js';
import type { BundleRequest } from './ports.js';
import { openEnvelope, signEnvelope } from './signatures.js';

export {
  type Bundle,
  type BundleFeed,
  type BundleManifest,
  bundleManifestSchema,
} from './bundle-manifest.js';

const WHAT = 'bundle';
const ENVELOPE = 'bundle.json';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Unpack (capped: a bundle can be a zip bomb), verify and parse a bundle; runs in the feed worker. */
export const readBundle = (req: BundleRequest): Bundle => {
  const files: Record<string, Uint8Array> = {};
  forEachZipEntry(
    req.zip,
    {
      what: WHAT,
      maxEntryBytes: req.maxFeedBytes,
      entrySetting: 'catalog.maxFeedMB',
      maxTotalBytes: req.maxUnpackedBytes,
      setting: 'catalog.maxUnpackedMB',
    },
    () => true,
    (name, data) => {
      files[name] = data;
    },
  );
  const env = files[ENVELOPE];
  if (!env) throw new DepotError('BAD_INPUT', `${WHAT}: no ${ENVELOPE} (is this a Patch Depot bundle?)`);
  const { payload, keyId } = openEnvelope(WHAT, env, req.trustedKeys);
  const manifest = validate(WHAT, bundleManifestSchema, parseJson(WHAT, payload));
  const feeds = manifest.entries.map((e) => {
    const body = files[e.file];
    if (!body) throw new DepotError('BAD_INPUT', `${WHAT}: ${e.file} is listed but missing`);
    if (body.length !== e.size || sha256(body) !== e.sha256) {
      throw new DepotError('BAD_INPUT', `${WHAT}: ${e.file} does not match its signed SHA-256`);
    }
    let content: ParsedContent;
    try {
      const ctx = { trustedKeys: req.trustedKeys, now: req.now, maxUnpackedBytes: req.maxUnpackedBytes };
      content = parseDocument(e.kind, body, ctx).content;
    } catch (cause) {
      throw new DepotError('BAD_INPUT', `${WHAT}: ${e.file}: ${(cause as Error).message}`, { cause });
    }
    return { feedId: e.feedId, kind: e.kind, bytes: body.length, content };
  });
  return { manifest, keyId, feeds };
};

/**
 * A bundle must be newer than the last one imported here (`lastImported` -1: none yet): an older
 * sequence would roll the site's advisories back, the same one replays a bundle already applied.
 */
export const assertNewerSequence = (sequence: number, lastImported: number): void => {
  if (sequence < lastImported) {
    throw new DepotError(
      'BAD_INPUT',
      `bundle sequence ${sequence} is older than the imported ${lastImported}; refusing a rollback`,
    );
  }
  if (sequence === lastImported) {
    throw new DepotError(
      'BAD_INPUT',
      `bundle sequence ${sequence} was already imported; refusing a replay (every new bundle needs a higher --sequence)`,
    );
  }
};

/** Build a signed bundle (HQ side, tests and the bench). */
export const writeBundle = (
  docs: { feedId: string; kind: BundleManifest['entries'][number]['kind']; file: string; body: Uint8Array }[],
  sequence: number,
  privateKey: KeyObject,
  now = new Date(),
): Uint8Array => {
  const manifest: BundleManifest = {
    format: 'patch-depot-bundle/1',
    createdAt: now.toISOString(),
    sequence,
    entries: docs.map((d) => ({
      feedId: d.feedId,
      kind: d.kind,
      file: d.file,
      sha256: sha256(d.body),
      size: d.body.length,
    })),
  };
  const env = signEnvelope(Buffer.from(JSON.stringify(manifest)), privateKey);
  return zipSync({
    [ENVELOPE]: Buffer.from(JSON.stringify(env)),
    ...Object.fromEntries(docs.map((d) => [d.file, d.body])),
  });
};
