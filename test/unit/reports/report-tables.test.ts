/** Report tables and their exports: figures, SLA arithmetic, and CSV that no spreadsheet runs. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { findingsOf } from '../../../daemon/assess/assess.js';
import { liveSummary } from '../../../daemon/deploy/deployment-summary.js';
import { advisoriesTable, deploymentsTable } from '../../../daemon/reports/outcome-tables.js';
import { emptyLedger, type ObservedHost, observe } from '../../../daemon/reports/remediation.js';
import { type ReportTable, tableCsv, tableJson } from '../../../daemon/reports/report-table.js';
import { hostsTable, remediationTable, type SlaDays } from '../../../daemon/reports/report-tables.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const SLA: SlaDays = { critical: 7, high: 30, medium: 90, low: 180, negligible: 365, unknown: 30 };

test('CSV: text starting with = + - @ tab or CR is defused, numbers (negative too) stay numbers', () => {
  const t: ReportTable = {
    name: 't',
    title: 'T',
    columns: [
      { key: 'host', label: 'Host' },
      { key: 'n', label: 'N', numeric: true },
    ],
    rows: [
      { host: '=HYPERLINK("http://evil","x")', n: -3 },
      { host: '+1', n: 2.5 },
      { host: '-2', n: null },
      { host: '@SUM(A1)', n: 0 },
      { host: '\tcmd', n: 1 },
      { host: '\rcmd', n: 1 },
      { host: 'pc-1, "lab"', n: 1 },
      { host: '\uFF1D1+1', n: 1 },
    ],
  };
  assert.equal(
    tableCsv(t),
    [
      'host,n',
      `"'=HYPERLINK(""http://evil"",""x"")",-3`,
      "'+1,2.5",
      "'-2,",
      "'@SUM(A1),0",
      `"'\tcmd",1`,
      `"'\rcmd",1`,
      '"pc-1, ""lab""",1',
      "'\uFF1D1+1,1",
      '',
    ].join('\r\n'),
  );
  const json = tableJson(t, '2026-12-04T00:00:00.000Z');
  assert.deepEqual(json.rows[0], { host: '=HYPERLINK("http://evil","x")', n: -3 });
  assert.deepEqual(json.rows[2], { host: '-2', n: null });
});

test('remediation: open ages, mean time to remediate and the share fixed within the SLA, per severity', () => {
  const ledger = emptyLedger();
  const f = (id: string, severity: 'critical' | 'high') => ({
    feedId: 'd',
    advisoryId: id,
    package: 'p',
    severity,
  });
  const at = (ms: number) => new Date(ms).toISOString();
  observe(
    ledger,
    [
      {
        hostId: 'a',
        covered: true,
        collectedAt: at(T0),
        missing: [f('C1', 'critical'), f('C2', 'critical'), f('H1', 'high')],
      },
    ],
    T0,
    400,
  );
  // C1 fixed after 3 days (inside 7), C2 after 10 (outside); H1 still open.
  observe(
    ledger,
    [
      {
        hostId: 'a',
        covered: true,
        collectedAt: at(T0 + 3 * DAY),
        missing: [f('C2', 'critical'), f('H1', 'high')],
      },
    ],
    T0 + 3 * DAY,
    400,
  );
  observe(
    ledger,
    [{ hostId: 'a', covered: true, collectedAt: at(T0 + 10 * DAY), missing: [f('H1', 'high')] }],
    T0 + 10 * DAY,
    400,
  );
  const now = T0 + 40 * DAY;
  const rows = Object.fromEntries(remediationTable(ledger, now, SLA, 90).rows.map((r) => [r.severity, r]));
  assert.deepEqual(rows.critical, {
    severity: 'critical',
    open: 0,
    median_open_age_days: null,
    oldest_open_days: null,
    sla_days: 7,
    open_past_sla: 0,
    fixed: 2,
    mttr_days: 6.5,
    fixed_within_sla_pct: 50,
  });
  assert.equal(rows.high?.open, 1);
  assert.equal(rows.high?.oldest_open_days, 40);
  assert.equal(rows.high?.open_past_sla, 1);
  assert.equal(rows.high?.mttr_days, null);
  assert.equal(rows.unrated?.open, 0);
  // Outside the window the fixes no longer count.
  const later = Object.fromEntries(
    remediationTable(ledger, T0 + 200 * DAY, SLA, 90).rows.map((r) => [r.severity, r]),
  );
  assert.equal(later.critical?.fixed, 0);
});

test('advisories: hosts fixed in the window are counted once each, across assessments and packages', () => {
  const ledger = emptyLedger();
  const miss = (advisoryId: string, pkg: string) => ({
    feedId: 'd',
    advisoryId,
    package: pkg,
    severity: 'high' as const,
  });
  const both = [miss('DSA-1', 'libssl3'), miss('DSA-1', 'openssl'), miss('DSA-2', 'curl')];
  const at = (day: number, ids: string[], missing: ObservedHost['missing']) =>
    ids.map(
      (hostId): ObservedHost => ({
        hostId,
        covered: true,
        collectedAt: new Date(T0 + day * DAY).toISOString(),
        missing,
      }),
    );
  const all = ['a', 'b', 'c', 'd'];
  observe(ledger, at(0, all, both), T0, 400);
  // a and b fix everything on day 2; c on day 5; d never. a regresses on day 6 and fixes DSA-1 again on day 8.
  observe(ledger, [...at(2, ['a', 'b'], []), ...at(0, ['c', 'd'], both)], T0 + 2 * DAY, 400);
  observe(ledger, [...at(2, ['a', 'b'], []), ...at(5, ['c'], []), ...at(0, ['d'], both)], T0 + 5 * DAY, 400);
  observe(
    ledger,
    [...at(6, ['a'], both.slice(0, 2)), ...at(2, ['b'], []), ...at(5, ['c'], []), ...at(0, ['d'], both)],
    T0 + 6 * DAY,
    400,
  );
  observe(
    ledger,
    [...at(8, ['a'], []), ...at(2, ['b'], []), ...at(5, ['c'], []), ...at(0, ['d'], both)],
    T0 + 8 * DAY,
    400,
  );
  const impact = (advisoryId: string) =>
    ({
      advisoryId,
      feedId: 'd',
      cves: [],
      severity: 'high',
      summary: '',
      packages: [],
      hosts: new Set(['d']),
      hostsByPackage: new Map(),
    }) as never;
  const fixed = (now: number, windowDays: number) =>
    Object.fromEntries(
      advisoriesTable([impact('DSA-1'), impact('DSA-2')], ledger, now, SLA, windowDays).rows.map((r) => [
        r.advisory,
        r.hosts_fixed,
      ]),
    );
  assert.deepEqual(fixed(T0 + 9 * DAY, 90), { 'DSA-1': 3, 'DSA-2': 3 });
  // A window of 5 days back from day 9 starts on day 4: c's fixes and a's second fix of DSA-1.
  assert.deepEqual(fixed(T0 + 9 * DAY, 5), { 'DSA-1': 2, 'DSA-2': 1 });
});

test('deployment outcomes: hosts counted by how they ended; success over the hosts that ended', () => {
  const host = (outcome?: 'verified' | 'failed' | 'not-applicable' | 'reboot-pending') =>
    ({ outcome }) as never;
  const table = deploymentsTable(
    [
      {
        id: 'dep-1',
        title: 'Old',
        createdAt: '2026-11-01T00:00:00Z',
        createdBy: 'admin',
        state: 'completed',
        hosts: [host('verified'), host('failed'), host('not-applicable')],
      },
      {
        id: 'dep-2',
        title: 'New',
        createdAt: '2026-12-01T00:00:00Z',
        createdBy: 'admin',
        state: 'running',
        hosts: [host('verified'), host('reboot-pending'), host()],
      },
    ].map((d) => liveSummary(d as never)),
  );
  assert.deepEqual(
    table.rows.map((r) => [r.deployment, r.hosts, r.verified, r.failed, r.in_progress, r.success_pct]),
    [
      ['New', 3, 1, 0, 1, 100],
      ['Old', 3, 1, 1, 0, 50],
    ],
  );
});

test('hosts: the page shows the low column, so a host missing one low fix does not read "Missing 1, all columns 0"', () => {
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 1, negligible: 0, unknown: 0 };
  const table = hostsTable(
    [
      {
        hostId: 'a',
        release: 'debian:bookworm',
        covered: true,
        compliant: false,
        bySeverity,
        findings: findingsOf([{}] as never),
        collectedAt: new Date(T0).toISOString(),
        rebootRequired: false,
      },
    ],
    emptyLedger(),
    (id) => id,
    T0,
    SLA,
    90,
  );
  const shown = table.columns.filter((c) => !c.exportOnly).map((c) => c.key);
  assert.deepEqual(
    shown.filter((k) => ['critical', 'high', 'medium', 'low', 'negligible', 'unrated'].includes(k)),
    ['critical', 'high', 'medium', 'low', 'unrated'],
  );
  assert.equal(table.rows[0]?.low, 1);
  assert.equal(table.columns.find((c) => c.key === 'negligible')?.exportOnly, true, 'still in the exports');
});

test('a big site: 200,000 open findings build the remediation table (no spread of every age)', () => {
  const ledger = emptyLedger();
  const open = Array.from({ length: 200_000 }, (_, i) => ({
    feedId: 'd',
    advisoryId: `A${i}`,
    package: 'p',
    severity: 'high' as const,
    firstSeen: new Date(T0 - (i % 50) * DAY).toISOString(),
  }));
  ledger.hosts.h1 = { collectedAt: new Date(T0).toISOString(), open };
  const high = remediationTable(ledger, T0, SLA, 90).rows.find((r) => r.severity === 'high');
  assert.equal(high?.open, 200_000);
  assert.equal(high?.oldest_open_days, 49);
});

test('remediation figures read each shared finding once and equal counting every host finding by itself', () => {
  // Hosts share finding records (as the ledger keeps them) and some hold their own copies: the
  // table must count each host's finding once either way, with the median of every host finding.
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return (seed >>> 8) % n;
  };
  const severitiesUsed = ['critical', 'high', 'medium', 'low'] as const;
  const pool = Array.from({ length: 40 }, (_, i) => ({
    feedId: 'd',
    advisoryId: `A${i}`,
    package: `p${i % 7}`,
    severity: severitiesUsed[i % 4]!,
    firstSeen: new Date(T0 - rand(120) * DAY - rand(24) * 3_600_000).toISOString(),
  }));
  const ledger = emptyLedger();
  for (let h = 0; h < 300; h++) {
    const open = Array.from({ length: rand(12) }, () => {
      const f = pool[rand(pool.length)]!;
      return rand(3) === 0 ? { ...f } : f;
    });
    ledger.hosts[`h${h}`] = { collectedAt: new Date(T0).toISOString(), open };
  }
  const now = T0 + 3 * DAY;
  const rows = Object.fromEntries(remediationTable(ledger, now, SLA, 90).rows.map((r) => [r.severity, r]));
  for (const s of severitiesUsed) {
    const ages = Object.values(ledger.hosts)
      .flatMap((h) => h.open)
      .filter((f) => f.severity === s)
      .map((f) => (now - Date.parse(f.firstSeen)) / DAY)
      .sort((a, b) => a - b);
    const mid = Math.floor(ages.length / 2);
    const median = ages.length % 2 ? ages[mid]! : (ages[mid - 1]! + ages[mid]!) / 2;
    const row = rows[s]!;
    assert.ok(ages.length > 0 && row, s);
    assert.equal(row.open, ages.length, `${s}: open`);
    assert.equal(row.median_open_age_days, Math.round(median * 10) / 10, `${s}: median`);
    assert.equal(row.oldest_open_days, Math.round(ages[ages.length - 1]! * 10) / 10, `${s}: oldest`);
    assert.equal(row.open_past_sla, ages.filter((a) => a > SLA[s]).length, `${s}: past SLA`);
  }
});

test("advisories.csv's first_seen is when an assessment first found it missing, as its label and the README say", () => {
  const ledger = emptyLedger();
  const missing = [{ feedId: 'd', advisoryId: 'DSA-9', package: 'expat', severity: 'high' as const }];
  // Inventories collected on day 0; the feed brought DSA-9 only on day 3, when it was assessed.
  observe(
    ledger,
    [{ hostId: 'a', covered: true, collectedAt: new Date(T0).toISOString(), missing }],
    T0 + 3 * DAY,
    400,
  );
  observe(
    ledger,
    [
      { hostId: 'a', covered: true, collectedAt: new Date(T0).toISOString(), missing },
      { hostId: 'b', covered: true, collectedAt: new Date(T0).toISOString(), missing },
    ],
    T0 + 4 * DAY,
    400,
  );
  const impact = {
    advisoryId: 'DSA-9',
    feedId: 'd',
    cves: [],
    severity: 'high',
    packages: ['expat'],
    hosts: new Set(['a', 'b']),
  };
  const table = advisoriesTable([impact as never], ledger, T0 + 10 * DAY, SLA, 90);
  const row = table.rows[0]!;
  assert.equal(row.first_seen, new Date(T0 + 3 * DAY).toISOString(), 'the earliest host, at its assessment');
  assert.equal(row.age_days, 7);
  const column = table.columns.find((c) => c.key === 'first_seen')!;
  assert.match(column.label, /found missing \(assessment\)/);
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.match(
    readme,
    /In `advisories\.csv`, `first_seen`\s+is when an assessment first found the advisory missing/,
  );
});
