/**
 * Everything the one host page shows, joined under the host id: identity (asset, MAC, addresses),
 * SSH access and whether a moved machine is confirmed, what it has installed and what it is
 * missing. Long lists come back one page at a time.
 */
import { missingFixesOf } from '../assess/assess.js';
import type { HostAssessment, MissingFix } from '../assess/types.js';
import { severityRank } from '../catalog/model.js';
import type { Asset } from '../discovery/asset.js';
import type { HostOverview } from '../inventory/inventory-service.js';
import type { HostInventory, InstalledPackage } from '../inventory/types.js';
import { type Page, pageOf } from '../paging.js';
import type { HostRecord } from './host-record.js';
import { type Manageability, sshManageable } from './manageable.js';
import { type IdentityWitness, identityWitness } from './witness.js';

export interface HostPaging {
  packages: number;
  fixes: number;
}

export interface HostView {
  host: HostRecord;
  name: string;
  asset: Asset | undefined;
  target: HostOverview | undefined;
  identity: IdentityWitness;
  manage: Manageability;
  inventory: (Omit<HostInventory, 'packages' | 'hostId'> & { packages: Page<InstalledPackage> }) | undefined;
  assessment: (Omit<HostAssessment, 'findings'> & { missing: Page<MissingFix> }) | undefined;
}

export interface HostParts {
  host: HostRecord;
  name: string;
  asset: Asset | undefined;
  target: HostOverview | undefined;
  inventory: HostInventory | undefined;
  assessment: HostAssessment | undefined;
}

const bySeverity = (a: MissingFix, b: MissingFix): number =>
  severityRank[a.severity] - severityRank[b.severity] || a.package.localeCompare(b.package);

export const hostView = (parts: HostParts, paging: HostPaging): HostView => {
  const { inventory: inv, assessment: a } = parts;
  return {
    host: parts.host,
    name: parts.name,
    asset: parts.asset,
    target: parts.target,
    identity: identityWitness(parts.host, parts.target),
    manage: sshManageable(parts.asset),
    inventory: inv && {
      collectedAt: inv.collectedAt,
      os: inv.os,
      kernel: inv.kernel,
      ecosystem: inv.ecosystem,
      rebootRequired: inv.rebootRequired,
      ...(inv.hostname ? { hostname: inv.hostname } : {}),
      packages: pageOf(inv.packages, paging.packages),
    },
    assessment: a && { ...a, missing: pageOf(missingFixesOf(a).sort(bySeverity), paging.fixes) },
  };
};
