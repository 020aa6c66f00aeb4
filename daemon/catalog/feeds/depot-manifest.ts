/**
 * Patch Depot signed manifest: a vendor or the site's own HQ lists firmware and vendor files (with
 * hashes, so the cache can verify downloads) and optionally advisories, signed with Ed25519 (see
 * signatures.ts). `sequence` only ever grows: an older manifest is a replay and is refused.
 */
import { z } from 'zod';
import { ecosystems } from '../../platform.js';
import { TEMP_MARKER } from '../../store/atomic-file.js';
import type { FeedContent } from '../model.js';
import { DEVICE_FILE_NAME, severities } from '../model.js';
import type { ParsedDocument } from '../parsed-content.js';
import type { DocumentContext } from '../ports.js';
import { openEnvelope } from '../signatures.js';
import { checkContentLengths } from './text-limits.js';
import { feedError, parseJson, validate } from './validate.js';

const fixSchema = z
  .object({
    ecosystem: z.enum([...ecosystems, 'firmware']),
    release: z.string().min(1),
    package: z.string().min(1),
    packageKind: z.enum(['source', 'binary']).default('binary'),
    fixedVersion: z.string().min(1).optional(),
    introduced: z.string().min(1).optional(),
    severity: z.enum(severities).optional(),
  })
  .strict();

/** A vendor file a manifest lists; a saved index's files are checked by it too (packed-bytes.ts). */
export const vendorFileSchema = z
  .object({
    vendor: z.string().min(1),
    product: z.string().min(1),
    version: z.string().min(1),
    name: z
      .string()
      .regex(DEVICE_FILE_NAME, 'a plain file name (letters, digits, . _ + -, at most 128, no leading dot)')
      .refine((n) => !n.includes(TEMP_MARKER), `a plain file name (no "${TEMP_MARKER}")`),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().min(0),
    url: z.url({ protocol: /^https?$/ }).optional(),
    models: z.array(z.string()).optional(),
    advisory: z.string().optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    format: z.literal('patch-depot-manifest/1'),
    issuer: z.string().min(1).max(200),
    issuedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().optional(),
    sequence: z.number().int().min(0),
    files: z.array(vendorFileSchema).default([]),
    advisories: z
      .array(
        z
          .object({
            id: z.string().min(1),
            cves: z.array(z.string().regex(/^CVE-\d{4}-\d+$/)).default([]),
            summary: z.string().default(''),
            severity: z.enum(severities).default('unknown'),
            published: z.string().optional(),
            url: z.url({ protocol: /^https?$/ }).optional(),
            fixes: z.array(fixSchema).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;

export const readManifest = (
  body: Uint8Array,
  trustedKeys: string[],
  now: Date,
): { manifest: Manifest; keyId: string } => {
  const what = 'Patch Depot manifest';
  const { payload, keyId } = openEnvelope(what, body, trustedKeys);
  const manifest = validate(what, manifestSchema, parseJson(what, payload));
  if (manifest.expiresAt && new Date(manifest.expiresAt).getTime() < now.getTime()) {
    throw feedError(what, `expired at ${manifest.expiresAt}; ask ${manifest.issuer} for a current one`);
  }
  return { manifest, keyId };
};

export const manifestToContent = (manifest: Manifest, keyId: string): FeedContent => ({
  advisories: manifest.advisories.map((a) => ({ ...a, fixes: a.fixes.map((f) => ({ ...f })) })),
  files: manifest.files,
  note: `${manifest.files.length} files and ${manifest.advisories.length} advisories from ${manifest.issuer} (sequence ${manifest.sequence}, key ${keyId})`,
});

/** A manifest as a feed document: verified, and refused when older than the one trusted before. */
export const manifestDocument = (
  body: Uint8Array,
  ctx: Pick<DocumentContext, 'trustedKeys' | 'now' | 'previousSequence'>,
): ParsedDocument => {
  const { manifest, keyId } = readManifest(body, ctx.trustedKeys, ctx.now);
  if (ctx.previousSequence !== undefined && manifest.sequence < ctx.previousSequence) {
    throw feedError(
      'Patch Depot manifest',
      `sequence ${manifest.sequence} is older than the trusted ${ctx.previousSequence}; refusing a rollback`,
    );
  }
  const content = manifestToContent(manifest, keyId);
  checkContentLengths('Patch Depot manifest', content);
  return { content, sequence: manifest.sequence };
};
