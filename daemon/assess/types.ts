/** What assessment produces: per-host missing fixes and the site's compliance. */
import type { Severity } from '../catalog/model.js';
import type { Ecosystem } from '../platform.js';

/** One finding. Records are shared between hosts with identical findings: treat as read-only. */
export interface MissingFix {
  advisoryId: string;
  cves: string[];
  severity: Severity;
  summary: string;
  url?: string | undefined;
  feedId: string;
  /** The package the fix is keyed on: a source package for trackers/OSV, a binary for apt. */
  package: string;
  packageKind: 'source' | 'binary';
  /** Installed binaries built from `package` (just `package` for binary-keyed fixes). */
  binaries: string[];
  installed: string;
  fixed: string;
}

/** Findings shared by every host with the same (source package, version, installed binaries). */
export interface FindingGroup {
  readonly fixes: readonly MissingFix[];
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

/**
 * A host's missing fixes without a per-host copy: shared groups plus the host's own records
 * (binary-keyed fixes, rated against its source fixes). `count` is the number of missing fixes.
 */
export interface HostFindings {
  readonly count: number;
  readonly own: readonly MissingFix[];
  readonly groups: readonly FindingGroup[];
}

export interface HostAssessment {
  hostId: string;
  release: string;
  ecosystem: Ecosystem;
  /** False when no feed covers the host's release: "no missing fixes" would then be a lie. */
  covered: boolean;
  packages: number;
  /** What the host misses, in a compact shared form: list it with `missingFixesOf` when needed. */
  findings: HostFindings;
  /** Known vulnerabilities in installed packages with no fix published yet. */
  unfixed: number;
  bySeverity: Record<Severity, number>;
  compliant: boolean;
  rebootRequired: boolean;
  collectedAt: string;
}

export interface SiteCompliance {
  hosts: number;
  assessed: number;
  uncovered: number;
  compliant: number;
  /** compliant / assessed, 0..1; undefined when nothing could be assessed. */
  ratio: number | undefined;
  missingFixes: number;
  bySeverity: Record<Severity, number>;
  /** Hosts with at least one missing critical or high fix. */
  hostsAtRisk: number;
  rebootRequired: number;
}
