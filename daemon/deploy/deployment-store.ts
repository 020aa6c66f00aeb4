/**
 * Deployment records on disk: one JSON file per deployment (`<dataDir>/deploy/deployments`).
 * Writes go through the atomic writer, serialised and coalesced per record; unlike job records, a
 * failed write rejects, because the runner must not start an install whose intent it could not
 * make durable.
 *
 * A deployment that may still change is held whole. With `summarize` (the daemon, which runs for
 * months), a finished one at rest keeps only its summary in memory (deployment-summary.ts): every
 * host's steps and apt output are read from its file when a page asks (`record`). The record read
 * is held weakly, so everyone who asks while it is in use gets the same object, and a change made
 * to it (a breaker reset, a retried host) is saved whole: a summary is never written anywhere.
 */
import { randomBytes } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';
import { appendDurably } from '../store/append-log.js';
import { CoalescedWrites } from '../store/coalesced-writes.js';
import { RecordDir } from '../store/record-dir.js';
import { type Breaker, type Deployment, deploymentSchema, type HostState } from './deployment.js';
import { Journal, journalFile, journalHeader, journalLine, replayJournal } from './deployment-journal.js';
import {
  atRest,
  type DeploymentSummary,
  FinishedSummary,
  liveSummary,
  type RecordFile,
  Strings,
} from './deployment-summary.js';

interface Finished {
  summary: FinishedSummary;
  /** Absent: not read since the start, which read the saved summary only. */
  record?: WeakRef<Deployment> | undefined;
}

/** An open breaker or a halted update: the deployment still holds others back. */
const stillActs = (d: Pick<Deployment, 'breakers' | 'haltedUpdates'>): boolean =>
  d.haltedUpdates.length > 0 || d.breakers.some((b) => !b.resetAt);

const byCreation = (
  a: Pick<Deployment, 'createdAt' | 'id'>,
  b: Pick<Deployment, 'createdAt' | 'id'>,
): number => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

export class DeploymentStore {
  private readonly records: RecordDir<Deployment>;
  /** Deployments that may still change, whole. */
  private readonly moving = new Map<string, Deployment>();
  /** Finished deployments at rest: their summary, and their record while anything holds it. */
  private readonly finished = new Map<string, Finished>();
  /** Records saved and not written yet: the write finds them even if they came to rest meanwhile. */
  private readonly unwritten = new Map<string, Deployment>();
  /** Reads of finished records from disk in progress (one per record: one object for everyone). */
  private readonly reads = new Map<string, Promise<Deployment | undefined>>();
  private readonly strings = new Strings();
  private readonly writes = new CoalescedWrites((id) => this.write(id));
  /** Each moving deployment's journal (deployment-journal.ts); none yet: the next write is whole. */
  private readonly journals = new Map<string, Journal>();
  /** Hosts named by saves not written yet. */
  private readonly named = new Map<string, Set<HostState>>();
  /** Deployments whose next write rewrites the record whole (a save named no hosts; a replay; a failed append). */
  private readonly whole = new Set<string>();
  /** Summaries of finished deployments saved beside the records (`summarize` only): a start reads these. */
  private readonly saved: RecordDir<unknown> | undefined;

