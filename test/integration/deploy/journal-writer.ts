/**
 * kill -9 child for deployment-kill9.test.ts: a running deployment of HOSTS hosts (created on the
 * first run) whose hosts make progress from step START on: step N adds a step named `seq N` (10 KB
 * of output) to host N % HOSTS and saves it as the runner does (a journal line, or the record
 * rewritten when the journal has grown or after the start replayed one); every fifth step the
 * rings also touch a host no save names. Prints `ack N` once step N is durable, until killed.
 */
import { join } from 'node:path';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { capList, MAX_STEPS } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { deploymentRecord } from '../../deployment-record.js';
import { memoryLogger } from '../../fakes/log.js';

export const HOSTS = 40;
export const ID = 'dep-20261205T100000-c0ffee';
const AT = '2026-12-05T10:00:00.000Z';

export const running = (): Deployment =>
  deploymentRecord(
    ID,
    Array.from({ length: HOSTS }, (_, i) => ({
      hostId: `h-${i}`,
      group: 'default',
      ring: 2,
      change: { hostId: `h-${i}`, ecosystem: 'dpkg', upgrades: [], allowRemove: [] },
      phase: 'pending',
      attempts: 0,
      failures: [],
      steps: [],
    })),
    { title: 'kill -9', state: 'running' },
  );

if (process.argv[1]?.endsWith('journal-writer.ts')) {
  const [dir, start] = process.argv.slice(2) as [string, string];
  const store = new DeploymentStore(join(dir, 'deployments'), memoryLogger(), { summarize: true });
  await store.load();
  let d = store.live(ID);
  if (!d) {
    d = running();
    await store.add(d);
  }
  const output = 'Unpacking openssl (3.0.15-1~deb12u1) over (3.0.14-1~deb12u2) ...\n'.repeat(150);
  for (let n = Number(start); ; n++) {
    const h = d.hosts[n % HOSTS]!;
    h.phase = 'installing';
    h.steps.push({
      step: `seq ${n}`,
      command: 'apt-get install',
      stdout: output,
      stderr: '',
      exitCode: 0,
      startedAt: AT,
      finishedAt: AT,
      truncated: false,
    });
    capList(h.steps, MAX_STEPS);
    await store.save(d, [h]);
    if (n % 5 === 0) {
      d.hosts[(n + 7) % HOSTS]!.waiting = `touched at ${n}`;
      await store.save(d, [d.hosts[(n + 7) % HOSTS]!]);
    }
    process.stdout.write(`ack ${n}\n`);
  }
}
