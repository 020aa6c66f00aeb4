/**
 * The last transfers the TFTP server made, newest first, kept in `DATA_DIR/tftp-transfers.json`
 * through the one debounced durable writer: which device (address) fetched which file, when,
 * how much, and how it ended. Capped, so a chatty phone cannot fill the SD card. Refused requests
 * are kept apart and capped at a tenth of that: a LAN host asking for thousands of missing files
 * cannot push the transfers out (the Devices page reads which device fetched what from here).
 * Adding is O(1), so a flood of requests costs no more with a long log.
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

/** Records in the order they were added, oldest first; `seq` orders them across both lists. */
class Recent {
  private items: { seq: number; record: TransferRecord }[] = [];

  constructor(private readonly cap: number) {}

  push(seq: number, record: TransferRecord): void {
    this.items.push({ seq, record });
    // Trimmed now and then, not on every add: amortised O(1).
    if (this.items.length >= 2 * this.cap) this.items = this.items.slice(-this.cap);
  }

  /** The newest `cap`, oldest first. */
  kept(): { seq: number; record: TransferRecord }[] {
    return this.items.slice(-this.cap);
  }
}

export class TransferLog {
  private seq = 0;
  private readonly transfers: Recent;
  private readonly refusals: Recent;
  private readonly file: JsonFileAdapter<LogFile>;
  private readonly writer: DebouncedWriter<LogFile>;

  constructor(
    private readonly dir: string,
    max: number,
    private readonly log: Logger,
    debounceMs = 2000,
  ) {
    this.transfers = new Recent(max);
    this.refusals = new Recent(Math.max(1, Math.floor(max / 10)));
    this.file = new JsonFileAdapter(join(dir, 'tftp-transfers.json'), {
      mode: 0o640,
      space: 0,
      schema: fileSchema,
    });
    this.writer = new DebouncedWriter({
      sink: this.file,
      snapshot: () => ({ version: 1, transfers: this.list() }),
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
    // The file is newest first.
    for (const r of parsed.reverse()) this.keep(r);
    this.log.debug('TFTP transfer log loaded', { count: parsed.length });
  }

  private keep(record: TransferRecord): void {
    (record.outcome === 'refused' ? this.refusals : this.transfers).push(++this.seq, record);
  }

  add(record: TransferRecord): void {
    this.keep(record);
    this.writer.mark();
  }

  /**
   * Newest first, transfers and refusals interleaved; `client` narrows to one device's address,
   * `clients` to any of a machine's addresses (the host page: every address it has had).
   */
  list(filter: { client?: string; clients?: ReadonlySet<string>; limit?: number } = {}): TransferRecord[] {
    const all = [...this.transfers.kept(), ...this.refusals.kept()].sort((a, b) => b.seq - a.seq);
    const records = all.map((k) => k.record);
    const { client, clients } = filter;
    const mine = records.filter(
      (r) => (!client || r.client === client) && (!clients || clients.has(r.client)),
    );
    return mine.slice(0, filter.limit ?? records.length);
  }

  stop(): Promise<void> {
    return this.writer.stop();
  }
}
