/**
 * Reports over time: every new site assessment updates the day's compliance snapshot and the
 * remediation ledger, and an hourly entry on the scheduler asks for one, so a day nobody opened
 * the UI still gets its snapshot. Both documents live in DATA_DIR/reports/ and are replaced
 * atomically, only when their figures changed. A damaged file is reported on /healthz and left
 * as it is for a technician to restore: nothing is written over it.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { missingFixesOf } from '../assess/assess.js';
import type { SiteAssessment } from '../assess/assess-service.js';
import { DepotError } from '../errors.js';
import type { ScheduleEntry } from '../jobs/scheduler.js';
import type { Clock, Service } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { HealthReporter, Problem } from '../observability/health.js';
import { sweepTempFiles, writeFileAtomic } from '../store/atomic-file.js';
import { JsonFileAdapter } from '../store/json-file-adapter.js';
import { emptyHistory, type History, historySchema, localDay, recordDay } from './history.js';
import {
  type BatchFile,
  batchFileSchema,
  batchFromFile,
  batchJson,
  batchNamePattern,
  type LedgerFile,
  ledgerFileSchema,
  ledgerFromFile,
  ledgerJson,
} from './ledger-file.js';
import { emptyLedger, type Ledger, ledgerSnapshot, type ObservedHost, observeSteps } from './remediation.js';
import type { ReportsSettings } from './settings.js';

export const REPORTS_DIR = 'reports';

/** Pieces of text with a turn of the event loop between them (pages answer while a big file is written). */
async function* yieldingPieces(pieces: Iterable<string>): AsyncGenerator<string> {
  for (const piece of pieces) {
    yield piece;
    await turn();
  }
}
const HOUR = 3_600_000;
/** No batch comes near this (a month at 5,000 hosts is a few MB); past it a file is not read into memory. */
const MAX_BATCH_BYTES = 256 * 1024 * 1024;

/**
 * `work`'s failure as STORE_CORRUPT naming `path` (a read of a directory or of a file over 2 GiB
 * fails with a message that names no file, and /healthz has to say which one).
 */
const namedBy = async <T>(path: string, work: Promise<T>): Promise<T> => {
  try {
    return await work;
  } catch (err) {
    if (err instanceof DepotError) throw err;
    throw new DepotError(
      'STORE_CORRUPT',
      `${path}: ${(err as Error).message}; restore a backup or move it aside`,
      { cause: err },
    );
  }
};

/** The longest the ledger's recording of an assessment holds the event loop at a time. */
const SLICE_MS = 8;

export interface ReportsServiceOptions {
  dataDir: string;
  settings: ReportsSettings;
  /** The site's zone: a snapshot belongs to the local day it was taken on. */
  timeZone: string;
  assess: {
    current(): Promise<SiteAssessment>;
    onComputed(fn: (site: SiteAssessment) => void): () => void;
  };
  scheduler?: { add(entry: ScheduleEntry): void; remove(id: string): void } | undefined;
  clock: Clock;
  log: Logger;
}

export class ReportsService implements Service, HealthReporter {
  readonly name = 'reports';
  private historyDoc: History = emptyHistory();
  private ledgerDoc: Ledger = emptyLedger();
  private damaged: string | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** Assessments being recorded, one after another (see `record`). */
  private recording: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private lastSnapshotAt: number | undefined;
  private startedAt = 0;
  /** Grows whenever the history or the ledger changes: pages may reuse what they built from them. */
  version = 0;
  /** A write failed (a full disk): the next record writes that document again, changed or not. */
  private unwritten = { history: false, ledger: false };
  /** Report files whose last write failed, with why (a health problem until a write succeeds). */
  private readonly writeFailures = new Map<'history' | 'ledger', string>();
  private readonly historyFile: JsonFileAdapter<History>;
  private readonly ledgerFile: JsonFileAdapter<LedgerFile>;
  private readonly fixedDir: string;
  /** The fixed-findings batches whose files are written (see ledger-file.ts). */
  private readonly batchesOnDisk = new Set<string>();
  /**
   * The ledger is read when first needed, by the first recording or reader, not at start: at a
   * big site a year into its history it is 100-300 ms that /healthz waited for (see `readLedger`).
   */
  private ledgerUnread = true;

  constructor(private readonly opts: ReportsServiceOptions) {
    const dir = join(opts.dataDir, REPORTS_DIR);
    this.historyFile = new JsonFileAdapter(join(dir, 'history.json'), {
      mode: 0o640,
      schema: historySchema,
      regular: true,
    });
    this.ledgerFile = new JsonFileAdapter(join(dir, 'remediation.json'), {
      mode: 0o640,
      schema: ledgerFileSchema,
      regular: true,
    });
    this.fixedDir = join(dir, 'fixed');
  }

  private batchFile(name: string): JsonFileAdapter<BatchFile> {
    return new JsonFileAdapter(join(this.fixedDir, `${name}.json`), {
      mode: 0o640,
      schema: batchFileSchema,
      regular: true,
      maxBytes: MAX_BATCH_BYTES,
    });
  }

