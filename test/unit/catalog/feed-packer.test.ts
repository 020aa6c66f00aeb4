/**
 * The one packer (feed-packer.ts): fixes given in any order come out grouped by advisory in the
 * order they were given, every column grows past its first size, and the Debian tracker parser,
 * which packs as it walks, gives exactly what a plain JSON.parse of the whole tracker gives when
 * mapped field by field the obvious way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realPackages, trackerJson } from '../../../bench/assess/generate.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { FeedPacker } from '../../../daemon/catalog/feed-packer.js';
import { packDebianTracker, urgencyToSeverity } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { type Advisory, type Fix, type Severity, severityRank } from '../../../daemon/catalog/model.js';
import { packFeed } from '../../../daemon/catalog/pack-feed.js';
import { debianTrackerRelease } from '../../../daemon/catalog/release-key.js';
import { Rng } from '../../support/prng.js';

/** As a snapshot file gives it back: undefined fields dropped. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));

const advisoryOf = (rng: Rng, i: number): Advisory => ({
  id: i % 3 === 0 ? `GHSA-${i}` : `CVE-2024-${10000 + i}`,
  cves: i % 3 === 0 ? [`CVE-2023-${i}`, `CVE-2022-${i}`] : i % 3 === 1 ? [`CVE-2024-${10000 + i}`] : [],
  summary: i % 7 === 0 ? '' : `issue ${i}: ${'x'.repeat(rng.int(400))} ünïcødé`,
  severity: (['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const)[i % 6]!,
  ...(i % 5 === 0 ? { published: `2024-01-${(i % 28) + 1}` } : {}),
  ...(i % 4 === 0
    ? { url: `https://example.invalid/a/${i}` }
    : i % 4 === 1
      ? { url: `https://tracker.invalid/${i % 3 === 0 ? `GHSA-${i}` : `CVE-2024-${10000 + i}`}` }
      : {}),
  fixes: [],
});

const fixOf = (rng: Rng, i: number): Fix => ({
  ecosystem: rng.chance(0.1) ? 'firmware' : 'dpkg',
  release: `debian:${rng.pick(['bookworm', 'trixie', 'sid'])}`,
  package: `pkg${rng.int(300)}`,
  packageKind: rng.chance(0.5) ? 'source' : 'binary',
  ...(rng.chance(0.8) ? { fixedVersion: `1.${rng.int(50)}-${i % 9}` } : {}),
  ...(rng.chance(0.2) ? { introduced: `0.${rng.int(9)}` } : {}),
  ...(rng.chance(0.2) ? { source: `src${rng.int(20)}` } : {}),
  ...(rng.chance(0.7) ? { severity: rng.pick(['high', 'low'] as const) } : {}),
});

describe('feed packer', () => {
  it('keeps each advisory its fixes in the order given, whatever order they come in', () => {
    const rng = new Rng(15);
    // Past every column's first size: 1,024 advisories, 4,096 fixes, 1 MiB of strings.
    const advisories = Array.from({ length: 5000 }, (_, i) => advisoryOf(rng, i));
    const packer = new FeedPacker();
    const numbers = advisories.map((a) => packer.advisory(a));
    for (let k = 0; k < 20_000; k++) {
      const a = rng.int(advisories.length);
      const fix = fixOf(rng, k);
      advisories[a]!.fixes.push(fix);
      packer.fix(numbers[a]!, fix);
    }
    const feed = packer.finish({ note: 'n' });
    assert.deepEqual(feed.content(), plain({ advisories, note: 'n' }));
    // The same advisories given in order, through packFeed, read back the same.
    assert.deepEqual(packFeed({ advisories, note: 'n' }).content(), feed.content());
    // Every fix but firmware in one group of its own release, kind and package.
    const index = new CatalogIndex(1);
    index.addPacked('f', feed);
    const firmware = advisories.flatMap((a) => a.fixes).filter((f) => f.ecosystem === 'firmware').length;
    assert.equal(index.size.fixes, 20_000 - firmware);
  });

  it('an advisory with no fixes, and a feed with none at all', () => {
    const packer = new FeedPacker();
    packer.advisory({ id: 'A', cves: [], summary: '', severity: 'unknown' });
    const b = packer.advisory({ id: 'B', cves: ['B'], summary: 's', severity: 'low' });
    packer.fix(b, { ecosystem: 'dpkg', release: 'debian:sid', package: 'p', packageKind: 'source' });
    assert.deepEqual(packer.finish({}).content().advisories, [
      { id: 'A', cves: [], summary: '', severity: 'unknown', fixes: [] },
      {
        id: 'B',
        cves: ['B'],
        summary: 's',
        severity: 'low',
        fixes: [{ ecosystem: 'dpkg', release: 'debian:sid', package: 'p', packageKind: 'source' }],
      },
    ]);
    assert.deepEqual(new FeedPacker().finish({}).content(), { advisories: [] });
  });
});

/** The tracker mapped the obvious way from one JSON.parse: what the streaming packer must equal. */
const oracle = (json: string): Advisory[] => {
  const byCve = new Map<string, Advisory>();
  const worst = (a: Severity, b: Severity): Severity =>
    a === 'unknown' ? b : b === 'unknown' ? a : severityRank[a] <= severityRank[b] ? a : b;
  const doc = JSON.parse(json) as Record<
    string,
    Record<string, { description?: string; releases: Record<string, Record<string, string>> }>
  >;
  for (const [pkg, cves] of Object.entries(doc))
    for (const [cve, entry] of Object.entries(cves))
      for (const [release, r] of Object.entries(entry.releases)) {
        if (r.status === 'resolved' && r.fixed_version === '0') continue;
        const severity = urgencyToSeverity(r.urgency!);
        let adv = byCve.get(cve);
        if (!adv) {
          adv = {
            id: cve,
            cves: cve.startsWith('CVE-') ? [cve] : [],
            summary: '',
            severity: 'unknown',
            url: `https://security-tracker.debian.org/tracker/${cve}`,
            fixes: [],
          };
          byCve.set(cve, adv);
        }
        if (!adv.summary && entry.description) adv.summary = entry.description.slice(0, 500);
        adv.severity = worst(adv.severity, severity);
        adv.fixes.push({
          ecosystem: 'dpkg',
          release: debianTrackerRelease(release),
          package: pkg,
          packageKind: 'source',
          ...(r.status === 'resolved' ? { fixedVersion: r.fixed_version } : {}),
          severity,
        });
      }
  return [...byCve.values()];
};

