/**
 * What an offline bundle's signed envelope lists, and a bundle once read: data only, so the
 * catalog's ports can name it without importing the reader (bundle.ts).
 */
import { z } from 'zod';
import { FEED_ID } from './feed-config.js';
import type { ParsedContent } from './parsed-content.js';

export const bundleManifestSchema = z
  .object({
    format: z.literal('patch-depot-bundle/1'),
    createdAt: z.iso.datetime(),
    sequence: z.number().int().min(0),
    entries: z
      .array(
        z
          .object({
            feedId: z.string().regex(FEED_ID),
            kind: z.enum(['debian-tracker', 'osv', 'depot-manifest']),
            file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name'),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            size: z.number().int().min(0),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

export interface BundleFeed {
  feedId: string;
  kind: BundleManifest['entries'][number]['kind'];
  bytes: number;
  content: ParsedContent;
}

export interface Bundle {
  manifest: BundleManifest;
  keyId: string;
  feeds: BundleFeed[];
}
