/**
 * Whether a deployment's host may start as far as approvals go: its manual approvals, its
 * auto-approval rules and how long ago the pilot finished. The runner asks before each start; the
 * page asks to warn that "run" on a draft nobody approved starts nothing.
 */
import type { Deployment, HostState } from '../deployment.js';
import { type ApprovalContext, approveHost, type HostApproval } from './approvals.js';
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
