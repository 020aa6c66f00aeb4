/**
 * `patch-depot deploy plan|status|run` as real processes on a data directory the daemon filled
 * (synced feed, assessed hosts, one draft deployment) and then left: the plan for people and as
 * JSON, status of all and of one, `run` saying plainly that no SSH executor is configured, and
 * usage errors with exit code 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createInput, deployRequest } from '../../../daemon/deploy/new-deployment.js';
import { tempDir } from '../../temp-dir.js';
import { HIGH, MEDIUM, startDeployApp } from '../web/deploy-app.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('deploy plan, status and run from the console', { timeout: 120_000 }, async (t) => {
  const dataDir = await tempDir(t);
  // The CLI reads the feed list from config.json; the snapshot the daemon synced is filed by feed id.
  const feeds = [{ id: 'debian', kind: 'debian-tracker', url: 'http://127.0.0.1:9/tracker.json' }];
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ catalog: { feeds } }));
  const s = await startDeployApp(t, { dataDir });
  const assessments = (await s.app.assess!.current()).hosts;
  const request = deployRequest({ advisories: [HIGH], title: 'expat' });
  const d = await s.app.deploy!.create(
    createInput(s.app.config.deploy, assessments, request, () => undefined),
    {
      by: 'admin',
      from: '127.0.0.1',
    },
  );
  await s.app.stop();

  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'daemon/main.ts', 'deploy', ...args, '--data-dir', dataDir],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PATCH_DEPOT_LOG_LEVEL: 'warn' },
      },
    );

  const one = run('plan', '--advisory', HIGH, '--host', s.hosts[0]!);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, new RegExp(`high\\s+${HIGH}`));
  assert.match(one.stdout, new RegExp(`${s.hosts[0]} \\(${s.hosts[0]}, dpkg, group default, ring 2\\)`));
  assert.match(one.stdout, /upgrade libexpat1 to 2\.5\.0-1\+deb12u2 {2}\[CVE-2024-8176\]/);
  assert.match(one.stdout, /1 host\(s\) to change/);

  // A name no machine has is said, not planned as "no inventory yet: collect it first".
  const typo = run('plan', '--advisory', HIGH, '--host', 'pilot9');
  assert.equal(typo.status, 1);
  assert.match(
    typo.stderr,
    /--host "pilot9": no known machine \(give a host id, an address, a MAC or the name it reports\)/,
  );
  assert.doesNotMatch(typo.stdout + typo.stderr, /collect it first/);

  const json = run('plan', '--advisory', HIGH, '--advisory', MEDIUM, '--json');
  assert.equal(json.status, 0, json.stderr);
  const plan = JSON.parse(json.stdout) as {
    changes: Array<{ hostId: string; upgrades: Array<{ name: string }> }>;
  };
  assert.deepEqual(plan.changes.map((c) => c.hostId).sort(), s.hosts);
  assert.deepEqual(
    plan.changes[0]!.upgrades.map((u) => u.name),
    ['curl', 'libexpat1'],
  );

  const nothing = run('plan', '--advisory', 'DSA-0000-1');
  assert.equal(nothing.status, 1, 'nothing to change is a failure');
  assert.match(nothing.stdout, /not applicable: none of the selected fixes is missing here/);
  assert.match(nothing.stderr, /^DSA-0000-1: no advisory in the catalog has that id/m, 'a typo says so');

  const list = run('status');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${d.id} {2}draft {5} .* expat {2}\\(3 pending\\)`, 'm'));
  const shown = run('status', d.id, '--json');
  assert.equal(shown.status, 0, shown.stderr);
  assert.equal((JSON.parse(shown.stdout) as { id: string; hosts: unknown[] }).hosts.length, 3);
  const detail = run('status', d.id);
  assert.match(detail.stdout, /ring 2: pending \(3 hosts\)/);
  assert.match(detail.stdout, /pending\s+-\s+libexpat1=2\.5\.0-1\+deb12u2/);
  const unknown = run('status', 'dep-nope');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no deployment dep-nope/);

  // Nothing is approved yet: the run starts and every host waits, pending, for an approval.
  const start = run('run', d.id, '--now');
  assert.equal(start.status, 1, start.stdout);
  assert.match(start.stdout, /running/);
  assert.doesNotMatch(start.stdout, /verified|failed/);

  for (const [args, message] of [
    [['plan'], /give at least one of --advisory, --package or --host/],
    [['run'], /missing ID: the deployment to start/],
    [[], /deploy: give a subcommand: plan, status, run/],
    [['launch'], /unknown subcommand "launch"/],
    [['plan', '--bogus'], /unknown option --bogus/],
    [['plan', '--advisroy', 'DSA-1'], /unknown option --advisroy; did you mean --advisory\?/],
  ] as const) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage:\s+patch-depot deploy (plan|run)/);
  }
});

test('deploy plan and status on a data directory the daemon never used say so', async (t) => {
  const empty = await tempDir(t);
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'daemon/main.ts', 'deploy', ...args, '--data-dir', empty],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PATCH_DEPOT_LOG_LEVEL: 'warn' },
      },
    );
  // Not the daemon's: said, a usage mistake (was "no deployments yet", exit 0, as if all were well).
  for (const args of [['status'], ['plan', '--advisory', HIGH]]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /is not a Patch Depot data directory \(it has no state\.json\)/);
  }
  // The daemon's, before any inventory: the plan was "0 host(s) to change" and nothing more.
  writeFileSync(join(empty, 'state.json'), '{}');
  const plan = run('plan', '--advisory', HIGH);
  assert.equal(plan.status, 1);
  assert.match(plan.stdout, /0 host\(s\) to change/);
  assert.ok(
    plan.stderr.includes(`no host has been inventoried in ${empty}: is it the daemon's data directory?`),
    plan.stderr,
  );
  assert.match(plan.stderr, /--data-dir DIR or PATCH_DEPOT_DATA_DIR/);
});
