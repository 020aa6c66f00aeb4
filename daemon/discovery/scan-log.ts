/**
 * The record of every scan (id, scope, trigger, duration, counts, outcome), kept in
 * `discovery/scans.json` (the last few hundred), written atomically at start and end of each scan.
 * A scan still marked running when the daemon starts was cut short: it becomes "interrupted".
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { ScanProgress } from './scanner.js';

export type ScanStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface ScanRecord {
  id: string;
  scopeId: string | null;
  scopeName: string;
  trigger: 'manual' | 'schedule' | 'cli';
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  status: ScanStatus;
  addresses: number;
  progress: ScanProgress;
  counts: { found: number; new: number; offline: number; ipChanged: number } | null;
  error: string | null;
}

const KEEP = 300;

export class ScanLog {
  private scans: ScanRecord[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  get path(): string {
    return join(this.dir, 'scans.json');
  }

  async start(): Promise<void> {
    try {
      const doc = JSON.parse(await readFile(this.path, 'utf8')) as { scans?: ScanRecord[] };
      this.scans = Array.isArray(doc.scans) ? doc.scans.filter((s) => typeof s?.id === 'string') : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn('scan history unreadable; starting a new one', { err, path: this.path });
      this.scans = [];
    }
    const cut = this.scans.filter((s) => s.status === 'running');
    for (const s of cut) {
      s.status = 'interrupted';
      s.error = 'the appliance stopped during this scan';
    }
    if (cut.length) await this.save();
  }

  list(): readonly ScanRecord[] {
    return this.scans;
  }

  get(id: string): ScanRecord | undefined {
    return this.scans.find((s) => s.id === id);
  }

  /** Record a new or changed scan and write the history durably. */
  put(scan: ScanRecord): Promise<void> {
    const i = this.scans.findIndex((s) => s.id === scan.id);
    if (i === -1) this.scans.unshift(scan);
    else this.scans[i] = scan;
    if (this.scans.length > KEEP) this.scans.length = KEEP;
    return this.save();
  }

  private save(): Promise<void> {
    const body = `${JSON.stringify({ version: 1, scans: this.scans })}\n`;
    this.writing = this.writing
      .then(() => writeFileAtomic(this.path, body, { mode: 0o640 }))
      .catch((err: unknown) => {
        this.log.error('scan history write failed', { err });
      });
    return this.writing;
  }
}
