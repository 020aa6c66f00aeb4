/**
 * The deployment store on disk: a finished deployment at rest is held as its summary, its record
 * read from the file when asked, and any change to it saved whole, never a summary.
 */
import assert from 'node:assert/strict';
import { readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Deployment } from '../../../daemon/deploy/deployment.js';
import { DeploymentStore } from '../../../daemon/deploy/deployment-store.js';
import { deploymentRecord } from '../../deployment-record.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const AT = '2026-12-01T10:00:00.000Z';
const pkgs = ['openssl', 'libssl3', 'curl'];
const install = pkgs.map((p) => `Unpacking ${p} (3.0.15-1~deb12u1) over (3.0.14-1~deb12u2) ...\n`).join('');
const step = (name: string, stdout: string) => ({
  step: name,
  command: `apt-get ${name}`,
  stdout,
  stderr: '',
  exitCode: 0,
  startedAt: AT,
  finishedAt: AT,
  truncated: false,
});
const deployment = (hosts: number, state: Deployment['state'] = 'completed'): Deployment =>
  deploymentRecord(
    'dep-20261201T100000-abcdef',
    Array.from({ length: hosts }, (_, i) => ({
      hostId: `h-${i}`,
      group: 'default',
      ring: 1,
      change: {
        hostId: `h-${i}`,
        ecosystem: 'dpkg',
        upgrades: pkgs.map((name) => ({ name, version: '3.0.15-1~deb12u1', advisories: ['DSA-5800-1'] })),
        allowRemove: [],
      },
      phase: 'done',
      attempts: 1,
      failures: [],
      // Each host's update output differs (its speed); the install's is the same on every host.
      steps: [step('update', `Fetched 1,234 kB in 0s (${5000 + i} kB/s)\n`), step('install', install)],
      outcome: 'verified',
      verified: pkgs,
    })),
    { state, rings: [0, 1, 2].map(() => ({ state: 'passed' as const, batch: 0 })) },
  );

const onDisk = async (dir: string, d: Deployment): Promise<Deployment> =>
  JSON.parse(await readFile(join(dir, `${d.id}.json`), 'utf8')) as Deployment;

test('a finished deployment at rest is held as its summary; its record is read from its file, one object for everyone', async (t) => {
  const dir = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(300);
  d.hosts[7]!.outcome = 'failed';
  d.hosts[7]!.reason = 'dpkg was interrupted';
  const expected = structuredClone(d);
  await store.add(d);
  expected.journal = d.journal;
  assert.equal(store.live(d.id), undefined, 'no longer held whole once written at rest');
  const s = store.summary(d.id)!;
  assert.equal(s.hostCount, 300);
  assert.equal(s.counts().verified, 299);
  assert.equal(s.counts().failed, 1);
  assert.equal(s.ringHosts(1), 300);
  assert.deepEqual(s.host('h-7'), {
    hostId: 'h-7',
    group: 'default',
    ring: 1,
    phase: 'done',
    outcome: 'failed',
    reason: 'dpkg was interrupted',
    change: { upgrades: expected.hosts[7]!.change.upgrades },
  });
  assert.equal(s.host('h-300'), undefined);
  const [a, b] = await Promise.all([store.record(d.id), store.record(d.id)]);
  assert.deepEqual(a, expected);
  assert.equal(a, b, 'two readers at once get one object');

  // A new daemon: read at rest, summarised at once; a CLI command's store holds every record whole.
  const daemon = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await daemon.load();
  assert.equal(daemon.live(d.id), undefined);
  assert.deepEqual(
    daemon.all().map((x) => [x.id, x.state, x.hostCount]),
    [[d.id, 'completed', 300]],
  );
  assert.deepEqual(await daemon.record(d.id), expected);
  const cli = new DeploymentStore(dir, memoryLogger());
  await cli.load();
  assert.deepEqual(cli.live(d.id), expected);
});

