/**
 * Child process for the job kill -9 test: a real job runner on the real clock submits one job
 * whose handler prints `ack 1` (its record already says "running" on disk) and then works forever,
 * until the parent kills the process with SIGKILL.
 */
import { z } from 'zod';
import { JobRunner } from '../../../daemon/jobs/job-runner.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import { memoryLogger } from '../../fakes/log.js';

const [dir] = process.argv.slice(2);
const runner = new JobRunner({
  dir: dir!,
  clock: systemClock,
  log: memoryLogger(),
  concurrency: 2,
  keepFinished: 10,
});
await runner.start();
runner.register({
  kind: 'test.work',
  params: z.object({ host: z.string() }),
  recovery: 'retry',
  async run() {
    process.stdout.write('ack 1\n');
    await new Promise(() => setInterval(() => {}, 60_000));
    return { summary: 'unreachable' };
  },
});
await runner.submit({
  kind: 'test.work',
  title: 'work on h1',
  params: { host: 'h1' },
  host: 'h1',
  trigger: 'manual',
});
