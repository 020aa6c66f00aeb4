/**
 * Hostile files in DATA_DIR/reports (a technician's mistake, a damaged disk): each is reported on
 * /healthz naming the file, nothing is counted twice or read from outside reports/fixed, and the
 * service still starts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { memoryLogger } from '../../fakes/log.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { oneHostSite as site } from './ledger-rounds.js';

const service = async (t: TestContext, dataDir: string) => {
  const s = new ReportsService({
    dataDir,
    settings: reportsSettingsSchema.parse({}),
    timeZone: 'UTC',
    assess: { current: async () => site(1, Date.now()), onComputed: () => () => {} },
    clock: { now: () => Date.now() } as never,
    log: memoryLogger(),
  });
  await s.start();
  onTeardown(t, () => s.stop());
  return s;
};

/** A data dir whose ledger names one batch of two fixes; its remediation.json, and the batch's path. */
const withBatch = async (t: TestContext) => {
  const dir = await tempDir(t);
  const s = await service(t, dir);
  await s.record(site(2, Date.now() - 10_000));
  await s.record(site(0, Date.now() - 5_000));
  await s.stop();
  const ledgerPath = join(dir, 'reports', 'remediation.json');
  const ledger = JSON.parse(await readFile(ledgerPath, 'utf8'));
  assert.equal(ledger.fixed.length, 1);
  return { dir, ledgerPath, ledger, batch: join(dir, 'reports', 'fixed', `${ledger.fixed[0]}.json`) };
};

const problem = async (s: ReportsService): Promise<string> => {
  await s.settled();
  return s.health()[0]?.message ?? '';
};

test('a remediation.json naming a batch twice is damage, not its fixes counted twice', async (t) => {
  const { dir, ledgerPath, ledger } = await withBatch(t);
  ledger.fixed = [ledger.fixed[0], ledger.fixed[0]];
  await writeFile(ledgerPath, JSON.stringify(ledger));
  const s = await service(t, dir);
  assert.match(await problem(s), /remediation\.json: .*twice/);
  assert.ok(s.ledger().fixed.length <= 1);
});

test('a batch that is a directory, too big to read or a named pipe is reported by its path', async (t) => {
  const { dir, batch } = await withBatch(t);
  await rm(batch);
  await mkdir(batch);
  const s = await service(t, dir);
  assert.ok((await problem(s)).startsWith(`${batch}: `), s.health()[0]?.message);
  await s.stop();
  await rm(batch, { recursive: true });
  await writeFile(batch, '');
  await truncate(batch, 3 * 1024 ** 3); // sparse: no disk used
  const again = await service(t, dir);
  assert.ok((await problem(again)).startsWith(`${batch}: `), again.health()[0]?.message);
  await again.stop();
  // A named pipe: a read of it would wait for a writer forever, and every report page with it.
  await rm(batch);
  execFileSync('mkfifo', [batch]);
  const third = await service(t, dir);
  assert.ok((await problem(third)).startsWith(`${batch}: `), third.health()[0]?.message);
});

test('a batch that is a symbolic link is not followed out of reports/fixed', async (t) => {
  const { dir, batch } = await withBatch(t);
  const outside = join(dir, 'outside.json');
  await rename(batch, outside);
  await symlink(outside, batch);
  const s = await service(t, dir);
  assert.ok((await problem(s)).startsWith(`${batch}: `), s.health()[0]?.message);
  assert.equal(s.ledger().fixed.length, 0);
  assert.ok(await readFile(outside, 'utf8'), 'the target is left alone');
});

test('reports/fixed that is not a directory: the service starts and reports it', async (t) => {
  const { dir } = await withBatch(t);
  const fixed = join(dir, 'reports', 'fixed');
  await rm(fixed, { recursive: true });
  await writeFile(fixed, 'not a directory');
  const s = await service(t, dir);
  assert.match(await problem(s), /fixed/);
  assert.equal(await readFile(fixed, 'utf8'), 'not a directory');
});

test('a directory with a batch name in reports/fixed is left alone, and orphans after it are still removed', async (t) => {
  const { dir } = await withBatch(t);
  const fixed = join(dir, 'reports', 'fixed');
  await mkdir(join(fixed, '1.json'));
  await writeFile(join(fixed, '1.json', 'keep'), 'x');
  await writeFile(join(fixed, '2.json'), '{}');
  await writeFile(join(fixed, 'notes.json'), 'x');
  const s = await service(t, dir);
  assert.equal(await problem(s), '');
  const left = await readdir(fixed);
  assert.ok(left.includes('1.json') && left.includes('notes.json'), String(left));
  assert.ok(!left.includes('2.json'), `an orphan batch is removed: ${left}`);
});

test('a stale temp file that cannot be removed (a disk remounted read-only) is no damage', async (t) => {
  const { dir } = await withBatch(t);
  const fixed = join(dir, 'reports', 'fixed');
  // The sweep's rm fails on a directory as it would on a read-only disk.
  await mkdir(join(fixed, '.1.json.tmp-99999999-ab'));
  await writeFile(join(fixed, '.1.json.tmp-99999999-ab', 'x'), 'x');
  const s = await service(t, dir);
  assert.equal(await problem(s), '');
  assert.equal(s.ledger().fixed.length, 1);
});

test('a version 2 remediation.json: a fix time that is no time is damage, a fix listed twice is one fix', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'reports'));
  const path = join(dir, 'reports', 'remediation.json');
  const at = '2026-01-01T00:00:00.000Z';
  const v2 = (closed: unknown[]) =>
    JSON.stringify({
      version: 2,
      hosts: { h1: { collectedAt: at, open: [] } },
      closed,
      findings: [['f', 'A-1', 'openssl', 'high', at]],
    });
  await writeFile(path, v2([[0, 'h1', 'not-a-date']]));
  const s = await service(t, dir);
  assert.match(await problem(s), /remediation\.json: .*not-a-date/);
  await s.stop();
  await writeFile(
    path,
    v2([
      [0, 'h1', at],
      [0, 'h1', at],
    ]),
  );
  const again = await service(t, dir);
  assert.equal(await problem(again), '');
  const b = again.ledger().fixed[0]!;
  assert.equal(b.lists[b.list[0]!]!.length, 1);
});

test('temp files are swept at start whatever pid they name (after a reboot the pid may be ours, or live)', async (t) => {
  const { dir } = await withBatch(t);
  const reports = join(dir, 'reports');
  await writeFile(join(reports, `remediation.json.tmp-${process.pid}-0a1b2c3d`), '{"version":3,"ho');
  await writeFile(join(reports, 'fixed', `1.json.tmp-${process.pid}-0a1b2c3d`), '{"version":1');
  await writeFile(join(reports, 'fixed', '2.json.tmp-1-0a1b2c3d'), '{"version":1'); // pid 1 is always alive
  const s = await service(t, dir);
  assert.equal(await problem(s), '');
  for (const d of [reports, join(reports, 'fixed')])
    assert.deepEqual(
      (await readdir(d)).filter((n) => n.includes('.tmp-')),
      [],
      d,
    );
});

for (const name of ['remediation.json', 'history.json'])
  test(`a ${name} that is a directory or a named pipe is reported by its path; the service starts`, async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'reports', name);
    await mkdir(path, { recursive: true });
    const s = await service(t, dir);
    assert.ok((await problem(s)).startsWith(`${path}: `), s.health()[0]?.message);
    await s.stop();
    await rm(path, { recursive: true });
    execFileSync('mkfifo', [path]);
    const again = await service(t, dir);
    assert.ok((await problem(again)).startsWith(`${path}: `), again.health()[0]?.message);
  });
