/**
 * The Reports pages over a real catalog, assessment and reports service: the first assessment
 * takes the day's snapshot and opens the ledger, a newer inventory proves fixes installed, and
 * every table exports as CSV and JSON with the same rows. The files survive a restart.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { liveSummary } from '../../../daemon/deploy/deployment-summary.js';
import { systemClock } from '../../../daemon/lifecycle.js';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { waitFor } from '../../support/wait-for.js';
import { assessedSite, inventory } from './assessed-site.js';

const site = async (t: TestContext, extra: Record<string, unknown> = {}) => {
  let reports!: ReportsService;
  const s = await assessedSite(t, {
    more: async ({ dataDir, log, scheduler }, { assess }) => {
      reports = new ReportsService({
        dataDir,
        settings: reportsSettingsSchema.parse({}),
        timeZone: 'UTC',
        assess,
        scheduler,
        clock: systemClock,
        log,
      });
      await reports.start();
      t.after(() => reports.stop());
      return { reports, ...extra };
    },
  });
  const _csrf = await s.csrf('/patches/feeds');
  await s.post('/patches/feeds/sync', { _csrf, feed: 'debian' }, { 'hx-request': 'true' });
  await s.catalog.idle();
  return { ...s, reports };
};

const json = async (s: { request(p: string): Promise<Response> }, name: string) => {
  const res = await s.request(`/reports/${name}.json`);
  assert.equal(res.status, 200, name);
  return (await res.json()) as { rows: Array<Record<string, string | number | null>> };
};

test('the site report: the day snapshot, patch age against the SLA, hosts and advisories needing work', async (t) => {
  const s = await site(t);
  const html = await (await s.request('/reports')).text();
  assert.match(html, /<h1>Site report<\/h1>/);
  assert.match(html, /<svg class="chart"[^>]*role="img"/);
  assert.match(html, /Patch age and time to remediate/);
  assert.match(html, /negligible 365 d, unrated 30 d/, 'every severity has its SLA');
  assert.ok(html.includes(`href="/hosts/${s.ids.pc1}"`), 'hosts link to their page');
  assert.ok(!html.includes('<script>x</script>'), 'host names are escaped');
  const history = await json(s, 'compliance-history');
  assert.equal(history.rows.length, 1);
  assert.equal(history.rows[0]?.compliance_pct, 33.3);
  assert.equal(history.rows[0]?.hosts_assessed, 3);
  const hosts = await json(s, 'hosts');
  assert.equal(hosts.rows[0]?.host, 'pc-1.lan', 'the most exposed host first');
  assert.equal(hosts.rows.find((r) => r.host === 'pc-2.lan')?.missing_fixes, 0);
  const advisories = await json(s, 'advisories');
  assert.ok(
    advisories.rows.some((r) => r.advisory === 'CVE-2024-8176' || String(r.cves).includes('CVE-2024-8176')),
  );

  const full = await (await s.request('/reports/hosts')).text();
  assert.match(full, /Hosts report/);
  // On a phone each host stacks into labelled lines: its release is read, not cut at the edge.
  for (const page of [html, full]) {
    const table = page.slice(page.indexOf('aria-label="Hosts"'));
    assert.match(table, /^aria-label="Hosts"><table class="stack">/);
    assert.match(table, /<td data-label="Release">Debian 12 \(bookworm\)<\/td>/);
  }
  assert.match(await (await s.request('/reports/advisories')).text(), /Advisories report/);
  assert.equal((await s.request('/reports/nothing.csv')).status, 404);
  assert.equal((await s.request('/reports/hosts.xml')).status, 404);
});

test('the tables are built when an assessment finishes: the first visit after it builds nothing', async (t) => {
  const s = await site(t);
  // Every table built from the ledger reads it: count the reads.
  let reads = 0;
  const ledger = s.reports.ledger.bind(s.reports);
  s.reports.ledger = () => {
    reads++;
    return ledger();
  };
  s.assess().invalidate(); // as a finished collection does
  await s.assess().current();
  await waitFor(() => reads >= 3, 'remediation, hosts and advisories built ahead', 10_000);
  await waitFor(async () => {
    const before = reads;
    await new Promise((r) => setTimeout(r, 50));
    return reads === before;
  }, 'the build ahead finished');
  const before = reads;
  assert.match(await (await s.request('/reports')).text(), /Site report/);
  assert.match(await (await s.request('/reports/hosts')).text(), /Hosts report/);
  assert.equal(reads, before, 'the visits were served from the tables built ahead');
});

test('a newer inventory without the vulnerable packages closes its findings as fixed, with the time taken', async (t) => {
  const s = await site(t);
  await s.request('/reports');
  const open = (await json(s, 'remediation')).rows.reduce((a, r) => a + Number(r.open), 0);
  assert.ok(open > 0, 'pc-1 and the odd host miss fixes');
  const i = s.hosts.findIndex((h) => h.hostId === s.ids.pc1);
  s.hosts[i] = inventory(s.ids.pc1, [], new Date(Date.now() + 1000).toISOString());
  s.assess().invalidate(); // as a finished collection does
  const rows = (await json(s, 'remediation')).rows;
  const fixed = rows.reduce((a, r) => a + Number(r.fixed), 0);
  assert.ok(fixed > 0, `fixes proven by the new inventory: ${JSON.stringify(rows)}`);
  assert.equal(rows.reduce((a, r) => a + Number(r.open), 0) + fixed, open);

  const csv = await s.request('/reports/remediation.csv');
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(
    csv.headers.get('content-disposition') ?? '',
    /attachment; filename="remediation-\d{4}-\d{2}-\d{2}\.csv"/,
  );
  // A UTF-8 byte order mark first, so Excel reads non-ASCII names as UTF-8 (text() drops it).
  const bytes = Buffer.from(await csv.clone().arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0xef, 0xbb, 0xbf, 's'.charCodeAt(0)]);
  const lines = (await csv.text()).split('\r\n');
  assert.equal(
    lines[0],
    'severity,open,median_open_age_days,oldest_open_days,sla_days,open_past_sla,fixed,mttr_days,fixed_within_sla_pct',
  );
  assert.match(lines[1] ?? '', /^critical,\d+,/);

  await s.reports.stop();
  const reports = join(s.h.dataDir, 'reports');
  const saved = JSON.parse(await readFile(join(reports, 'remediation.json'), 'utf8'));
  assert.equal(saved.fixed.length, 1, 'the ledger is on disk, with the batch of fixes');
  const batch = JSON.parse(await readFile(join(reports, 'fixed', `${saved.fixed[0]}.json`), 'utf8'));
  assert.equal(batch.lists.flat().length, fixed);
  assert.match(await readFile(join(s.h.dataDir, 'reports', 'history.json'), 'utf8'), /"assessed": 3/);
});

test('export names and page numbers a user can type: 404 or a clamped page, never a file or an error', async (t) => {
  const s = await site(t);
  for (const path of [
    '/reports/..%2f..%2fetc%2fpasswd',
    '/reports/..%2fhistory.json',
    '/reports/history.json',
    '/reports/hosts.csv%00.json',
    '/reports/HOSTS.csv',
    '/reports/hosts.xml',
    `/reports/${'a'.repeat(5000)}.csv`,
  ]) {
    const res = await s.request(path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /"version"|root:/, path);
  }
  for (const page of ['99999999999999999999', '-1', '1e9', '0x10', '9999999', 'NaN', '%00']) {
    const res = await s.request(`/reports/hosts?page=${page}`);
    assert.equal(res.status, 200, page);
    assert.match(await res.text(), /Hosts report/, page);
  }
});

test('the compliance chart spans the history so far: at least 30 days, at most what is kept', async () => {
  const { chartSpan } = await import('../../../web/routes/reports.js');
  assert.equal(chartSpan('2026-12-04', '2026-12-04', 400), 30, 'a new site: a month, not 400 days');
  assert.equal(chartSpan('2026-09-05', '2026-12-04', 400), 91);
  assert.equal(chartSpan('2024-01-01', '2026-12-04', 400), 400);
});

test('a deployment outcome links to its deployment, as hosts and advisories link to theirs', async (t) => {
  const deployment = {
    id: 'dep-20261205T103317-6e7903',
    title: 'CVE-2099-1001 on 4 hosts',
    createdAt: '2026-12-05T10:33:17.593Z',
    createdBy: 'admin',
    state: 'halted',
    hosts: [{ hostId: 'h-1', outcome: 'verified' }],
  };
  const s = await site(t, { deploy: { list: () => [liveSummary(deployment as never)] } });
  const html = await (await s.request('/reports')).text();
  assert.match(html, /<a href="\/deployments\/dep-20261205T103317-6e7903">CVE-2099-1001 on 4 hosts<\/a>/);
});
