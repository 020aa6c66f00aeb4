/**
 * One attempt of a job: its record says "running" on disk before any work starts (so a crash from
 * then on is recovered), the handler runs with the job's signal, log and progress, and whatever
 * happens becomes an outcome: succeeded, failed with the message, or cancelled / interrupted
 * when the signal was aborted for that reason.
 */
import type { Logger } from '../log.js';
import { JobAbort, type JobContext, type JobKind, type JobRecord, type JobResult } from './job.js';
import { type JobLog, teeLogger } from './job-log.js';

export interface Active {
  job: JobRecord;
  abort: AbortController;
  log: JobLog;
  done: Promise<void>;
}

export type Outcome =
  | { state: 'succeeded'; result: JobResult }
  | { state: 'failed' | 'cancelled' | 'interrupted'; error: string };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const runAttempt = async (
  a: Active,
  kind: JobKind<unknown>,
  log: Logger,
  save: (job: JobRecord) => Promise<void>,
): Promise<Outcome> => {
  const { job } = a;
  try {
    await a.log.load();
  } catch (err) {
    log.warn('earlier job log unreadable; starting a new one', { err });
  }
  await save(job);
  a.log.append(`attempt ${job.attempts} started (${job.trigger})`);
  await a.log.flush();
  log.info('job started', { attempt: job.attempts, title: job.title });
  const ctx: JobContext = {
    signal: a.abort.signal,
    log: (line) => a.log.append(line),
    tee: (logger) => teeLogger(logger, (line) => a.log.append(line)),
    progress: (p) => {
      job.progress = { ...job.progress, ...p };
    },
  };
  try {
    // Cancelled or stopped while its record was being written: the work never starts.
    a.abort.signal.throwIfAborted();
    return { state: 'succeeded', result: await kind.run(job, kind.params.parse(job.params), ctx) };
  } catch (err) {
    const reason: unknown = a.abort.signal.aborted ? a.abort.signal.reason : undefined;
    if (reason instanceof JobAbort)
      return { state: reason.why === 'cancel' ? 'cancelled' : 'interrupted', error: reason.message };
    return { state: 'failed', error: message(err) };
  }
};
