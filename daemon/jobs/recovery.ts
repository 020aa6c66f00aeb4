/**
 * What becomes of a job the appliance stopped in the middle of (kill -9, power cut, or a stop
 * that cut it short): its kind decides. Reads and idempotent work run again, up to a limit;
 * changes to machines are reconciled (the kind checks what really happened); the rest fail with
 * the reason. Never silently dropped.
 */
import type { JobKind, JobRecord, JobResult } from './job.js';

export const DEFAULT_MAX_ATTEMPTS = 3;

export type Recovery =
  | { state: 'queued'; note: string }
  | { state: 'failed'; error: string }
  | { state: 'succeeded'; result: JobResult; note: string };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const decideRecovery = async (job: JobRecord, kind: JobKind<unknown>): Promise<Recovery> => {
  if (kind.recovery === 'fail') {
    return {
      state: 'failed',
      error: 'the appliance stopped while this job ran; jobs of this kind are not retried',
    };
  }
  let decision: 'retry' | Recovery = 'retry';
  if (kind.recovery === 'reconcile') {
    if (!kind.reconcile) return { state: 'failed', error: `${kind.kind} has no reconcile step` };
    try {
      const outcome = await kind.reconcile(job, kind.params.parse(job.params));
      if (outcome.state === 'succeeded')
        decision = { state: 'succeeded', result: outcome.result, note: 'reconciled: the work was done' };
      else if (outcome.state === 'failed') decision = { state: 'failed', error: outcome.error };
    } catch (err) {
      return { state: 'failed', error: `could not reconcile after the interruption: ${message(err)}` };
    }
  }
  if (decision !== 'retry') return decision;
  const max = kind.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (job.attempts >= max) {
    return { state: 'failed', error: `interrupted ${job.attempts} times; not retried again` };
  }
  return { state: 'queued', note: `retrying after the interruption (attempt ${job.attempts + 1} of ${max})` };
};
