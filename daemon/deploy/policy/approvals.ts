/**
 * Who lets an update reach a host. An administrator approves by advisory, by package (a glob) or
 * for a whole host group, optionally with a deadline; auto-approval rules approve by severity,
 * optionally only after the update has been in the pilot ring for a while, and "never" rules keep
 * matching packages (`linux-image-*`) out of auto-approval, so they always need a person. A host
 * runs once every upgrade in its change is approved.
 */
import { z } from 'zod';
import { type Severity, severities, severityRank } from '../../catalog/model.js';
import type { HostChange, PackageUpgrade } from '../ports.js';

export const approvalScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advisory'), id: z.string().min(1) }),
  z.object({ kind: z.literal('package'), name: z.string().min(1) }),
  z.object({ kind: z.literal('group'), group: z.string().min(1) }),
]);
export type ApprovalScope = z.infer<typeof approvalScopeSchema>;

export const manualApprovalSchema = z.object({
  scope: approvalScopeSchema,
  by: z.string(),
  at: z.iso.datetime(),
  /** Where the approval came from: the client address or `cli`. */
  from: z.string(),
  /** Install by then: past it, the host no longer waits for its maintenance window. */
  deadline: z.iso.datetime().optional(),
});
export type ManualApproval = z.infer<typeof manualApprovalSchema>;

export const autoRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('auto'),
    minSeverity: z.enum(severities),
    /** Only for outer rings, once the pilot ring finished this long ago. */
    afterPilotMs: z.number().int().min(0).optional(),
  }),
  z.object({ kind: z.literal('never'), packages: z.string().min(1) }),
]);
export type AutoRule = z.infer<typeof autoRuleSchema>;

/**
 * `linux-image-*`, `openssl?`: `*` any run of characters, `?` one; nothing else is special. Matched
 * left to right, going back only to the last `*` (at most name × glob steps): as a regular
 * expression, a typed approval like `*?*?…*!` backtracked through every split of the name and held
 * the daemon's thread for hours.
 */
export const globMatch = (glob: string, name: string): boolean => {
  let g = 0;
  let n = 0;
  /** Where the last `*` was, and the name position it now stands for the run before. */
  let star = -1;
  let from = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      from = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++from;
    } else return false;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
};

export const scopeText = (s: ApprovalScope): string =>
  s.kind === 'advisory'
    ? `advisory ${s.id}`
    : s.kind === 'package'
      ? `package ${s.name}`
      : `group ${s.group}`;

export interface ApprovalContext {
  approvals: readonly ManualApproval[];
  rules: readonly AutoRule[];
  severityOf: (advisoryId: string) => Severity;
  group: string;
  ring: number;
  /** When the pilot ring finished (ms), if it has. */
  pilotDoneAt: number | undefined;
  now: number;
}

export type UpgradeApproval =
  | { approved: true; by: string; deadline?: number | undefined }
  | { approved: false; reason: string };

const manualFor = (u: PackageUpgrade, ctx: ApprovalContext): ManualApproval | undefined =>
  ctx.approvals.find(({ scope: s }) =>
    s.kind === 'advisory'
      ? u.advisories.includes(s.id)
      : s.kind === 'package'
        ? globMatch(s.name, u.name)
        : s.group === ctx.group,
  );

const worst = (u: PackageUpgrade, ctx: ApprovalContext): Severity =>
  u.advisories
    .map(ctx.severityOf)
    .reduce<Severity>((a, b) => (severityRank[b] < severityRank[a] ? b : a), 'unknown');

export const approveUpgrade = (u: PackageUpgrade, ctx: ApprovalContext): UpgradeApproval => {
  const manual = manualFor(u, ctx);
  if (manual) {
    return {
      approved: true,
      by: `${manual.by} (${scopeText(manual.scope)})`,
      deadline: manual.deadline ? Date.parse(manual.deadline) : undefined,
    };
  }
  const never = ctx.rules.find((r) => r.kind === 'never' && globMatch(r.packages, u.name));
  if (never?.kind === 'never')
    return { approved: false, reason: `${u.name} needs manual approval (never: ${never.packages})` };
  const severity = worst(u, ctx);
  for (const rule of ctx.rules) {
    if (rule.kind !== 'auto' || severityRank[severity] > severityRank[rule.minSeverity]) continue;
    if (rule.afterPilotMs === undefined)
      return { approved: true, by: `auto: severity ≥ ${rule.minSeverity}` };
    if (ctx.ring > 0 && ctx.pilotDoneAt !== undefined && ctx.now - ctx.pilotDoneAt >= rule.afterPilotMs) {
      return { approved: true, by: `auto: severity ≥ ${rule.minSeverity} after the pilot ring` };
    }
  }
  return { approved: false, reason: `${u.name} ${u.version} is waiting for approval` };
};

export type HostApproval =
  | { approved: true; deadline: number | undefined }
  | { approved: false; waiting: string[] };

/** Every upgrade approved (and the earliest deadline among them), or what still waits. */
export const approveHost = (change: HostChange, ctx: ApprovalContext): HostApproval => {
  const waiting: string[] = [];
  let deadline: number | undefined;
  for (const u of change.upgrades) {
    const a = approveUpgrade(u, ctx);
    if (!a.approved) waiting.push(a.reason);
    else if (a.deadline !== undefined) deadline = Math.min(deadline ?? a.deadline, a.deadline);
  }
  return waiting.length ? { approved: false, waiting } : { approved: true, deadline };
};
