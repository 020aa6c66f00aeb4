/**
 * DATA_DIR/reports on a real filesystem: a damaged history.json or remediation.json keeps the
 * daemon running, is reported on /healthz and is never written over; a write that fails (the
 * directory is gone, as on a full or failing disk) is written again at the next assessment.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { SiteAssessment } from '../../../daemon/assess/assess-service.js';
import { createLogger } from '../../../daemon/log.js';
import { batchHosts } from '../../../daemon/reports/remediation.js';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { ManualClock } from '../../fakes/clock.js';
import { startJobs } from '../../job-runner.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { oneHostSite } from './ledger-rounds.js';

const site = (missing: number): SiteAssessment => oneHostSite(missing);

const service = async (t: TestContext, dataDir: string) => {
  const lines: string[] = [];
  const s = new ReportsService({
    dataDir,
    settings: reportsSettingsSchema.parse({}),
    timeZone: 'UTC',
    assess: { current: async () => site(1), onComputed: () => () => {} },
    clock: { now: () => Date.now() } as never,
    log: createLogger({
      level: 'info',
      format: 'json',
      sink: { write: (l: string) => lines.push(l) } as never,
    }),
  });
  await s.start();
  onTeardown(t, () => s.stop());
  await s.settled(); // the ledger is read at first need
  return { s, lines };
};

for (const file of ['history.json', 'remediation.json']) {
  test(`a damaged ${file} is reported and never written over`, async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'reports'));
    const damaged = '{"version":1,"days":[{"day":"2026-12-0';
    await writeFile(join(dir, 'reports', file), damaged);
    const { s } = await service(t, dir);
    assert.match(s.health()[0]?.message ?? '', new RegExp(`${file}: not valid JSON`));
    await s.record(site(2));
    await s.record(site(0));
    await s.stop();
    assert.equal(await readFile(join(dir, 'reports', file), 'utf8'), damaged);
  });
}

test('a report write that fails is a health problem, and is written again at the next assessment', async (t) => {
  const dir = await tempDir(t);
  const { s, lines } = await service(t, dir);
  // The reports directory turns into a file: every write in it fails.
  await rm(join(dir, 'reports'), { recursive: true });
  await writeFile(join(dir, 'reports'), '');
  await s.record(site(1));
  await s.stop();
  assert.ok(lines.some((l) => l.includes('could not write a report file')));
  // Until it is written, /healthz says so: a restart meanwhile would lose the day's figures.
  const problems = s.health().map((p) => p.message);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0]!, /could not write .*reports\/history\.json: .*a restart before then loses them/);
  assert.match(problems[1]!, /reports\/remediation\.json/);
  await rm(join(dir, 'reports'));
  await s.record(site(1));
  await s.stop();
  assert.deepEqual(s.health(), [], 'written: no problem left');
  const history = JSON.parse(await readFile(join(dir, 'reports', 'history.json'), 'utf8'));
  assert.equal(history.days[0].missingFixes, 1);
  const ledger = JSON.parse(await readFile(join(dir, 'reports', 'remediation.json'), 'utf8'));
  assert.equal(ledger.hosts.h1.open.length, 1);
});

test('assessments are recorded one after another, in the order they came, and settled() waits for them', async (t) => {
  const dir = await tempDir(t);
  const { s } = await service(t, dir);
  // One inventory, assessed three times (site() stamps each with the clock, which may tick between).
  const at = new Date().toISOString();
  const same = (missing: number): SiteAssessment => {
    const s = site(missing);
    (s.hosts[0] as { collectedAt: string }).collectedAt = at;
    return s;
  };
  void s.record(same(3));
  void s.record(same(2));
  void s.record(same(0));
  await s.settled();
  assert.deepEqual(s.ledger().hosts.h1?.open, []);
  assert.equal(s.ledger().fixed.length, 0, 'the same inventory: dropped, not fixed');
  assert.equal(s.history().days.at(-1)?.missingFixes, 0);
});

/** One host whose inventory collected at `at` misses `missing` fixes (A-0 .. A-n). */
const siteAt = oneHostSite;

