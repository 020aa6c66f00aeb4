/**
 * The daemon's job runner and scheduler for a test, over `<dir>/jobs` (real records on disk) and
 * the given clock. Jitter is off so schedules are exact; `stop()` stops both, scheduler first.
 */
import { JobRunner } from '../daemon/jobs/job-runner.js';
import { Scheduler } from '../daemon/jobs/scheduler.js';
import { type Clock, systemClock } from '../daemon/lifecycle.js';
import type { Logger } from '../daemon/log.js';
import { memoryLogger } from './fakes/log.js';

export interface TestWork<C extends Clock = Clock> {
  jobs: JobRunner;
  scheduler: Scheduler;
  clock: C;
  stop(): Promise<void>;
}

export const startJobs = async <C extends Clock = Clock>(
  dir: string,
  opts: { clock?: C; log?: Logger; schedule?: boolean; concurrency?: number } = {},
): Promise<TestWork<C>> => {
  const clock = (opts.clock ?? systemClock) as C;
  const log = opts.log ?? memoryLogger();
  const jobs = new JobRunner({
    dir: `${dir}/jobs`,
    clock,
    log,
    concurrency: opts.concurrency ?? 4,
    keepFinished: 100,
  });
  const scheduler = new Scheduler({ clock, log, random: () => 0 });
  await jobs.start();
  // Without the scheduler running, entries are listed with their next run but never fire.
  if (opts.schedule ?? true) await scheduler.start();
  return {
    jobs,
    scheduler,
    clock,
    stop: async () => {
      await scheduler.stop();
      await jobs.stop();
    },
  };
};