test('a change to a finished deployment is saved whole (steps and all), and its summary follows', async (t) => {
  const dir = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(20);
  d.breakers.push({
    hostId: 'h-3',
    update: 'openssl=3.0.15-1~deb12u1',
    trippedAt: AT,
    reason: 'postinst failed',
  });
  await store.add(d);
  const daemon = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await daemon.load();
  assert.equal(daemon.openBreaker('h-3', 'openssl=3.0.15-1~deb12u1')?.reason, 'postinst failed');
  const record = (await daemon.record(d.id))!;
  record.breakers[0]!.resetAt = AT;
  // Two saves, the second asked for before the first is written: the file ends with both changes.
  const first = daemon.save(record);
  record.title = 'December fixes (reviewed)';
  const second = daemon.save(record);
  await Promise.all([first, second]);
  const file = await onDisk(dir, d);
  assert.equal(file.title, 'December fixes (reviewed)');
  assert.equal(file.breakers[0]!.resetAt, AT);
  assert.deepEqual(file.hosts, d.hosts, 'every host whole, steps and output included');
  assert.equal(daemon.live(d.id), undefined, 'at rest again');
  assert.equal(daemon.summary(d.id)?.title, 'December fixes (reviewed)');
  assert.equal(daemon.openBreaker('h-3', 'openssl=3.0.15-1~deb12u1'), undefined);

  // Retried: running again, so held whole.
  record.state = 'running';
  record.hosts[0]!.outcome = undefined;
  record.hosts[0]!.phase = 'pending';
  await daemon.save(record);
  assert.equal(daemon.live(d.id), record);
  assert.equal(daemon.summary(d.id)?.counts().pending, 1);
});

test('a cancelled deployment with a host mid-step stays whole until that host ends', async (t) => {
  const dir = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(3, 'cancelled');
  Object.assign(d.hosts[1]!, { phase: 'installing', intent: { step: 'install', at: AT } });
  delete d.hosts[1]!.outcome;
  Object.assign(d.hosts[2]!, { phase: 'queued' });
  delete d.hosts[2]!.outcome;
  await store.add(d);
  assert.equal(store.live(d.id), d, 'the installing host still writes to it');
  Object.assign(d.hosts[1]!, { phase: 'done', outcome: 'verified' });
  delete d.hosts[1]!.intent;
  await store.save(d);
  assert.equal(store.live(d.id), undefined, 'at rest: the queued host never starts');
  assert.deepEqual(store.summary(d.id)?.counts(), {
    verified: 2,
    'reboot-pending': 0,
    failed: 0,
    unreachable: 0,
    'not-applicable': 0,
    'in-progress': 1,
    pending: 0,
  });
});

test('a finished deployment whose write failed is held whole, and written by the next save', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(5);
  await rm(dir, { recursive: true, force: true });
  await writeFile(dir, 'not a directory');
  await assert.rejects(store.add(d));
  assert.equal(store.live(d.id), d, 'held whole: nothing on disk to read it back from');
  await rm(dir);
  await store.save(d);
  assert.equal(store.live(d.id), undefined);
  assert.deepEqual(await store.record(d.id), d);
});