describe('Debian tracker packed as it is walked', () => {
  it('equals the whole tracker parsed at once and mapped fix by fix', () => {
    // The generated tracker names each CVE under one package; the real one often under several.
    const doc = JSON.parse(trackerJson(realPackages(), 6000)) as Record<string, Record<string, unknown>>;
    const names = Object.keys(doc);
    for (let i = 0; i + 1 < names.length; i += 3) {
      const [cve, entry] = Object.entries(doc[names[i]!]!)[0] ?? [];
      if (cve) doc[names[i + 1]!]![cve] = entry;
    }
    const json = JSON.stringify(doc);
    const feed = packDebianTracker(json);
    const expected = oracle(json);
    assert.equal(feed.count, expected.length);
    assert.deepEqual(feed.content().advisories, plain(expected));
    assert.ok(
      expected.some((a) => new Set(a.fixes.map((f) => f.package)).size > 1),
      'some CVE spans packages, so its fixes arrive apart and are brought together',
    );
  });

  it('takes the summary from a later package when the first gives none', () => {
    const r = { status: 'resolved', fixed_version: '1.0-1', urgency: 'high' };
    const doc = {
      a: { 'CVE-2024-0001': { releases: { sid: r } }, 'TEMP-0000000-ABCDEF': { releases: { sid: r } } },
      b: { 'CVE-2024-0001': { description: 'found in b', releases: { bookworm: { ...r, urgency: 'low' } } } },
    };
    const [cve, temp] = packDebianTracker(JSON.stringify(doc)).content().advisories;
    assert.equal(cve?.summary, 'found in b');
    assert.equal(cve?.severity, 'high');
    assert.deepEqual(
      cve?.fixes.map((f) => `${f.package} ${f.release}`),
      ['a debian:sid', 'b debian:bookworm'],
    );
    assert.deepEqual(temp?.cves, []);
    assert.equal(temp?.summary, '');
  });
});