  async start(): Promise<void> {
    try {
      // A reports/fixed that is not a directory is damage like any other: the daemon still starts.
      await namedBy(this.fixedDir, mkdir(this.fixedDir, { recursive: true, mode: 0o750 }));
      // A write cut short by a kill leaves its temp file (remediation.json's is a few MB); the
      // data-dir lock keeps any other writer out of reports/, so each is stale. A disk mounted
      // read-only after an error cannot lose them: nothing is damaged, writes fail and retry.
      for (const dir of [join(this.opts.dataDir, REPORTS_DIR), this.fixedDir])
        await sweepTempFiles(dir, { allStale: true }).catch((err: unknown) =>
          this.opts.log.warn('could not remove the temp files of cut-short report writes', { dir, err }),
        );
      this.historyDoc = (await namedBy(this.historyFile.path, this.historyFile.read())) ?? emptyHistory();
    } catch (err) {
      this.damagedBy(err);
    }
    this.unsubscribe = this.opts.assess.onComputed((site) => void this.record(site));
    this.startedAt = this.opts.clock.now();
    this.opts.scheduler?.add(this.snapshotEntry());
  }

  /** The daemon still runs: reports show what they have and nothing overwrites the damaged file. */
  private damagedBy(err: unknown): void {
    this.damaged = (err as Error).message;
    this.opts.log.error('report files are damaged; reports are not recorded until they are restored', {
      err,
    });
  }

  /**
   * remediation.json, then the batch files it names, into the ledger in its order (a turn of the
   * event loop between files), then the batch files it does not name are removed; STORE_CORRUPT
   * for a damaged one, or a missing batch.
   */
  private async readLedger(): Promise<void> {
    if (!this.ledgerUnread || this.damaged) return;
    this.ledgerUnread = false;
    const doc = await namedBy(this.ledgerFile.path, this.ledgerFile.read());
    const { ledger, batches: names } = doc
      ? ledgerFromFile(this.ledgerFile.path, doc)
      : { ledger: emptyLedger(), batches: [] };
    this.ledgerDoc = ledger;
    const known = new Map(Object.keys(this.ledgerDoc.hosts).map((id) => [id, id]));
    const hostId = (id: string) => known.get(id) ?? id;
    for (const name of names) {
      const file = this.batchFile(name);
      const batch = await namedBy(file.path, file.read());
      if (!batch)
        throw new DepotError(
          'STORE_CORRUPT',
          `${file.path}: missing, but ${this.ledgerFile.path} names it; restore a backup, or move ${this.ledgerFile.path} aside to start the reports afresh`,
        );
      this.ledgerDoc.fixed.push(batchFromFile(file.path, name, batch, hostId));
      this.batchesOnDisk.add(name);
      await turn();
    }
    // Housekeeping: a directory that cannot be listed now is damage the next write reports.
    await this.removeUnnamedBatches().catch((err: unknown) =>
      this.opts.log.warn('could not remove fixed-findings files no report names', {
        dir: this.fixedDir,
        err,
      }),
    );
  }