test('a start reads the summary saved beside a finished record instead of the record, while the record is the same file', async (t) => {
  const root = await tempDir(t);
  const dir = join(root, 'deployments');
  const summaries = join(root, 'deployment-summaries');
  const writer = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await writer.load();
  const d = deployment(40);
  d.hosts[3]!.outcome = 'unreachable';
  d.hosts[3]!.reason = 'no answer on port 22';
  await writer.add(d);
  const record = join(dir, `${d.id}.json`);
  const text = await readFile(record, 'utf8');
  const started = async () => {
    const log = memoryLogger();
    const store = new DeploymentStore(dir, log, { summarize: true });
    await store.load();
    return { store, log };
  };

  // A time a test can set again (utimes has no nanoseconds): the next start saves the summary anew.
  const at = new Date('2026-12-01T10:00:00Z');
  await utimes(record, at, at);
  await started();
  // Damage the record in place (same file, size and time): the saved summary is used, the record
  // is not read at start; asking for the record then says it is damaged.
  await writeFile(record, text.replace('"December fixes"', '"December fixes!'));
  await utimes(record, at, at);
  const fromSaved = await started();
  assert.deepEqual(
    fromSaved.log.lines.filter((l) => l.level === 'warn'),
    [],
  );
  assert.equal(fromSaved.store.summary(d.id)?.counts().unreachable, 1);
  assert.deepEqual(fromSaved.store.summary(d.id)?.host('h-3'), writer.summary(d.id)?.host('h-3'));
  assert.equal(fromSaved.store.summary(d.id)?.title, 'December fixes');
  await assert.rejects(fromSaved.store.record(d.id), { code: 'STORE_CORRUPT' });

  // The record replaced (restored from a backup, written by another version): read, summary saved again.
  await writeFile(`${record}.new`, text.replace('December fixes', 'Restored fixes'));
  await rename(`${record}.new`, record);
  const restored = await started();
  assert.equal(restored.store.summary(d.id)?.title, 'Restored fixes');
  const saved = JSON.parse(await readFile(join(summaries, `${d.id}.json`), 'utf8'));
  assert.equal(saved.heading.title, 'Restored fixes');
  assert.equal(saved.of.ino, (await stat(record)).ino);

  // A damaged or inconsistent saved summary: the record is read instead.
  for (const bad of ['{', JSON.stringify({ ...saved, hosts: { ...saved.hosts, ring: [9] } })]) {
    await writeFile(join(summaries, `${d.id}.json`), bad);
    const again = await started();
    assert.equal(again.store.summary(d.id)?.counts().verified, 39, bad.slice(0, 20));
    assert.deepEqual((await again.store.record(d.id))?.hosts[3]?.reason, 'no answer on port 22');
  }
});

/** A writer's store holding a deployment just started: `hosts` hosts, none begun. */
const startedRun = async (t: TestContext, hosts: number) => {
  const dir = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(hosts, 'running');
  for (const h of d.hosts) {
    Object.assign(h, { phase: 'pending', steps: [] });
    delete h.outcome;
  }
  await store.add(d);
  return { dir, store, d };
};

test("a running deployment's progress goes to its journal; the record is rewritten only as the journal outgrows it or the run ends", async (t) => {
  const { dir, store, d } = await startedRun(t, 200);
  const record = join(dir, `${d.id}.json`);
  const journal = join(dir, `${d.id}.journal`);
  const written = await stat(record);
  const fromDisk = async () => {
    const reader = new DeploymentStore(dir, memoryLogger());
    await reader.load();
    return (await reader.record(d.id))!;
  };

  // 200 hosts, each saved 8 times as it moves, with its apt output: about 1,600 saves.
  let rewrites = 0;
  let ino = written.ino;
  for (const [i, h] of d.hosts.entries()) {
    for (const phase of ['queued', 'preflight', 'dry-run', 'installing', 'verifying'] as const) {
      h.phase = phase;
      if (phase === 'installing') h.intent = { step: 'install', at: AT };
      h.steps.push(step(phase, `${install}host ${i}\n`));
      await store.save(d, [h]);
    }
    delete h.intent;
    Object.assign(h, { phase: 'done', outcome: 'verified' });
    await store.save(d, [h]);
    // A save writes the hosts it names alone: another host is not compared (its change is named by its own save).
    if (i === 10) {
      d.hosts[150]!.waiting = 'changed without being named';
      h.steps.push(step('verifying', 'again\n'));
      await store.save(d, [h]);
      const last = (await readFile(journal, 'utf8')).trimEnd().split('\n').at(-1)!;
      assert.deepEqual(
        JSON.parse(last).hosts.map((x: { hostId: string }) => x.hostId),
        [h.hostId],
      );
    }
    // The rings give the next host its turn without naming it.
    if (d.hosts[i + 1]) d.hosts[i + 1]!.waiting = `next after host ${i}`;
    await store.save(d, [d.hosts[i + 1]!].filter(Boolean));
    const now = (await stat(record)).ino;
    if (now !== ino) rewrites++;
    ino = now;
    if (i === 99) {
      // Half way: a new reader sees every step so far, the not-named host's wait, the intent-free host.
      const mid = await fromDisk();
      assert.deepEqual(mid.hosts.slice(0, 101), d.hosts.slice(0, 101));
      assert.equal(mid.hosts[100]!.waiting, 'next after host 99');
    }
  }
  assert.ok(rewrites <= 2, `the record was rewritten ${rewrites} times in 1,400 saves`);
  d.state = 'completed';
  await store.save(d, []);
  assert.equal(
    await stat(journal).catch(() => undefined),
    undefined,
    'the journal went with the last rewrite',
  );
  const last = JSON.parse(await readFile(record, 'utf8')) as Deployment;
  assert.deepEqual(last, d, 'the finished record is whole');
});

