/**
 * The deployment service for a test: over `<dir>/deploy` and `<dir>/jobs` (real records on disk),
 * the given clock and a FakeSite standing in for executors, verifier and Wake-on-LAN. Spread is
 * off (random 0); backoff and polls are a second. `stop()` stops the service, then the jobs.
 */
import { join } from 'node:path';
import { DeployService } from '../daemon/deploy/deploy-service.js';
import type { HostRunTiming } from '../daemon/deploy/host-run.js';
import type { Clock } from '../daemon/lifecycle.js';
import type { FakeSite } from './fakes/deploy-site.js';
import { memoryLogger } from './fakes/log.js';
import { startJobs } from './job-runner.js';

export const startDeploy = async (
  dir: string,
  site: FakeSite,
  clock: Clock,
  hostLabel?: (hostId: string) => string | undefined,
  timing: Partial<HostRunTiming> = {},
) => {
  const work = await startJobs(dir, { clock, concurrency: 10 });
  const deploy = new DeployService({
    dir: join(dir, 'deploy'),
    jobs: work.jobs,
    clock,
    log: memoryLogger(),
    executors: site,
    verifier: site,
    wake: site,
    wakeTarget: site.wakeTarget,
    random: () => 0,
    timing: { backoffMs: 1_000, pollMs: 1_000, ...timing },
    hostLabel,
  });
  await deploy.start();
  const stop = async () => {
    await deploy.stop();
    await work.stop();
  };
  return { work, deploy, stop };
};

export const admin = { by: 'admin', from: '192.0.2.10' };
