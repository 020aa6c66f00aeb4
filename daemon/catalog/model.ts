/**
 * The one advisory/fix model every feed is normalised into, and what assessment reads. A feed
 * snapshot is a list of advisories; each advisory lists fixes per (release, package).
 */
import type { Ecosystem } from '../platform.js';

/**
 * A file name a device asks the TFTP server for: no folders, no leading dot, at most 128 characters
 * of letters, digits, '.', '_', '+' and '-'. A signed manifest's file names and files uploaded in
 * the UI are held to it alike, so a name that could never be staged is refused with its feed.
 */
export const DEVICE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export const severities = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
export type Severity = (typeof severities)[number];

/** Sort key: critical first. */
export const severityRank: Record<Severity, number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  negligible: 4,
  unknown: 5,
};

export const feedKinds = ['debian-tracker', 'osv', 'apt', 'depot-manifest'] as const;
export type FeedKind = (typeof feedKinds)[number];

export interface Fix {
  /** Which version rules apply; `firmware` fixes come from vendor manifests and match devices. */
  ecosystem: Ecosystem | 'firmware';
  /** Normalised release key (`debian:bookworm`, `ubuntu:22.04`, `alpine:3.19`), see release-key.ts. */
  release: string;
  /** Package the fix applies to. */
  package: string;
  /** Trackers and OSV name source packages; apt indexes and rpm errata may name binaries. */
  packageKind: 'source' | 'binary';
  /** First fixed version; undefined = affected and not fixed yet in this release. */
  fixedVersion?: string | undefined;
  /** Versions before this are not affected (OSV `introduced`); undefined = all earlier. */
  introduced?: string | undefined;
  /** For binary-keyed fixes from apt indexes: the source package the binary is built from. */
  source?: string | undefined;
  /** Per-release severity when the feed gives one (Debian urgency), else the advisory's. */
  severity?: Severity | undefined;
}

export interface Advisory {
  /** DSA-5532-1, CVE-2024-1234, USN-6500-1, ALPINE-CVE-..., vendor ids. */
  id: string;
  /** CVE ids this advisory covers (including `id` when it is a CVE). */
  cves: string[];
  summary: string;
  severity: Severity;
  published?: string | undefined;
  url?: string | undefined;
  fixes: Fix[];
}

/** A vendor file (firmware, installer) listed by a signed Patch Depot manifest. */
export interface VendorFile {
  vendor: string;
  product: string;
  version: string;
  name: string;
  sha256: string;
  size: number;
  url?: string | undefined;
  models?: string[] | undefined;
  advisory?: string | undefined;
}

/** What one successful sync of one feed produced. */
export interface FeedContent {
  advisories: Advisory[];
  files?: VendorFile[] | undefined;
  /** Human summary of what the feed held, for the sync history (`12,345 CVEs in 3 releases`). */
  note?: string | undefined;
}

/** What a feed remembers between syncs: HTTP validators and, for apt, the trusted Release date. */
export interface FeedState {
  etag?: string | undefined;
  lastModified?: string | undefined;
  releaseDate?: string | undefined;
  /**
   * SHA-256 of the last document (InRelease for apt): servers without ETag/Last-Modified still
   * cost only that download when nothing changed.
   */
  sha256?: string | undefined;
  /** Signed manifests: the highest sequence accepted so far (older ones are replays). */
  sequence?: number | undefined;
}

/** A feed's last good content and how it was obtained, as stored in DATA_DIR/catalog/feeds/. */
export interface SnapshotMeta {
  feedId: string;
  kind: FeedKind;
  /** `network` for scheduled/manual syncs, `bundle` for offline imports. */
  origin: 'network' | 'bundle';
  syncedAt: string;
  state: FeedState;
  bytes: number;
  note?: string | undefined;
}

export interface Snapshot {
  meta: SnapshotMeta;
  content: FeedContent;
}
