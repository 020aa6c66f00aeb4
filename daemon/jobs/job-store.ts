/**
 * Job records on disk: one file per job in a RecordDir, all of them in memory while the daemon
 * runs (a few thousand at most, thanks to retention). Writes of one record are serialised and
 * coalesced, so the file always ends up holding the newest state; a failed write is logged and
 * does not stop the job.
 */
import type { Logger } from '../log.js';
import { CoalescedWrites } from '../store/coalesced-writes.js';
import { RecordDir } from '../store/record-dir.js';
import { isFinished, type JobRecord, type JobState, jobRecordSchema } from './job.js';
import { removeJobLog } from './job-log.js';

export interface JobFilter {
  kind?: string;
  group?: string;
  host?: string;
  states?: readonly JobState[];
}

export class JobStore {
  private readonly records: RecordDir<JobRecord>;
  private readonly jobs = new Map<string, JobRecord>();
  private readonly writes = new CoalescedWrites(async (id) => {
    const job = this.jobs.get(id);
    if (!job) return;
    try {
      await this.records.put(id, job);
    } catch (err) {
      this.log.error('job record write failed', { jobId: id, err });
    }
  });

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    this.records = new RecordDir(dir, (v) => jobRecordSchema.parse(v), 0o640);
  }

  /** Read every record; a damaged one is logged and left out, the rest load. */
  async load(): Promise<JobRecord[]> {
    await this.records.start();
    const bad: string[] = [];
    const loaded: JobRecord[] = [];
    for (const id of await this.records.ids()) {
      try {
        const job = await this.records.get(id);
        if (job && job.id === id) loaded.push(job);
        else bad.push(id);
      } catch (err) {
        bad.push(id);
        this.log.warn('job record unreadable; skipped', { jobId: id, err });
      }
    }
    if (bad.length) this.log.warn('skipped unreadable job records', { count: bad.length });
    loaded.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    for (const job of loaded) this.jobs.set(job.id, job);
    return this.all();
  }

  /** Oldest first: the order they were submitted in (the map keeps insertion order). */
  all(): JobRecord[] {
    return [...this.jobs.values()];
  }

  /** Oldest first, those matching every given field. */
  select(f: JobFilter): JobRecord[] {
    return this.all().filter(
      (j) =>
        (f.kind === undefined || j.kind === f.kind) &&
        (f.group === undefined || j.group === f.group) &&
        (f.host === undefined || j.host === f.host) &&
        (f.states === undefined || f.states.includes(j.state)),
    );
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  add(job: JobRecord): Promise<void> {
    this.jobs.set(job.id, job);
    return this.save(job);
  }

  /** Write the record's current state; resolves once a write holding it is durable. */
  save(job: JobRecord): Promise<void> {
    return this.writes.save(job.id);
  }

  /** Every write started so far has finished. */
  settled(): Promise<void> {
    return this.writes.settled();
  }

  /** Keep the newest `keep` finished jobs; remove older records and their logs. */
  async prune(keep: number): Promise<number> {
    const finished = this.all()
      .filter((j) => isFinished(j.state))
      .sort((a, b) => (b.finishedAt ?? b.createdAt).localeCompare(a.finishedAt ?? a.createdAt));
    const old = finished.slice(keep);
    for (const job of old) {
      this.jobs.delete(job.id);
      await this.writes.inFlight(job.id);
      try {
        await this.records.delete(job.id);
        await removeJobLog(this.dir, job.id);
      } catch (err) {
        this.log.warn('could not remove an old job record', { jobId: job.id, err });
      }
    }
    return old.length;
  }
}
