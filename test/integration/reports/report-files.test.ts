/**
 * DATA_DIR/reports on a real filesystem: a damaged history.json or remediation.json keeps the
 * daemon running, is reported on /healthz and is never written over; a write that fails (the
 * directory is gone, as on a full or failing disk) is written again at the next assessment.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { findingsOf } from '../../../daemon/assess/assess.js';
import type { SiteAssessment } from '../../../daemon/assess/assess-service.js';
import type { MissingFix } from '../../../daemon/assess/types.js';
import { createLogger } from '../../../daemon/log.js';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { onTeardown, tempDir } from '../../temp-dir.js';

const site = (missing: number): SiteAssessment =>
  ({
    computedAt: new Date().toISOString(),
    catalogGeneration: 1,
    hosts: [
      {
        hostId: 'h1',
        covered: true,
        collectedAt: new Date().toISOString(),
        findings: findingsOf(
          Array.from({ length: missing }, (_, i) => ({
            feedId: 'f',
            advisoryId: `A-${i}`,
            package: 'openssl',
            severity: 'high',
          })) as MissingFix[],
        ),
      },
    ],
    compliance: {
      hosts: 1,
      assessed: 1,
      uncovered: 0,
      compliant: missing ? 0 : 1,
      ratio: missing ? 0 : 1,
      missingFixes: missing,
      bySeverity: { critical: 0, high: missing, medium: 0, low: 0, negligible: 0, unknown: 0 },
      hostsAtRisk: missing ? 1 : 0,
      rebootRequired: 0,
    },
    advisories: [],
    ms: 1,
  }) as unknown as SiteAssessment;

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

test('a report write that fails is written again at the next assessment', async (t) => {
  const dir = await tempDir(t);
  const { s, lines } = await service(t, dir);
  // The reports directory turns into a file: every write in it fails.
  await rm(join(dir, 'reports'), { recursive: true });
  await writeFile(join(dir, 'reports'), '');
  await s.record(site(1));
  await s.stop();
  assert.ok(lines.some((l) => l.includes('could not write a report file')));
  await rm(join(dir, 'reports'));
  await s.record(site(1));
  await s.stop();
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
  assert.equal(s.ledger().closed.length, 0, 'the same inventory: dropped, not fixed');
  assert.equal(s.history().days.at(-1)?.missingFixes, 0);
});
