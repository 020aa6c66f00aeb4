import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../daemon/config.js';
import { createDeployService } from '../../../daemon/deploy/deploy-module.js';
import { admin } from '../../deploy-service.js';
import { ManualClock } from '../../fakes/clock.js';
import { assessment, FakeSite } from '../../fakes/deploy-site.js';
import { memoryLogger } from '../../fakes/log.js';
import { startJobs } from '../../job-runner.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

test("the site's deploy.concurrency is how many hosts install at once, past the default 5", async (t) => {
  const dir = await tempDir(t);
  const config = loadConfig({
    env: { PATCH_DEPOT_DATA_DIR: dir },
    overrides: { 'deploy.concurrency': 7, 'jobs.concurrency': 9 },
  });
  const clock = new ManualClock();
  const work = await startJobs(dir, { clock, concurrency: config.jobs.concurrency });
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const ids = Array.from({ length: 8 }, (_, i) => `h${i}`);
  const site = new FakeSite();
  for (const id of ids)
    site.add(id, { installed: { openssl: '3.0.1-1', libssl3: '3.0.1-1' }, holdInstall: held });
  const deploy = createDeployService(
    config,
    memoryLogger(),
    work.jobs,
    { executors: site, verifier: site },
    clock,
  );
  await deploy.start();
  onTeardown(t, async () => {
    release();
    await deploy.stop();
    await work.stop();
  });
  const d = await deploy.create(
    {
      title: 'openssl',
      assessments: ids.map((id) => assessment(id, [{}])),
      selection: {},
      placement: Object.fromEntries(ids.map((id) => [id, { group: 'all', ring: 0 }])),
      policy: { concurrency: 8, batchSize: 8 },
    },
    admin,
  );
  await deploy.approve(d.id, { kind: 'group', group: 'all' }, admin);
  await deploy.run(d.id, admin, { now: true });
  await waitFor(() => site.ran('install').length === 7, 'seven installs at once');
  // The eighth waits for a slot, though its batch holds all eight.
  await new Promise((r) => setImmediate(r));
  assert.equal(site.ran('install').length, 7);
  release();
  await waitFor(() => d.hosts.every((h) => h.outcome === 'verified'), 'every host verified');
});
