/**
 * The audit log: every change made through the UI (and every sign-in), who made it, from which
 * address, when, and how it ended; one JSON line per entry in `<dataDir>/audit.jsonl`, appended
 * and fsync'd (AppendLog), never rewritten. Entries carry a sequence number that only grows, so a
 * console can pull what is new with `after=`.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { AppendLog } from '../store/append-log.js';

export const auditRecordSchema = z.object({
  seq: z.number().int().positive(),
  at: z.iso.datetime(),
  /** The account, or the name tried at sign-in; `-` when nobody was signed in. */
  user: z.string().max(64),
  role: z.string().optional(),
  from: z.string().max(64),
  /** What was done, in words: "delete a scope". */
  action: z.string().max(200),
  /** The request: `POST /settings/scopes/office/delete`. */
  request: z.string().max(300),
  outcome: z.enum(['done', 'refused', 'failed']),
  status: z.number().int(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const auditFile = (dataDir: string): string => join(dataDir, 'audit.jsonl');

export class AuditLog {
  private readonly log: AppendLog<typeof auditRecordSchema>;
  private lastSeq: Promise<number> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    this.log = new AppendLog(file, auditRecordSchema);
  }

  /** Append an entry with the next sequence number; resolves once it is on disk. */
  record(entry: Omit<AuditRecord, 'seq'>): Promise<AuditRecord> {
    const run = async () => {
      this.lastSeq ??= this.log.read().then((all) => all.reduce((m, e) => Math.max(m, e.seq), 0));
      const seq = (await this.lastSeq) + 1;
      const full = { ...entry, seq };
      await this.log.append(full);
      this.lastSeq = Promise.resolve(seq);
      return full;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Newest first, older than `before` (a seq) when given. */
  async newest(limit: number, before?: number): Promise<AuditRecord[]> {
    const all = await this.log.read();
    return all
      .filter((e) => before === undefined || e.seq < before)
      .reverse()
      .slice(0, limit);
  }

  /** Oldest first, after `after` (a seq): a console's incremental pull. */
  async after(after: number, limit: number): Promise<AuditRecord[]> {
    return (await this.log.read()).filter((e) => e.seq > after).slice(0, limit);
  }
}