  /**
   * @param summarize keep finished deployments as summaries (the daemon, and `deploy run`, which
   * hold the data directory's lock and so are the only writer); a CLI command that reads and
   * exits holds every record whole and never removes anything.
   */
  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly opts: { summarize?: boolean } = {},
  ) {
    this.records = new RecordDir(dir, (v) => deploymentSchema.parse(v), 0o640);
    if (opts.summarize)
      this.saved = new RecordDir(join(dirname(dir), 'deployment-summaries'), (v) => v, 0o640);
  }

  /**
   * Read every record, one at a time, or for a finished one its saved summary; a damaged record is
   * logged and left out, the rest load.
   */
  async load(): Promise<void> {
    await this.records.start();
    // The summaries are a cache: a directory that cannot be read (a file in its place) reads every record.
    await this.saved?.start().catch((err: unknown) => {
      this.log.warn('deployment summaries unreadable; every record is read', { dir: this.saved?.dir, err });
    });
    this.moving.clear();
    this.finished.clear();
    const t0 = performance.now();
    let read = 0;
    for (const id of await this.records.ids()) {
      try {
        if (await this.loadSaved(id)) continue;
        read++;
        const d = await this.readWhole(id);
        if (!d) continue;
        this.keep(d);
        // A journal replayed: the writer rewrites the record with it (at once if nothing else will).
        if (this.opts.summarize && this.whole.has(id) && atRest(d)) await this.save(d);
        await this.saveSummary(id);
      } catch (err) {
        this.log.warn('deployment record unreadable; skipped', { deploymentId: id, err });
      }
    }
    const ms = Math.round(performance.now() - t0);
    this.log.debug('deployments loaded', {
      held: this.moving.size + this.finished.size,
      recordsRead: read,
      ms,
    });
  }

  /**
   * The record with its journal replayed (a stale journal, left by a crash after a rewrite, is
   * removed). Undefined when there is no record of that id.
   */
  private async readWhole(id: string): Promise<Deployment | undefined> {
    const d = await this.records.get(id);
    if (d?.id !== id) return undefined;
    const file = this.records.file(id);
    const replayed = await replayJournal(d, file);
    if (replayed) this.whole.add(id);
    // A stale journal is removed by the writer only: a reader beside the daemon (the CLI) may have
    // read the record just before the daemon rewrote it, and the journal it calls stale is the new one.
    else if (this.opts.summarize) await rm(journalFile(file), { force: true });
    // Only a deployment that may still change gets a journal (a finished one read for its page is
    // rewritten whole if an admin changes it).
    if (d.journal !== undefined && !atRest(d) && !this.moving.has(id))
      this.journals.set(id, new Journal(d.journal, (await this.recordFile(id))?.size ?? 0));
    return d;
  }

  /** The record file as a saved summary names it; undefined when there is none. */
  private async recordFile(id: string): Promise<RecordFile | undefined> {
    const st = await lstat(this.records.file(id)).catch(() => undefined);
    return st?.isFile() ? { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } : undefined;
  }

  /** The saved summary of `id`, if there is one made from its record file as it is now. */
  private async loadSaved(id: string): Promise<boolean> {
    if (!this.saved) return false;
    // A journal continues the record: the summary saved from the record alone is older.
    if (await lstat(journalFile(this.records.file(id))).catch(() => undefined)) return false;
    const file = await this.recordFile(id);
    const v = file && (await this.saved.get(id).catch(() => undefined));
    const summary = v === undefined ? undefined : FinishedSummary.fromSaved(v, file!, this.strings);
    if (summary?.id !== id) return false;
    this.finished.set(id, { summary });
    return true;
  }

  /** Save a finished deployment's summary beside its record: a cache, so a failure is only logged. */
  private async saveSummary(id: string): Promise<void> {
    const f = this.finished.get(id);
    const file = f && this.saved && (await this.recordFile(id));
    if (!f || !file) return;
    await this.saved?.put(id, f.summary.saved(file)).catch((err: unknown) => {
      this.log.warn('could not save the summary of a deployment; its record is read at the next start', {
        deploymentId: id,
        err,
      });
    });
  }

  /** Hold `d` whole while it may change; as a summary once it is at rest. */
  private keep(d: Deployment): void {
    if (this.opts.summarize && atRest(d)) {
      this.moving.delete(d.id);
      this.journals.delete(d.id);
      this.finished.set(d.id, { summary: FinishedSummary.of(d, this.strings), record: new WeakRef(d) });
    } else {
      this.finished.delete(d.id);
      this.moving.set(d.id, d);
    }
  }

  private async write(id: string): Promise<void> {
    const d = this.unwritten.get(id) ?? this.moving.get(id);
    if (!d) return;
    this.unwritten.delete(id);
    const named = this.named.get(id) ?? new Set();
    this.named.delete(id);
    const journal = this.journals.get(id);
    const whole = this.whole.delete(id) || !journal || journal.full() || atRest(d);
    try {
      await (whole ? this.writeWhole(d) : this.append(d, journal!, named));
    } catch (err) {
      // Held whole until a write succeeds: the change is still what every page shows. The next
      // write rewrites the record (an append cut short may have left a torn line).
      this.whole.add(id);
      this.finished.delete(id);
      this.moving.set(id, d);
      throw err;
    }
    if (!this.unwritten.has(id) && this.moving.get(id) === d) {
      this.keep(d);
      await this.saveSummary(id);
    }
  }

  /** The record rewritten whole under a new journal generation; the old journal removed. */
  private async writeWhole(d: Deployment): Promise<void> {
    d.journal = randomBytes(6).toString('base64url');
    await this.records.put(d.id, d);
    const file = this.records.file(d.id);
    await rm(journalFile(file), { force: true });
    this.journals.set(d.id, new Journal(d.journal, (await this.recordFile(d.id))?.size ?? 0));
  }

  /** What changed since the last write, appended to the journal as one line (durable when it resolves). */
  private async append(d: Deployment, journal: Journal, named: ReadonlySet<HostState>): Promise<void> {
    const text = `${journal.bytes === 0 ? journalHeader(journal.generation) : ''}${journalLine(d, [...named])}`;
    await appendDurably(journalFile(this.records.file(d.id)), text, 0o640, journal.bytes === 0);
    journal.bytes += Buffer.byteLength(text);
  }

  /** Every deployment, oldest first. */
  all(): DeploymentSummary[] {
    const list: DeploymentSummary[] = [...this.moving.values()].map(liveSummary);
    for (const f of this.finished.values()) list.push(f.summary);
    return list.sort(byCreation);
  }

  /** Deployments that may still change, whole, oldest first (a CLI command's store: every one). */
  movingRecords(): Deployment[] {
    return [...this.moving.values()].sort(byCreation);
  }

  /** A deployment that may still change; a finished one at rest is read with `record`. */
  live(id: string): Deployment | undefined {
    return this.moving.get(id);
  }

  summary(id: string): DeploymentSummary | undefined {
    const d = this.moving.get(id);
    return d ? liveSummary(d) : this.finished.get(id)?.summary;
  }

  /** The whole record: held, or read from its file (a finished deployment at rest). */
  record(id: string): Promise<Deployment | undefined> {
    const d = this.moving.get(id) ?? this.finished.get(id)?.record?.deref();
    if (d || !this.finished.has(id)) return Promise.resolve(d);
    let read = this.reads.get(id);
    if (!read) {
      read = this.readFinished(id).finally(() => this.reads.delete(id));
      this.reads.set(id, read);
    }
    return read;
  }

  private async readFinished(id: string): Promise<Deployment | undefined> {
    const d = await this.readWhole(id);
    if (!d)
      throw new DepotError('STORE_CORRUPT', `${this.records.file(id)}: the deployment's record is gone`);
    // Saved again while it was read: that object is the record.
    const held = this.moving.get(id) ?? this.finished.get(id)?.record?.deref();
    if (held) return held;
    const f = this.finished.get(id);
    if (f) f.record = new WeakRef(d);
    return d;
  }

  add(d: Deployment): Promise<void> {
    return this.save(d);
  }

  /**
   * Resolves once a write holding the record's current state is durable; rejects if it failed.
   * With `hosts`, a host's progress: the change may go to the journal, with those hosts, which
   * must name every host changed since the last save. Without, the record is rewritten whole (an
   * admin's action, rare).
   */
  save(d: Deployment, hosts?: readonly HostState[]): Promise<void> {
    if (this.moving.get(d.id) !== d) {
      this.finished.delete(d.id);
      this.moving.set(d.id, d);
    }
    this.unwritten.set(d.id, d);
    if (hosts === undefined) this.whole.add(d.id);
    else {
      const named = this.named.get(d.id) ?? new Set();
      for (const h of hosts) named.add(h);
      this.named.set(d.id, named);
    }
    return this.writes.save(d.id);
  }

  settled(): Promise<void> {
    return this.writes.settled();
  }

  /**
   * Once the writes settled, rewrite whole each record a journal continues (the daemon stops):
   * every record on disk then holds its deployment's every step by itself, for a reader that does
   * not know journals (an older daemon after a rollback) and for a backup taken while stopped.
   */
  async fold(): Promise<void> {
    await this.settled();
    for (const [id, journal] of this.journals) {
      const d = this.moving.get(id);
      if (!d || journal.bytes === 0) continue;
      await this.save(d).catch((err: unknown) => {
        this.log.warn('could not fold a journal into its record; both together hold every step', {
          deploymentId: id,
          err,
        });
      });
    }
  }

  /**
   * Remove finished deployments at rest whose record was last written before `before` (ms since
   * the epoch): record and saved summary. Kept whatever their age: the `keepNewest` newest (a
   * clock set years ahead must not empty the history), and any that still acts on the site (an
   * open breaker or a halted update holds other deployments back until an admin lifts it). The
   * writer only. Returns the ids removed, oldest first.
   */
  async prune(before: number, keepNewest: number): Promise<string[]> {
    if (!this.opts.summarize) return [];
    const all = this.all();
    const kept = new Set(all.slice(Math.max(0, all.length - keepNewest)).map((d) => d.id));
    const removed: string[] = [];
    for (const { id } of all) {
      const f = this.finished.get(id);
      if (!f || kept.has(id) || stillActs(f.summary)) continue;
      const file = await this.recordFile(id);
      // Written since `before`; changed meanwhile (an admin's action made it live again); or its
      // record being read for a page (it goes at the next round). A page that already holds it
      // and acts on it later writes it back whole.
      if (!file || file.mtimeMs >= before || this.finished.get(id) !== f) continue;
      if (this.unwritten.has(id) || this.reads.has(id)) continue;
      this.finished.delete(id);
      try {
        // The summary first: a record left without one is read whole at the next start.
        await this.saved?.delete(id);
        // Saved again meanwhile (an admin's action on the page read just before): it stays. The
        // check and the delete are one synchronous step, so a write of it queues behind the delete.
        if (this.moving.has(id)) continue;
        await this.records.delete(id);
        await rm(journalFile(this.records.file(id)), { force: true });
        removed.push(id);
      } catch (err) {
        this.finished.set(id, f);
        this.log.warn('could not remove an old deployment; kept', { deploymentId: id, err });
      }
    }
    return removed;
  }

  /** Every deployment's id, breakers and halted updates, in no order (checked per host as rings advance). */
  private *headings(): Iterable<Pick<Deployment, 'id' | 'breakers' | 'haltedUpdates'>> {
    yield* this.moving.values();
    for (const f of this.finished.values()) yield f.summary;
  }

  /** Update keys halted by any deployment: their promotion stops everywhere. */
  haltedUpdates(): Set<string> {
    const halted = new Set<string>();
    for (const d of this.headings()) for (const u of d.haltedUpdates) halted.add(u);
    return halted;
  }

  /** The open (not reset) breaker for this update on this host, in any deployment. */
  openBreaker(hostId: string, update: string): Breaker | undefined {
    for (const d of this.headings()) {
      const b = d.breakers.find((x) => x.hostId === hostId && x.update === update && !x.resetAt);
      if (b) return b;
    }
    return undefined;
  }

  /** Every open breaker on a host, with its deployment. */
  openBreakers(hostId?: string): Array<{ deploymentId: string; breaker: Breaker }> {
    return [...this.headings()].flatMap((d) =>
      d.breakers
        .filter((b) => !b.resetAt && (hostId === undefined || b.hostId === hostId))
        .map((breaker) => ({ deploymentId: d.id, breaker })),
    );
  }
}