test('fixes are their own files: written once, named by remediation.json, pruned with the history', async (t) => {
  const dir = await tempDir(t);
  const reports = join(dir, 'reports');
  let now = Date.parse('2026-01-01T00:00:00Z');
  const DAY = 86_400_000;
  const s = new ReportsService({
    dataDir: dir,
    settings: reportsSettingsSchema.parse({ keepDays: 30 }),
    timeZone: 'UTC',
    assess: { current: async () => site(1), onComputed: () => () => {} },
    clock: { now: () => now } as never,
    log: createLogger({ level: 'error', format: 'json', sink: { write: () => {} } as never }),
  });
  await s.start();
  onTeardown(t, () => s.stop());
  await s.record(siteAt(5, now));
  now += DAY;
  await s.record(siteAt(3, now)); // fixed
  now += DAY;
  await s.record(siteAt(2, now)); // A-2 fixed
  await s.stop();
  const names = async () => (await readdir(join(reports, 'fixed'))).sort();
  const first = await names();
  assert.equal(first.length, 2);
  const main = JSON.parse(await readFile(join(reports, 'remediation.json'), 'utf8'));
  assert.deepEqual(
    main.fixed.map((n: string) => `${n}.json`),
    first,
  );
  const firstBatch = await readFile(join(reports, 'fixed', first[0]!), 'utf8');

  // Read back by a new service: the same fixes; a third batch leaves the first two files as they were.
  const again = new ReportsService({ ...(s as unknown as { opts: object }).opts } as never);
  await again.start();
  onTeardown(t, () => again.stop());
  await again.settled(); // the fixes are read after start
  assert.deepEqual(
    again.ledger().fixed.map((b) => batchHosts(b).map((h) => h.findings.map((f) => f.advisoryId))),
    [[['A-3', 'A-4']], [['A-2']]],
  );
  now += DAY;
  await again.record(siteAt(1, now));
  await again.stop();
  const three = await names();
  assert.equal(three.length, 3);
  assert.equal(await readFile(join(reports, 'fixed', first[0]!), 'utf8'), firstBatch, 'never rewritten');

  // A batch file no remediation.json names (a write killed before its commit) and a temp file are
  // removed at start; anything else in the directory is left alone.
  await writeFile(join(reports, 'fixed', '123.json'), '{}');
  await writeFile(join(reports, 'fixed', '124.json.tmp-999999-abcd'), '{');
  await writeFile(join(reports, 'fixed', 'notes.txt'), 'mine');
  const third = new ReportsService({ ...(s as unknown as { opts: object }).opts } as never);
  await third.start();
  onTeardown(t, () => third.stop());
  await third.settled();
  assert.equal(third.health().length, 0);
  assert.deepEqual(await names(), [...three, 'notes.txt'].sort());

  // 30 days after the third batch, the first two are older than the history is kept: their files go.
  now += 30 * DAY;
  await third.record(siteAt(1, now));
  await third.stop();
  const left = await names();
  assert.equal(left.filter((n) => n.endsWith('.json')).length, 1);
  assert.ok(!left.includes(first[0]!) && !left.includes(first[1]!));
  const final = JSON.parse(await readFile(join(reports, 'remediation.json'), 'utf8'));
  assert.deepEqual(
    final.fixed.map((n: string) => `${n}.json`),
    left.filter((n) => n.endsWith('.json')),
  );
});

test('a batch file remediation.json names but the disk lost is reported; nothing is written over', async (t) => {
  const dir = await tempDir(t);
  const { s } = await service(t, dir);
  const at = Date.now() - 60_000;
  await s.record(siteAt(2, at));
  await s.record(siteAt(1, at + 1000));
  await s.stop();
  const [batch] = await readdir(join(dir, 'reports', 'fixed'));
  await rm(join(dir, 'reports', 'fixed', batch!));
  const before = await readFile(join(dir, 'reports', 'remediation.json'), 'utf8');
  const { s: after } = await service(t, dir);
  await after.settled();
  assert.match(
    after.health()[0]?.message ?? '',
    /fixed\/\d+\.json: missing, but .*remediation\.json names it/,
  );
  await after.record(siteAt(0, Date.now()));
  await after.stop();
  assert.equal(await readFile(join(dir, 'reports', 'remediation.json'), 'utf8'), before);
});

test("the day's snapshot is recorded a minute after start, then hourly, on days with no assessment", async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock(Date.parse('2026-12-05T08:00:00Z'));
  const work = await startJobs(dir, { clock });
  let asked = 0;
  const s = new ReportsService({
    dataDir: dir,
    settings: reportsSettingsSchema.parse({}),
    timeZone: 'UTC',
    assess: {
      current: async () => {
        asked++;
        return site(1);
      },
      onComputed: () => () => {},
    },
    clock,
    log: createLogger({ level: 'error', format: 'json', sink: { write: () => {} } as never }),
    scheduler: work.scheduler,
  });
  await s.start();
  onTeardown(t, async () => {
    await s.stop();
    await work.stop();
  });
  const ran = async (ms: number) => {
    await clock.advance(ms);
    await s.settled();
    return asked;
  };
  assert.equal(await ran(59_000), 0);
  // Its first due time stays put (it once moved on with the clock and never came).
  assert.equal(await ran(1_000), 1);
  assert.equal(await ran(59 * 60_000), 1);
  assert.equal(await ran(60_000), 2);
  assert.equal(s.history().days.at(-1)?.day, '2026-12-05');
});
