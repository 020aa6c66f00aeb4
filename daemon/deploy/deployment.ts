/**
 * The deployment record: one JSON file per deployment holding its plan, policy, approvals, every
 * host's progress (phase, attempts, capped step records, outcome), the rings' progress and the
 * breakers its failures tripped. Read back from disk it is parsed like any other input.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { severities } from '../catalog/model.js';
import { ecosystems } from '../platform.js';
import { autoRuleSchema, manualApprovalSchema } from './policy/approvals.js';
import { HOST_OUTCOMES } from './ports.js';

const iso = z.iso.datetime();

export const upgradeSchema = z.object({
  name: z.string(),
  version: z.string(),
  advisories: z.array(z.string()),
});

export const changeSchema = z.object({
  hostId: z.string(),
  ecosystem: z.enum(ecosystems),
  upgrades: z.array(upgradeSchema),
  allowRemove: z.array(z.string()),
});

const actionSchema = z.object({
  action: z.enum(['install', 'upgrade', 'downgrade', 'remove', 'configure']),
  name: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
});

export const stepRecordSchema = z.object({
  step: z.string(),
  command: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int().nullable(),
  startedAt: iso,
  finishedAt: iso,
  truncated: z.boolean(),
});

export const HOST_PHASES = [
  'pending',
  'queued',
  'waking',
  'preflight',
  'recovering',
  'dry-run',
  'installing',
  'rebooting',
  'verifying',
  'done',
] as const;
export type HostPhase = (typeof HOST_PHASES)[number];

export const REBOOT_POLICIES = ['never', 'if-required', 'always'] as const;
export type RebootPolicy = (typeof REBOOT_POLICIES)[number];

export const hostStateSchema = z.object({
  hostId: z.string(),
  group: z.string(),
  ring: z.number().int().min(0).max(2),
  change: changeSchema,
  phase: z.enum(HOST_PHASES),
  /**
   * Written durably before a step that changes the host runs (install, reboot): after a crash the
   * host is re-verified instead of run again blindly. `bootId` is the one seen before a reboot.
   */
  intent: z
    .object({ step: z.enum(['install', 'reboot']), at: iso, bootId: z.string().optional() })
    .optional(),
  /** Attempts started (transient failures retry up to the limit); "Retry host" starts again at 0. */
  attempts: z.number().int().min(0),
  /** Times "Retry host" was pressed: each starts a new run whose attempts count from 1 again. */
  retries: z.number().int().min(1).optional(),
  /** `retry`: the run it failed in (absent: the first run, before any "Retry host"). */
  failures: z.array(
    z.object({
      at: iso,
      attempt: z.number(),
      retry: z.number().int().min(1).optional(),
      kind: z.string(),
      reason: z.string(),
    }),
  ),
  steps: z.array(stepRecordSchema),
  dryRun: z.array(actionSchema).optional(),
  jobId: z.string().optional(),
  /** The ring's batch the host was started in (1-based). */
  batch: z.number().int().min(1).optional(),
  runAt: iso.optional(),
  startedAt: iso.optional(),
  finishedAt: iso.optional(),
  outcome: z.enum(HOST_OUTCOMES).optional(),
  reason: z.string().optional(),
  /** Upgrades the last verification found in place, by update key. */
  verified: z.array(z.string()).optional(),
  /** Shown while the host waits: for approval, a window, a batch. */
  waiting: z.string().optional(),
});
export type HostState = z.infer<typeof hostStateSchema>;
export type HostFailure = HostState['failures'][number];

/** The try a failure happens in: its attempt, and the "Retry host" run it belongs to (none: the first run). */
export const attemptOf = (h: HostState): Pick<HostFailure, 'attempt' | 'retry'> =>
  h.retries ? { attempt: h.attempts, retry: h.retries } : { attempt: h.attempts };

/**
 * How a failure names its try. Once a host was retried its attempts count from 1 again, so a bare
 * "attempt 1" would name two different tries: the run is said too.
 */
export const attemptLabel = (h: HostState, f: HostFailure): string =>
  h.retries ? `${f.retry ? `retry ${f.retry}` : 'first run'}, attempt ${f.attempt}` : `attempt ${f.attempt}`;

export const RING_STATES = ['pending', 'running', 'soaking', 'passed', 'halted'] as const;
const ringSchema = z.object({
  state: z.enum(RING_STATES),
  startedAt: iso.optional(),
  /** Every host of the ring ended (soak starts here). */
  doneAt: iso.optional(),
  note: z.string().optional(),
  batch: z.number().int().min(0),
});
export type RingProgress = z.infer<typeof ringSchema>;

export const policySchema = z.object({
  concurrency: z.number().int().min(1).max(100),
  /** Hosts started together in a ring; the next batch waits until this one ended. */
  batchSize: z.number().int().min(1),
  /** More failed hosts than this in one batch halts before the next batch. */
  batchFailureThreshold: z.number().int().min(0),
  gate: z.object({
    minSuccessRate: z.number().min(0).max(1),
    minVerified: z.number().int().min(0),
    soakMs: z.number().int().min(0),
  }),
  /** Per host group; hosts of a group without one run at any time. */
  windows: z.record(z.string(), z.object({ text: z.string(), zone: z.string() })),
  reboot: z.record(z.string(), z.enum(REBOOT_POLICIES)),
  rules: z.array(autoRuleSchema),
  spreadMs: z.number().int().min(0),
  /** An admin chose "run now": windows do not hold hosts back. */
  now: z.boolean(),
});
export type DeployPolicy = z.infer<typeof policySchema>;

export const DEPLOYMENT_STATES = ['draft', 'running', 'paused', 'halted', 'completed', 'cancelled'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

export const breakerSchema = z.object({
  hostId: z.string(),
  update: z.string(),
  trippedAt: iso,
  reason: z.string(),
  resetAt: iso.optional(),
  resetBy: z.string().optional(),
});
export type Breaker = z.infer<typeof breakerSchema>;

export const deploymentSchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: iso,
  createdBy: z.string(),
  state: z.enum(DEPLOYMENT_STATES),
  note: z.string().optional(),
  advisories: z.record(
    z.string(),
    z.object({ severity: z.enum(severities), summary: z.string(), cves: z.array(z.string()) }),
  ),
  notApplicable: z.array(z.object({ hostId: z.string(), reason: z.string() })),
  policy: policySchema,
  approvals: z.array(manualApprovalSchema),
  hosts: z.array(hostStateSchema),
  rings: z.array(ringSchema).length(3),
  breakers: z.array(breakerSchema),
  /** Update keys whose ring gate failed: their promotion is halted in every deployment. */
  haltedUpdates: z.array(z.string()),
  /**
   * The journal that continues this record: its changes since the record was written, appended as
   * they happen (deployment-journal.ts). A journal of another generation is stale and ignored.
   */
  journal: z.string().optional(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const newDeploymentId = (now: number): string =>
  `dep-${new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

export const MAX_STEPS = 30;
export const MAX_FAILURES = 10;

/** Keep the newest `max` entries of a capped list, in place. */
export const capList = <T>(list: T[], max: number): void => {
  if (list.length > max) list.splice(0, list.length - max);
};

export const isHostDone = (h: HostState): boolean => h.outcome !== undefined;

/** Successful for a gate: the fix is verified (a reboot may still be due). */
export const isSuccess = (h: HostState): boolean =>
  h.outcome === 'verified' || h.outcome === 'reboot-pending';
