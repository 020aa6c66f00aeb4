/**
 * What a job is: its durable record (one JSON file per job), its states, and the contract a job
 * kind fulfils (a handler plus what to do when the appliance died while the job ran).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DepotError } from '../errors.js';
import type { Logger } from '../log.js';

export const JOB_STATES = [
  'queued',
  'scheduled',
  'waiting-approval',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves; only these are pruned. */
export const FINISHED: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinished = (state: JobState): boolean => FINISHED.has(state);

const progressSchema = z.object({
  done: z.number().optional(),
  total: z.number().optional(),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof progressSchema>;

const resultSchema = z.object({
  summary: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** What a handler returns: one line for people, optional data for the service that owns the kind. */
export type JobResult = z.infer<typeof resultSchema>;

const eventSchema = z.object({
  at: z.iso.datetime(),
  state: z.enum(JOB_STATES),
  note: z.string().optional(),
});
export type JobEvent = z.infer<typeof eventSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  kind: z.string(),
  /** What the job does, in words: "Scan of Office", "Inventory of 10.0.0.5". */
  title: z.string(),
  /** The machine the job changes or reads: never two running jobs for one host. */
  host: z.string().optional(),
  /** How the title's end named that machine when the job was made (pages show its name now). */
  hostLabel: z.string().optional(),
  /** Jobs submitted together (one inventory run over many hosts). */
  group: z.string().optional(),
  trigger: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: z.enum(JOB_STATES),
  /** How many times the handler started. */
  attempts: z.number().int().min(0),
  createdAt: z.iso.datetime(),
  runAt: z.iso.datetime().optional(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  progress: progressSchema.optional(),
  result: resultSchema.optional(),
  error: z.string().optional(),
  /** State changes with a short reason, oldest first (the last few dozen). */
  events: z.array(eventSchema),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export interface JobSpec {
  kind: string;
  title: string;
  params: Record<string, unknown>;
  trigger: string;
  host?: string | undefined;
  /** How the title's end names the host (its address, or its name then). */
  hostLabel?: string | undefined;
  group?: string | undefined;
  /** Run no earlier than this (ms since the epoch): the job waits as `scheduled`. */
  runAt?: number | undefined;
  /** Wait as `waiting-approval` until someone approves it. */
  needsApproval?: boolean | undefined;
}

export interface JobContext {
  /** Aborted when the job is cancelled or the appliance stops. */
  signal: AbortSignal;
  /** One line into the job's own log (shown on its Activity page). */
  log(line: string): void;
  /** Wrap the service's logger so its lines (info and up) also go into the job's log. */
  tee(logger: Logger): Logger;
  progress(p: JobProgress): void;
}

/** What a kind's reconcile step decided for a job the appliance died in the middle of. */
export type ReconcileOutcome =
  | { state: 'succeeded'; result: JobResult }
  | { state: 'failed'; error: string }
  | { state: 'retry' };

export interface JobKind<P> {
  kind: string;
  /** Parses the stored parameters: a record read back from disk is input like any other. */
  params: z.ZodType<P>;
  run(job: JobRecord, params: P, ctx: JobContext): Promise<JobResult>;
  /**
   * A job found running after a crash or stop: run it again (reads and idempotent work), ask the
   * kind what really happened (`reconcile`: changes to machines), or give up.
   */
  recovery: 'retry' | 'reconcile' | 'fail';
  reconcile?: (job: JobRecord, params: P) => Promise<ReconcileOutcome>;
  /** Retries after interruptions stop after this many attempts (default 3). */
  maxAttempts?: number;
  /** At most this many jobs of the kind run at once (e.g. SSH sessions). */
  concurrency?: number;
}

export const newJobId = (now: Date): string =>
  `job-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

/** How long a job ran (or has been running), in ms; undefined before it started. */
export const jobDuration = (job: JobRecord, now: number): number | undefined => {
  if (!job.startedAt) return undefined;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return Math.max(0, end - Date.parse(job.startedAt));
};

/** Why a running job's signal was aborted: an administrator cancelled it, or the appliance stops. */
export class JobAbort extends DepotError {
  constructor(
    readonly why: 'cancel' | 'stop',
    message: string,
  ) {
    super('UNAVAILABLE', message);
  }
}

const MAX_EVENTS = 40;

/** Move a job to a state and note it in its (bounded) event list. */
export const transition = (job: JobRecord, state: JobState, at: string, note?: string): void => {
  job.state = state;
  job.events.push({ at, state, ...(note ? { note } : {}) });
  if (job.events.length > MAX_EVENTS) job.events.splice(0, job.events.length - MAX_EVENTS);
};
