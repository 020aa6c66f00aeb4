/**
 * The catalog index over packed feeds: what its lookups answer is what the feeds list, in feed
 * order, with firmware left to device matching; lookups made before a feed is added follow it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import type { Advisory, Fix } from '../../../daemon/catalog/model.js';
import { packFeed } from '../../../daemon/catalog/pack-feed.js';

const fix = (over: Partial<Fix>): Fix => ({
  ecosystem: 'dpkg',
  release: 'debian:bookworm',
  package: 'openssl',
  packageKind: 'source',
  ...over,
});

const adv = (id: string, fixes: Fix[], over: Partial<Advisory> = {}): Advisory => ({
  id,
  cves: [id],
  summary: `${id} summary`,
  severity: 'high',
  url: `https://tracker.invalid/${id}`,
  fixes,
  ...over,
});

const tracker = [
  adv('CVE-2024-1', [
    fix({ fixedVersion: '3.0.1-1' }),
    fix({ release: 'debian:trixie', fixedVersion: '3.1-1' }),
  ]),
  adv('CVE-2024-2', [fix({ fixedVersion: '3.0.2-1', severity: 'low' }), fix({ package: 'curl' })]),
];
const apt = [
  adv('DSA-1-1', [
    fix({ package: 'libssl3', packageKind: 'binary', fixedVersion: '3.0.3-1', source: 'openssl' }),
    fix({ ecosystem: 'firmware', release: 'vendor:x', package: 'fw' }),
  ]),
  adv('CVE-2024-1', [fix({ fixedVersion: '3.0.9-1' })], { cves: ['CVE-2024-1', 'CVE-2024-9'], url: 'other' }),
];

const plain = (refs: { feedId: string; advisory: Advisory; fix: Fix }[] | undefined) =>
  refs?.map((r) => ({ feed: r.feedId, id: r.advisory.id, fix: r.fix }));

describe('catalog index', () => {
  it('answers the same after forgetting what its lookups made (between assessments)', () => {
    const index = new CatalogIndex(4);
    index.addPacked('debian', packFeed({ advisories: tracker }));
    index.add('apt', apt);
    const bookworm = index.releases.get('debian:bookworm')!;
    const before = plain(bookworm.source.get('openssl'));
    const binaries = plain(bookworm.binary.get('libssl3'));
    const first = index.advisories.get('CVE-2024-1')!.advisory;
    const summary = first.summary;
    index.forgetMade();
    assert.deepEqual(plain(bookworm.source.get('openssl')), before);
    assert.deepEqual(plain(bookworm.binary.get('libssl3')), binaries);
    const again = index.advisories.get('CVE-2024-1')!.advisory;
    assert.notEqual(again, first, 'made again, not kept');
    assert.equal(again.summary, summary);
    assert.equal(first.summary, summary, 'an object made before still reads its fields');
    assert.equal(index.advisories.get('apt:CVE-2024-1')?.feedId, 'apt');
    assert.equal(bookworm.binaryToSource.get('libssl3'), 'openssl');
  });

  it('answers each (release, package) with its fixes in feed order, firmware left out', () => {
    const index = new CatalogIndex(3);
    index.addPacked('debian', packFeed({ advisories: tracker }));
    const bookworm = index.releases.get('debian:bookworm')!;
    assert.equal(bookworm.source.get('openssl')?.length, 2);
    // A lookup made now is refreshed when a feed is added after it.
    index.add('apt', apt);
    assert.deepEqual(plain(bookworm.source.get('openssl')), [
      { feed: 'debian', id: 'CVE-2024-1', fix: tracker[0]!.fixes[0] },
      { feed: 'debian', id: 'CVE-2024-2', fix: tracker[1]!.fixes[0] },
      { feed: 'apt', id: 'CVE-2024-1', fix: apt[1]!.fixes[0] },
    ]);
    assert.deepEqual(plain(bookworm.binary.get('libssl3')), [
      { feed: 'apt', id: 'DSA-1-1', fix: apt[0]!.fixes[0] },
    ]);
    assert.equal(bookworm.binaryToSource.get('libssl3'), 'openssl');
    assert.equal(bookworm.source.has('curl'), true);
    assert.equal(bookworm.source.has('libssl3'), false);
    assert.deepEqual([...bookworm.source.keys()].sort(), ['curl', 'openssl']);
    assert.deepEqual([...index.releases.keys()].sort(), ['debian:bookworm', 'debian:trixie']);
    assert.deepEqual(index.size, { advisories: 4, fixes: 6, releases: 2 });
    assert.equal(index.generation, 3);
  });

  it('keeps the same advisory from two feeds apart, and one advisory object per lookup', () => {
    const index = new CatalogIndex(1);
    index.add('debian', tracker);
    index.add('apt', apt);
    const first = index.advisories.get('CVE-2024-1');
    const second = index.advisories.get('apt:CVE-2024-1');
    assert.equal(first?.feedId, 'debian');
    assert.equal(second?.feedId, 'apt');
    assert.deepEqual(second?.advisory.cves, ['CVE-2024-1', 'CVE-2024-9']);
    assert.equal(second?.advisory.url, 'other');
    assert.equal(first?.advisory.url, 'https://tracker.invalid/CVE-2024-1');
    assert.equal(first?.advisory.summary, 'CVE-2024-1 summary');
    assert.deepEqual(first?.advisory.fixes, tracker[0]!.fixes);
    const ref = index.releases.get('debian:bookworm')!.source.get('openssl')![0]!;
    assert.equal(ref.advisory, first?.advisory, 'the lookup and the advisory list share the object');
    assert.equal(index.advisories.get('CVE-2099-0'), undefined);
    assert.equal(index.advisories.size, 4);
  });

  it('gives JSON.stringify a packed advisory with all its fields (they are getters)', () => {
    const index = new CatalogIndex(3);
    index.addPacked('debian', packFeed({ advisories: tracker }));
    const ref = index.releases.get('debian:bookworm')!.source.get('openssl')![0]!;
    assert.deepEqual(JSON.parse(JSON.stringify(ref.advisory)), tracker[0]);
  });
});