  /**
   * Batch files remediation.json does not name: written by a recording cut short before
   * remediation.json (whose findings are then still open, and are found fixed again), or pruned
   * after it. Only batch-named files are touched.
   */
  private async removeUnnamedBatches(): Promise<void> {
    for (const entry of await readdir(this.fixedDir, { withFileTypes: true })) {
      const name = entry.name.endsWith('.json') ? entry.name.slice(0, -'.json'.length) : '';
      if (!batchNamePattern.test(name) || this.batchesOnDisk.has(name)) continue;
      // A directory is nobody's batch (rm would fail on it, and leave the orphans after it).
      if (entry.isDirectory()) continue;
      await rm(join(this.fixedDir, entry.name), { force: true });
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.opts.scheduler?.remove('reports.snapshot');
    await this.recording;
    await this.writes;
  }

  private snapshotEntry(): ScheduleEntry {
    return {
      id: 'reports.snapshot',
      label: "Record the day's compliance snapshot",
      everyMs: HOUR,
      // A minute after start (the services settle), then hourly. (Not "a minute from now" until the
      // first run: that due time would move on with the clock and never come.)
      dueAt: () => (this.lastSnapshotAt ?? this.startedAt + 60_000 - HOUR) + HOUR,
      jitterMs: 5 * 60_000,
      run: async () => {
        this.lastSnapshotAt = this.opts.clock.now();
        await this.record(await this.opts.assess.current());
      },
    };
  }

  /**
   * Bring the day's snapshot and the ledger up to `site`, after the assessments already queued;
   * writes what changed. The ledger is brought up a few hundred hosts at a time, with a turn of
   * the event loop between (pages answer meanwhile): readers of the ledger wait for `settled`.
   */
  record(site: SiteAssessment): Promise<void> {
    this.recording = this.recording
      .then(() => this.ledgerRead())
      .then(() => this.recordNow(site))
      .catch((err: unknown) => this.opts.log.error('could not record an assessment in the reports', { err }));
    return this.recording;
  }

  /** Every assessment handed to `record` so far is in the history and the ledger. */
  settled(): Promise<void> {
    if (this.ledgerUnread) this.recording = this.recording.then(() => this.ledgerRead());
    return this.recording;
  }

  /** The ledger read (once); a damaged file marks the reports damaged. */
  private ledgerRead(): Promise<void> {
    return this.readLedger().catch((err: unknown) => this.damagedBy(err));
  }

  private async recordNow(site: SiteAssessment): Promise<void> {
    if (this.damaged) return;
    const now = this.opts.clock.now();
    const { keepDays } = this.opts.settings;
    const c = site.compliance;
    // No host assessed: "0 missing fixes" would be a figure nobody checked; no snapshot.
    const dayChanged =
      c.assessed > 0 &&
      recordDay(
        this.historyDoc,
        {
          day: localDay(now, this.opts.timeZone),
          at: new Date(now).toISOString(),
          hosts: c.hosts,
          assessed: c.assessed,
          compliant: c.compliant,
          ...(c.ratio === undefined ? {} : { ratio: c.ratio }),
          missingFixes: c.missingFixes,
          bySeverity: { ...c.bySeverity },
          hostsAtRisk: c.hostsAtRisk,
          rebootRequired: c.rebootRequired,
        },
        keepDays,
      );
    // Each host's fixes are listed when the ledger reads that host, not all at once.
    const observed = site.hosts.map(
      (h): ObservedHost => ({
        hostId: h.hostId,
        covered: h.covered,
        collectedAt: h.collectedAt,
        get missing() {
          return missingFixesOf(h);
        },
      }),
    );
    // Pieces of 25 hosts, as many as fit in SLICE_MS, then a turn: a page waits at most about a
    // slice behind the recording, however slow the machine (250 hosts at a time held `/` 20-90 ms).
    const steps = observeSteps(this.ledgerDoc, observed, now, keepDays, 25);
    let step = steps.next();
    for (let since = performance.now(); !step.done; step = steps.next()) {
      if (performance.now() - since < SLICE_MS) continue;
      await turn();
      since = performance.now();
    }
    const ledgerChanged = step.value;
    if (dayChanged || ledgerChanged) this.version++;
    this.persist(dayChanged || this.unwritten.history, ledgerChanged || this.unwritten.ledger);
  }

  private persist(writeHistory: boolean, writeLedger: boolean): void {
    // Copies: the documents may change again before the queued write runs. The history is a few
    // hundred days; the ledger holds every open finding, copied shallowly (see ledgerSnapshot).
    const history = writeHistory ? structuredClone(this.historyDoc) : undefined;
    const ledger = writeLedger ? ledgerSnapshot(this.ledgerDoc) : undefined;
    this.writes = this.writes.then(async () => {
      if (history)
        await this.writeDoc('history', this.historyFile.path, () => this.historyFile.write(history));
      if (ledger) await this.writeDoc('ledger', this.ledgerFile.path, () => this.writeLedger(ledger));
    });
  }

  /**
   * The batches not written yet, then remediation.json naming them (the commit point), then the
   * files of batches it no longer names. A failure part way leaves remediation.json as it was or
   * complete; the next write carries on (a batch written before the failure is not written again).
   */
  private async writeLedger(ledger: Ledger): Promise<void> {
    for (const batch of ledger.fixed) {
      if (this.batchesOnDisk.has(batch.name)) continue;
      const { path } = this.batchFile(batch.name);
      await writeFileAtomic(path, yieldingPieces(batchJson(batch)), { mode: 0o640 });
      this.batchesOnDisk.add(batch.name);
    }
    await writeFileAtomic(this.ledgerFile.path, yieldingPieces(ledgerJson(ledger)), { mode: 0o640 });
    const named = new Set(ledger.fixed.map((b) => b.name));
    for (const name of this.batchesOnDisk) {
      if (named.has(name)) continue;
      await rm(this.batchFile(name).path, { force: true });
      this.batchesOnDisk.delete(name);
    }
  }

  private async writeDoc(key: 'history' | 'ledger', file: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
      this.unwritten[key] = false;
      this.writeFailures.delete(key);
    } catch (err) {
      this.unwritten[key] = true;
      this.writeFailures.set(key, `${file}: ${(err as Error).message}`);
      this.opts.log.error('could not write a report file; it is written again at the next change', {
        file,
        err,
      });
    }
  }

  /** Daily snapshots, oldest first. */
  history(): History {
    return this.historyDoc;
  }

  ledger(): Ledger {
    return this.ledgerDoc;
  }

  /** The zone whose days the snapshots are keyed by (deploy.timeZone, else the appliance's). */
  get timeZone(): string {
    return this.opts.timeZone;
  }

  get settings(): ReportsSettings {
    return this.opts.settings;
  }

  health(): Problem[] {
    if (this.damaged)
      return [
        { source: 'reports', message: `${this.damaged}; compliance history is not recorded meanwhile` },
      ];
    // A disk that is full or read-only: what is not written yet is lost if the daemon restarts.
    return [...this.writeFailures.values()].map((failure) => ({
      source: 'reports',
      message: `could not write ${failure}; reports are kept in memory and written at the next assessment (a restart before then loses them)`,
    }));
  }
}
