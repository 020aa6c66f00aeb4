/** The Patches query: severity floor, search by advisory, CVE, package or host name, urgent first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf } from '../../../daemon/assess/assess.js';
import type { AdvisoryImpact } from '../../../daemon/assess/assess-service.js';
import {
  advisoriesMatching,
  hostsMatching,
  impactByPackage,
} from '../../../daemon/assess/missing-fix-query.js';
import type { HostAssessment, MissingFix } from '../../../daemon/assess/types.js';
import type { Severity } from '../../../daemon/catalog/model.js';

const fix = (pkg: string, severity: Severity): MissingFix => ({
  advisoryId: 'X',
  cves: [],
  severity,
  summary: '',
  feedId: 'debian',
  package: pkg,
  packageKind: 'source',
  binaries: [pkg],
  installed: '1',
  fixed: '2',
});

const advisory = (id: string, severity: Severity, pkg: string, hosts: string[]): AdvisoryImpact => ({
  advisoryId: id,
  feedId: 'debian',
  cves: [`CVE-${id}`],
  severity,
  summary: '',
  packages: [pkg],
  hosts: new Set(hosts),
  hostsByPackage: new Map([[pkg, new Set(hosts)]]),
});

const host = (hostId: string, critical: number, high: number, pkgs: string[]): HostAssessment => ({
  hostId,
  release: 'debian:bookworm',
  ecosystem: 'dpkg',
  covered: true,
  packages: 10,
  findings: findingsOf(pkgs.map((p) => fix(p, 'high'))),
  unfixed: 0,
  bySeverity: { critical, high, medium: 0, low: 0, negligible: 0, unknown: 0 },
  compliant: pkgs.length === 0,
  rebootRequired: false,
  collectedAt: '2026-11-23T10:00:00.000Z',
});

const names: Record<string, string> = { h1: 'pc-1.lan', h2: 'nas.lan' };
const label = (id: string) => names[id] ?? id;
const advisories = [
  advisory('3', 'low', 'zlib', ['h1']),
  advisory('2', 'critical', 'curl', ['h1']),
  advisory('1', 'critical', 'expat', ['h1', 'h2']),
  advisory('4', 'medium', 'curl', ['h2']),
];

test('advisories: worst first, then most hosts; a severity floor drops the milder ones', () => {
  const ids = (q: string, severity: Severity | '') =>
    advisoriesMatching(advisories, { q, severity }, label).map((a) => a.advisoryId);
  assert.deepEqual(ids('', ''), ['1', '2', '4', '3']);
  assert.deepEqual(ids('', 'medium'), ['1', '2', '4']);
  assert.deepEqual(ids('curl', ''), ['2', '4']);
  assert.deepEqual(ids('cve-3', ''), ['3']);
  // A machine is found by the name the pages show, not only by its id.
  assert.deepEqual(ids('nas', ''), ['1', '4']);
});

test('hosts: by id, name or missing package; most critical and high first', () => {
  const hosts = [host('h1', 0, 1, ['zlib']), host('h2', 2, 0, ['curl']), host('h3', 0, 0, [])];
  const ids = (q: string) => hostsMatching(hosts, { q, severity: '' }, label, undefined).map((h) => h.hostId);
  assert.deepEqual(ids(''), ['h2', 'h1', 'h3']);
  assert.deepEqual(ids('pc-1'), ['h1']);
  assert.deepEqual(ids('curl'), ['h2']);
  assert.deepEqual(ids('h3'), ['h3']);
});

test('hosts: "severity at least" keeps only the hosts missing a fix that severe, as by advisory does', () => {
  const hosts = [host('h1', 0, 1, ['zlib']), host('h2', 2, 0, ['curl']), host('h3', 0, 0, [])];
  const ids = (severity: Severity | '') =>
    hostsMatching(hosts, { q: '', severity }, label, undefined).map((h) => h.hostId);
  assert.deepEqual(ids('critical'), ['h2']);
  assert.deepEqual(ids('high'), ['h2', 'h1']);
  assert.deepEqual(ids(''), ['h2', 'h1', 'h3']);
});

test('hosts equally at risk are listed in address order, not in the order of their ids', () => {
  const at: Record<string, string> = { ha: '10.0.0.19', hb: '10.0.0.9', hc: 'nas.lan', hd: '10.0.0.100' };
  const hosts = ['ha', 'hb', 'hc', 'hd'].map((id) => host(id, 0, 1, ['zlib']));
  const listed = hostsMatching(hosts, { q: '', severity: '' }, (id) => at[id] ?? id, undefined).map(
    (h) => at[h.hostId],
  );
  assert.deepEqual(listed, ['10.0.0.9', '10.0.0.19', '10.0.0.100', 'nas.lan']);
});

test('hosts are sorted once per assessment while the labels stay, again when they change', () => {
  const at: Record<string, string> = { ha: '10.0.0.19', hb: '10.0.0.9' };
  const hosts = ['ha', 'hb'].map((id) => host(id, 0, 1, ['zlib']));
  let looked = 0;
  const byName = (id: string) => {
    looked++;
    return at[id] ?? id;
  };
  const listed = (labels: string | undefined) =>
    hostsMatching(hosts, { q: '', severity: '' }, byName, labels).map((h) => h.hostId);
  assert.deepEqual(listed('1.1'), ['hb', 'ha']);
  const once = looked;
  assert.deepEqual(listed('1.1'), ['hb', 'ha']);
  assert.equal(looked, once, 'the second load sorted nothing');
  // A machine renamed: the directory's version moved, and the list follows the new names.
  at.hb = '10.0.0.200';
  assert.deepEqual(listed('2.1'), ['ha', 'hb']);
  assert.ok(looked > once);
  // Without a version nothing is kept.
  at.ha = '10.0.0.250';
  assert.deepEqual(listed(undefined), ['hb', 'ha']);
  // A search still filters the kept order.
  assert.deepEqual(
    hostsMatching(hosts, { q: 'ha', severity: '' }, byName, '3.1').map((h) => h.hostId),
    ['ha'],
  );
});

test('packages: grouped with their worst severity and the hosts that miss them; ties by name', () => {
  const rows = impactByPackage(advisories);
  assert.deepEqual(
    rows.map((r) => [r.package, r.severity, [...r.hosts].sort(), r.advisories.map((a) => a.advisoryId)]),
    [
      ['curl', 'critical', ['h1', 'h2'], ['2', '4']],
      ['expat', 'critical', ['h1', 'h2'], ['1']],
      ['zlib', 'low', ['h1'], ['3']],
    ],
  );
});
