/**
 * Whether a deployment's host may start as far as approvals go: its manual approvals, its
 * auto-approval rules and how long ago the pilot finished. The runner asks before each start; the
 * page asks to warn that "run" on a draft nobody approved starts nothing.
 */
import { type Deployment, type HostState, isHostDone } from '../deployment.js';
import {
  type ApprovalContext,
  type ApprovalScope,
  approveHost,
  approveUpgrade,
  type HostApproval,
} from './approvals.js';
import { pilotDoneAt } from './rings.js';

export const approvalContext = (d: Deployment, h: HostState, now: number): ApprovalContext => ({
  approvals: d.approvals,
  rules: d.policy.rules,
  severityOf: (id: string) => d.advisories[id]?.severity ?? 'unknown',
  group: h.group,
  ring: h.ring,
  pilotDoneAt: pilotDoneAt(d),
  now,
});

export const hostApproval = (d: Deployment, h: HostState, now: number): HostApproval =>
  approveHost(h.change, approvalContext(d, h, now));

/**
 * What still waits for a person, as the approvals that would let it run: each waiting upgrade's
 * advisories (else its package) on the hosts still to run; advisories in the deployment's order
 * (most severe first), then packages by name. Empty when nothing waits.
 */
export const pendingScopes = (d: Deployment, now: number): ApprovalScope[] => {
  const advisories = new Set<string>();
  const packages = new Set<string>();
  for (const h of d.hosts) {
    if (isHostDone(h)) continue;
    const ctx = approvalContext(d, h, now);
    for (const u of h.change.upgrades) {
      if (approveUpgrade(u, ctx).approved) continue;
      if (u.advisories.length === 0) packages.add(u.name);
      for (const id of u.advisories) advisories.add(id);
    }
  }
  const ordered = [...new Set([...Object.keys(d.advisories), ...advisories])].filter((id) =>
    advisories.has(id),
  );
  return [
    ...ordered.map((id): ApprovalScope => ({ kind: 'advisory', id })),
    ...[...packages].sort().map((name): ApprovalScope => ({ kind: 'package', name })),
  ];
};
