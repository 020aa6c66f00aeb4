/**
 * What a managed machine runs, in the words both the catalog and inventory speak: its package
 * ecosystem (which version rules compare its versions) and its OS release (which advisories apply).
 * Inventory collects them, the catalog keys fixes on them; neither owns them, so neither imports
 * the other for them.
 */
import { z } from 'zod';

/** Package manager family: decides which version rules (dpkg, rpm, apk) compare versions. */
export const ecosystems = ['dpkg', 'rpm', 'apk'] as const;
export type Ecosystem = (typeof ecosystems)[number];

export const osReleaseSchema = z
  .object({
    /** os-release `ID` (`debian`, `ubuntu`, `alpine`, `rhel`, `rocky`...). */
    id: z.string().min(1).max(64),
    /** os-release `VERSION_ID` (`12`, `22.04`, `3.19.1`); empty when the OS has none (sid). */
    versionId: z.string().max(64),
    /** os-release `VERSION_CODENAME` (`bookworm`, `jammy`); empty when unknown. */
    codename: z.string().max(64),
    /** os-release `PRETTY_NAME`, for display only. */
    prettyName: z.string().max(256),
  })
  .strict();
export type OsRelease = z.infer<typeof osReleaseSchema>;

/**
 * The longest package name or version an inventory holds, and so a feed may name (catalog/feeds/
 * text-limits.ts): one bound, so every fix a feed can name fits what an inventory can hold.
 */
export const MAX_PACKAGE_TEXT = 256;
