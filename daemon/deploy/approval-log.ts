/**
 * The append-only audit log of approvals: who approved (or revoked) what, when and from where,
 * one JSON line per entry in `<dataDir>/deploy/approvals.jsonl`, fsync'd before the approval
 * counts. Lines are only ever appended; a torn last line after a power cut is skipped on read.
 */
import { z } from 'zod';
import { AppendLog } from '../store/append-log.js';
import { approvalScopeSchema } from './policy/approvals.js';

export const auditEntrySchema = z.object({
  at: z.iso.datetime(),
  by: z.string(),
  from: z.string(),
  action: z.enum(['approve', 'revoke', 'reset-breaker', 'run-now', 'pause', 'resume', 'cancel', 'start']),
  deploymentId: z.string(),
  /** What was approved (for approvals), or the host and update (for a breaker reset). */
  scope: approvalScopeSchema.optional(),
  detail: z.string().optional(),
  deadline: z.iso.datetime().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Approvals and their like, in `<dataDir>/deploy/approvals.jsonl`. */
export class ApprovalLog extends AppendLog<typeof auditEntrySchema> {
  constructor(file: string) {
    super(file, auditEntrySchema);
  }
}
