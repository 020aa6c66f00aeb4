/**
 * A job running in a real process killed with SIGKILL is never lost: the next runner over the
 * same directory finds it "running", marks it interrupted, and its kind's retry runs it to success.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { JobRunner } from '../../../daemon/jobs/job-runner.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import { memoryLogger } from '../../fakes/log.js';
import { runAndKill } from '../../kill-writer.js';
import { tempDir } from '../../temp-dir.js';

const child = fileURLToPath(new URL('./job-child.ts', import.meta.url));

test('a job cut by kill -9 comes back interrupted and is retried to success', {
  timeout: 60_000,
}, async (t) => {
  const dir = await tempDir(t);
  assert.deepEqual(await runAndKill(child, [dir], 1), [1]);
  const [file] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  assert.ok(file, 'the job record is on disk');
  const id = file.slice(0, -'.json'.length);

  const runner = new JobRunner({
    dir,
    clock: systemClock,
    log: memoryLogger(),
    concurrency: 2,
    keepFinished: 10,
  });
  await runner.start();
  t.after(() => runner.stop());
  const found = runner.get(id);
  assert.equal(found?.state, 'interrupted');
  assert.equal(found?.attempts, 1);
  runner.register({
    kind: 'test.work',
    params: z.object({ host: z.string() }),
    recovery: 'retry',
    run: async (_job, params) => ({ summary: `done on ${params.host}` }),
  });
  const done = await runner.settled(id);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.result?.summary, 'done on h1');
  assert.equal(done.attempts, 2);
  assert.deepEqual(
    done.events.map((e) => e.state),
    ['queued', 'running', 'interrupted', 'queued', 'running', 'succeeded'],
  );
  const log = (await runner.log(id)).map((l) => l.slice(25));
  assert.deepEqual(log, [
    'attempt 1 started (manual)',
    'interrupted; retrying after the interruption (attempt 2 of 3)',
    'attempt 2 started (manual)',
    'succeeded: done on h1',
  ]);
});