test('a torn last journal line is skipped, a journal of another generation ignored, a damaged middle line reported', async (t) => {
  const dir = join(await tempDir(t), 'deployments');
  const store = new DeploymentStore(dir, memoryLogger(), { summarize: true });
  await store.load();
  const d = deployment(3, 'running');
  for (const h of d.hosts) {
    Object.assign(h, { phase: 'pending', steps: [] });
    delete h.outcome;
  }
  await store.add(d);
  d.hosts[0]!.phase = 'installing';
  await store.save(d, [d.hosts[0]!]);
  const journal = join(dir, `${d.id}.journal`);
  const good = await readFile(journal, 'utf8');
  const read = async () => {
    const reader = new DeploymentStore(dir, memoryLogger(), { summarize: true });
    await reader.load();
    return reader;
  };

  await writeFile(journal, `${good}{"state":"runn`);
  assert.equal((await read()).live(d.id)?.hosts[0]?.phase, 'installing', 'the torn line skipped');
  const lines = good.split('\n');
  await writeFile(journal, `${lines[0]}\n{"state":\n${lines[1]}\n`);
  const damaged = memoryLogger();
  const reader = new DeploymentStore(dir, damaged, { summarize: true });
  await reader.load();
  assert.equal(reader.live(d.id), undefined);
  assert.match(JSON.stringify(damaged.lines), /line 2 is not a journal line/);

  // Another generation (a crash after the record was rewritten, before the journal went): ignored, removed.
  await writeFile(journal, good.replace(d.journal!, 'older'));
  // A reader beside the daemon (the CLI) leaves it: it may be the daemon's new one, not stale.
  await new DeploymentStore(dir, memoryLogger()).load();
  assert.ok(await stat(journal), 'a reader removes nothing');
  const fresh = await read();
  assert.equal(fresh.live(d.id)?.hosts[0]?.phase, 'pending');
  assert.equal(await stat(journal).catch(() => undefined), undefined);
});

test('at stop, a record continued by a journal is rewritten whole: it holds every step by itself', async (t) => {
  const { dir, store, d } = await startedRun(t, 20);
  for (const h of d.hosts.slice(0, 5)) {
    Object.assign(h, { phase: 'installing', intent: { step: 'install', at: AT } });
    await store.save(d, [h]);
  }
  const journal = join(dir, `${d.id}.journal`);
  assert.ok(await stat(journal), 'the steps went to the journal');
  await store.fold();
  assert.equal(await stat(journal).catch(() => undefined), undefined);
  // Read as a daemon that knows no journals would: the record alone.
  const { journal: _generation, ...record } = await onDisk(dir, d);
  const { journal: _, ...now } = d;
  assert.deepEqual(record, now);
  assert.equal(record.hosts[4]?.intent?.step, 'install');
});
