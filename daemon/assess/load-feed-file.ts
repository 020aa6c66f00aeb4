/**
 * Read a feed document from a file for offline use (the assess CLI, bundle building): the format is
 * recognised from the content, not the name. Zip or a JSON array or a record with `affected` is
 * OSV; a signed envelope is a Patch Depot manifest; an object of package -> CVE maps is the
 * Debian tracker.
 */
import { readFile } from 'node:fs/promises';
import { packDebianTracker } from '../catalog/feeds/debian-tracker.js';
import { manifestToContent, readManifest } from '../catalog/feeds/depot-manifest.js';
import { parseOsv } from '../catalog/feeds/osv.js';
import type { FeedKind } from '../catalog/model.js';
import type { ParsedContent } from '../catalog/parsed-content.js';
import { DepotError, isSystemError, systemErrorReason } from '../errors.js';

export const detectFeedKind = (body: Uint8Array): Exclude<FeedKind, 'apt'> => {
  if (body[0] === 0x50 && body[1] === 0x4b) return 'osv';
  const head = Buffer.from(body.subarray(0, 4096)).toString('utf8').trimStart();
  if (head.startsWith('[')) return 'osv';
  if (/"format"\s*:\s*"patch-depot-signed\/1"/.test(head)) return 'depot-manifest';
  if (/^\{\s*"(schema_version|id|modified|affected|aliases)"\s*:/.test(head)) return 'osv';
  return 'debian-tracker';
};

export const loadFeedFile = async (
  path: string,
  /** Most an OSV zip may inflate to (`catalog.maxUnpackedMB`). */
  maxUnpackedBytes: number,
  trustedKeys: string[] = [],
  now = new Date(),
): Promise<{ kind: Exclude<FeedKind, 'apt'>; content: ParsedContent }> => {
  let body: Uint8Array;
  try {
    body = await readFile(path);
  } catch (cause) {
    const why = isSystemError(cause) ? systemErrorReason(cause) : (cause as Error).message;
    throw new DepotError('BAD_INPUT', `${path}: cannot read: ${why}`, { cause });
  }
  const kind = detectFeedKind(body);
  try {
    switch (kind) {
      case 'osv':
        return { kind, content: parseOsv(body, maxUnpackedBytes) };
      case 'depot-manifest': {
        const { manifest, keyId } = readManifest(body, trustedKeys, now);
        return { kind, content: manifestToContent(manifest, keyId) };
      }
      case 'debian-tracker':
        return { kind, content: packDebianTracker(body) };
    }
  } catch (cause) {
    if (cause instanceof DepotError) throw new DepotError(cause.code, `${path}: ${cause.message}`, { cause });
    throw cause;
  }
};
