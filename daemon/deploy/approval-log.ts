/**
 * The append-only audit log of approvals: who approved (or revoked) what, when and from where,
 * one JSON line per entry in `<dataDir>/deploy/approvals.jsonl`, fsync'd before the approval
 * counts. Lines are only ever appended; a torn last line after a power cut is skipped on read.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from '../store/atomic-file.js';
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

export class ApprovalLog {
  private tail: Promise<void> = Promise.resolve();
  private synced = false;

  constructor(readonly file: string) {}

  /** Append one entry; resolves once it is on disk. Appends are serialised. */
  append(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify(auditEntrySchema.parse(entry))}\n`;
    const next = this.tail
      .catch(() => {})
      .then(async () => {
        await mkdir(dirname(this.file), { recursive: true });
        const handle = await open(this.file, 'a', 0o640);
        try {
          await handle.writeFile(line);
          await handle.sync();
        } finally {
          await handle.close();
        }
        // The first append created the file: make its directory entry durable too.
        if (!this.synced) await fsyncDir(dirname(this.file));
        this.synced = true;
      });
    this.tail = next;
    return next;
  }

  /** Every readable entry, oldest first. */
  async read(): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text.split('\n').flatMap((line) => {
      if (!line.trim()) return [];
      try {
        return [auditEntrySchema.parse(JSON.parse(line))];
      } catch {
        return [];
      }
    });
  }
}
