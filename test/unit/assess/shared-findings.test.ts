/**
 * Results kept as counts and shared finding groups: a host's listed fixes, counts and severities
 * agree with each other and do not depend on which hosts were assessed before it with the same
 * memo; per-advisory host sets and the API's missing-fix pages are built from them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostFactory, realPackages, trackerJson } from '../../../bench/assess/generate.js';
import { decodeCursor } from '../../../daemon/api/cursor.js';
import { fixesPage } from '../../../daemon/api/site-lists.js';
import { AssessMemo, assessHost, emptyBySeverity, missingFixesOf } from '../../../daemon/assess/assess.js';
import { fixOn, impactByAdvisory } from '../../../daemon/assess/assess-service.js';
import type { HostAssessment } from '../../../daemon/assess/types.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';

const pkgs = realPackages();
const index = new CatalogIndex(1);
index.add('debian', parseDebianTracker(Buffer.from(trackerJson(pkgs, 4000))).advisories);
const makeHost = hostFactory(pkgs, 300);

describe('shared findings', () => {
  it('a host assessed after others with one memo gets what it gets alone, in the same order', () => {
    const memo = new AssessMemo(index.generation);
    // Out of order and with repeats: scratch state of one host must never leak into the next.
    const order = [5, 0, 3, 5, 1, 4, 2, 0, 6, 7];
    let missing = 0;
    for (const i of order) {
      const shared = assessHost(makeHost(i), index, memo);
      const alone = assessHost(makeHost(i), index);
      assert.deepEqual(missingFixesOf(shared), missingFixesOf(alone), `host ${i}`);
      assert.equal(shared.unfixed, alone.unfixed);
      assert.deepEqual(shared.bySeverity, alone.bySeverity);
      const list = missingFixesOf(shared);
      assert.equal(shared.findings.count, list.length);
      const counted = emptyBySeverity();
      for (const m of list) counted[m.severity]++;
      assert.deepEqual(shared.bySeverity, counted);
      assert.equal(shared.compliant, list.length === 0);
      missing += list.length;
    }
    assert.ok(missing > 0, 'the sample hosts miss fixes, so the comparison means something');
  });

  it('hosts with the same (source, version, binaries) share one group; the records are not copied', () => {
    const memo = new AssessMemo(index.generation);
    const i = [0, 1, 2, 3, 4, 5].find((n) => assessHost(makeHost(n), index, memo).findings.count > 0)!;
    const a = assessHost(makeHost(i), index, memo);
    const b = assessHost(makeHost(i), index, memo);
    assert.ok(a.findings.groups.length > 0);
    assert.equal(a.findings.groups.length, b.findings.groups.length);
    for (const [k, g] of a.findings.groups.entries()) assert.equal(b.findings.groups[k], g);
  });
});

describe('per-advisory host sets', () => {
  const fixOf = (pkg: string, kind: 'source' | 'binary', advisoryId = 'DSA-1') => ({
    advisoryId,
    cves: ['CVE-2026-1'],
    severity: 'high' as const,
    summary: 's',
    feedId: 'debian',
    package: pkg,
    packageKind: kind,
    binaries: [pkg],
    installed: '1',
    fixed: '2',
  });
  const host = (hostId: string, fixes: ReturnType<typeof fixOf>[]): HostAssessment => {
    const memoHost = assessHost(makeHost(0), index);
    return { ...memoHost, hostId, findings: { count: fixes.length, own: fixes, groups: [] } };
  };

  it('one package: its hosts are the advisory hosts; a second package splits them per package', () => {
    const hosts = [
      host('h1', [fixOf('openssl', 'source')]),
      host('h2', [fixOf('openssl', 'source'), fixOf('libssl3', 'binary')]),
      host('h3', [fixOf('libssl3', 'binary'), fixOf('curl', 'source', 'DSA-2')]),
    ];
    const [dsa1, dsa2] = impactByAdvisory(hosts);
    assert.deepEqual([...dsa1!.hosts].sort(), ['h1', 'h2', 'h3']);
    assert.deepEqual(dsa1!.packages, ['openssl', 'libssl3']);
    assert.deepEqual([...dsa1!.hostsByPackage.get('openssl')!].sort(), ['h1', 'h2']);
    assert.deepEqual([...dsa1!.hostsByPackage.get('libssl3')!].sort(), ['h2', 'h3']);
    assert.deepEqual([...dsa2!.hosts], ['h3']);
    assert.equal(dsa2!.hostsByPackage.get('curl'), dsa2!.hosts);
    assert.equal(fixOn(hosts[2]!, 'debian', 'DSA-2')?.package, 'curl');
    assert.equal(fixOn(hosts[0]!, 'debian', 'DSA-2'), undefined);
  });

  it('built from shared groups, the sets match the hosts listed fixes', () => {
    const memo = new AssessMemo(index.generation);
    const hosts = [0, 1, 2, 3].map((i) => assessHost(makeHost(i), index, memo));
    const expected = new Map<string, Set<string>>();
    for (const h of hosts)
      for (const m of missingFixesOf(h)) {
        const key = `${m.feedId} ${m.advisoryId}`;
        expected.set(key, (expected.get(key) ?? new Set()).add(h.hostId));
      }
    const got = new Map(
      impactByAdvisory(hosts).map((a) => [`${a.feedId} ${a.advisoryId}`, new Set(a.hosts)]),
    );
    assert.deepEqual(got, expected);
  });
});

describe('API missing-fix pages', () => {
  it('paging host by host yields every fix once, in (host, feed, advisory, package) order', async () => {
    const memo = new AssessMemo(index.generation);
    const hosts = [3, 1, 2, 0].map((i) => assessHost(makeHost(i), index, memo));
    const src = { assess: { current: async () => ({ hosts }) } };
    const all = hosts
      .flatMap((h) => missingFixesOf(h).map((m) => [h.hostId, m.feedId, m.advisoryId, m.package].join(' ')))
      .sort();
    const seen: string[] = [];
    let after: string[] | undefined;
    for (let pages = 0; pages < 10_000; pages++) {
      const page = await fixesPage(src, {}, { after, limit: 37, now: 0 });
      seen.push(...page.items.map((f) => [f.hostId, f.feedId, f.advisoryId, f.package].join(' ')));
      if (!page.next) break;
      after = decodeCursor(page.next, 4, 0);
    }
    assert.deepEqual(seen, all);
    const one = await fixesPage(
      src,
      { host: hosts[1]!.hostId, severity: 'unknown' },
      { after: undefined, limit: 5000, now: 0 },
    );
    assert.deepEqual(
      one.items.map((f) => f.advisoryId).sort(),
      missingFixesOf(hosts[1]!)
        .filter((m) => m.severity === 'unknown')
        .map((m) => m.advisoryId)
        .sort(),
    );
  });
});
