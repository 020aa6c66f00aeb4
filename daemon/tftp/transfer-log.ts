/**
 * The last transfers the TFTP server made, newest first, kept in `DATA_DIR/tftp-transfers.json`
 * through the one debounced durable writer: which device (address) fetched which file, when,
 * how much, and how it ended. Capped, so a chatty phone cannot fill the SD card.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { sweepTempFiles } from '../store/atomic-file.js';
import { DebouncedWriter } from '../store/debounced-writer.js';
import { JsonFileAdapter } from '../store/json-file-adapter.js';

export const transferRecordSchema = z.object({
  at: z.string(),
  client: z.string(),
  file: z.string(),
  outcome: z.enum(['complete', 'timeout', 'client-error', 'read-error', 'aborted', 'refused']),
  detail: z.string(),
  size: z.number().int().nonnegative(),
  bytesSent: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  blksize: z.number().int().nonnegative(),
  windowsize: z.number().int().nonnegative(),
});
export type TransferRecord = z.infer<typeof transferRecordSchema>;

const fileSchema = z.object({ version: z.literal(1), transfers: z.array(z.unknown()) });
type LogFile = z.infer<typeof fileSchema>;

export class TransferLog {
  private records: TransferRecord[] = [];
  private readonly file: JsonFileAdapter<LogFile>;
  private readonly writer: DebouncedWriter<LogFile>;

  constructor(
    private readonly dir: string,
    private readonly max: number,
    private readonly log: Logger,
    debounceMs = 2000,
  ) {
    this.file = new JsonFileAdapter(join(dir, 'tftp-transfers.json'), {
      mode: 0o640,
      space: 0,
      schema: fileSchema,
    });
    this.writer = new DebouncedWriter({
      sink: this.file,
      snapshot: () => ({ version: 1, transfers: this.records }),
      debounceMs,
      maxDelayMs: debounceMs * 5,
      name: 'TFTP transfer log',
      log,
    });
  }

  async start(): Promise<void> {
    await sweepTempFiles(this.dir);
    const doc = await this.file.read();
    const parsed = (doc?.transfers ?? []).flatMap((r) => {
      const ok = transferRecordSchema.safeParse(r);
      return ok.success ? [ok.data] : [];
    });
    this.records = parsed.slice(0, this.max);
    this.log.debug('TFTP transfer log loaded', { count: this.records.length });
  }

  add(record: TransferRecord): void {
    this.records = [record, ...this.records].slice(0, this.max);
    this.writer.mark();
  }

  /** Newest first; `client` narrows to one device's address. */
  list(filter: { client?: string; limit?: number } = {}): TransferRecord[] {
    const mine = filter.client ? this.records.filter((r) => r.client === filter.client) : this.records;
    return mine.slice(0, filter.limit ?? this.max);
  }

  stop(): Promise<void> {
    return this.writer.stop();
  }
}
