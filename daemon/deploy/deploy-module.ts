/**
 * Builds the deployment service the daemon runs: records under `<dataDir>/deploy`, host work as
 * jobs on the daemon's job runner. The adapters that touch hosts (executors over SSH, the
 * verifier that re-inventories and re-assesses, Wake-on-LAN) are passed in as `DeployAdapters`;
 * until they exist the daemon builds no deployment service at all (there is no stand-in).
 */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { type Clock, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { DeployService, type DeployServiceOptions } from './deploy-service.js';
import type { WakeTarget } from './host-run.js';
import type { ExecutorFactory, Verifier, WakeSender } from './ports.js';

/** The real adapters deployment needs; `wake` and `wakeTarget` are optional (no Wake-on-LAN). */
export interface DeployAdapters {
  executors: ExecutorFactory;
  verifier: Verifier;
  wake?: WakeSender | undefined;
  /** A host's MAC and address for a magic packet (from the host directory), if known. */
  wakeTarget?: ((hostId: string) => Promise<WakeTarget | undefined>) | undefined;
}

export const deployDir = (config: Config): string => join(config.dataDir, 'deploy');

export const createDeployService = (
  config: Config,
  log: Logger,
  jobs: JobRunner,
  adapters: DeployAdapters & Pick<DeployServiceOptions, 'hostLabel' | 'scheduler'>,
  clock: Clock = systemClock,
): DeployService =>
  new DeployService({
    dir: deployDir(config),
    jobs,
    clock,
    log,
    // The site's limit is what the job runner enforces: host jobs beyond it wait their turn.
    concurrency: config.deploy.concurrency,
    keepDays: config.deploy.keepDays,
    ...adapters,
  });
