import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDebianTracker, urgencyToSeverity } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { fixture } from './version-gen.js';

describe('Debian security tracker feed', () => {
  const content = parseDebianTracker(fixture('catalog/debian-tracker.json'));
  const byId = new Map(content.advisories.map((a) => [a.id, a]));

  it('makes one advisory per CVE with a source-package fix per release', () => {
    const adv = byId.get('CVE-2025-0725');
    assert.ok(adv);
    assert.deepEqual(adv.cves, ['CVE-2025-0725']);
    assert.equal(adv.severity, 'medium');
    assert.deepEqual(
      adv.fixes.map((f) => [f.release, f.package, f.packageKind, f.fixedVersion]),
      [
        ['debian:bookworm', 'curl', 'source', '7.88.1-10+deb12u16'],
        ['debian:sid', 'curl', 'source', '8.12.0+git20250209.89ed161+ds-1'],
      ],
    );
  });

  it('drops releases that were never affected (fixed_version 0)', () => {
    assert.equal(byId.has('TEMP-0000000-1A2B3C'), false);
    assert.deepEqual(
      byId.get('CVE-2023-38545')?.fixes.map((f) => f.release),
      ['debian:bookworm', 'debian:sid'],
    );
  });

  it('keeps open and undetermined issues as fixes without a version', () => {
    const krb = byId.get('CVE-2025-3576');
    assert.deepEqual(
      krb?.fixes.map((f) => [f.release, f.fixedVersion]),
      [
        ['debian:bookworm', undefined],
        ['debian:sid', undefined],
      ],
    );
    assert.equal(byId.get('CVE-2010-4756')?.severity, 'negligible');
  });

  it('maps urgencies, including NVD-guessed ones marked with *', () => {
    assert.equal(byId.get('CVE-2024-8176')?.severity, 'high');
    assert.equal(urgencyToSeverity('medium*'), 'medium');
    assert.equal(urgencyToSeverity('not yet assigned'), 'unknown');
    assert.equal(urgencyToSeverity('end-of-life'), 'unknown');
  });

  it('rejects the whole feed when one entry is malformed, naming where', () => {
    const doc = JSON.parse(fixture('catalog/debian-tracker.json'));
    doc.curl['CVE-2025-0725'].releases.bookworm.fixed_version = '7.88 1';
    assert.throws(
      () => parseDebianTracker(JSON.stringify(doc)),
      /curl\.CVE-2025-0725\.releases\.bookworm\.fixed_version "7\.88 1": version string has embedded spaces/,
    );
    const doc2 = JSON.parse(fixture('catalog/debian-tracker.json'));
    doc2.expat['CVE-2024-8176'].releases.bookworm.status = 'fixed';
    assert.throws(
      () => parseDebianTracker(JSON.stringify(doc2)),
      /expat\.CVE-2024-8176\.releases\.bookworm\.status/,
    );
    assert.throws(() => parseDebianTracker('{"curl": [}'), /Debian security tracker: not valid JSON/);
    assert.throws(() => parseDebianTracker('{"Not A Package": {}}'), /not a Debian source package name/);
  });
  it('names the path of every kind of bad field, first problem first', () => {
    // biome-ignore lint/suspicious/noExplicitAny: each case edits the entry's JSON freely
    const cases: [(e: Record<string, any>) => void, RegExp][] = [
      [
        (e) => (e.releases.bookworm = 'x'),
        /CVE-2024-0001\.releases\.bookworm: expected an object, got string/,
      ],
      [(e) => (e.releases.bookworm.urgency = 3), /releases\.bookworm\.urgency: expected a string/],
      [
        (e) => (e.releases.bookworm.fixed_version = ''),
        /releases\.bookworm\.fixed_version: expected a non-empty/,
      ],
      [(e) => (e.releases.bookworm.nodsa = 1), /releases\.bookworm\.nodsa: expected a string/],
      [(e) => (e.releases.bookworm.nodsa_reason = {}), /releases\.bookworm\.nodsa_reason: expected a string/],
      [
        (e) => (e.releases.bookworm.repositories = []),
        /releases\.bookworm\.repositories: expected an object/,
      ],
      [
        (e) => (e.releases.bookworm.repositories = { bookworm: 1 }),
        /repositories\.bookworm: expected a version/,
      ],
      [(e) => (e.releases.Bookworm = e.releases.bookworm), /releases\.Bookworm: invalid key/],
      [(e) => (e.releases = null), /openssl\.CVE-2024-0001\.releases: expected an object, got null/],
      [(e) => (e.description = 5), /openssl\.CVE-2024-0001\.description: expected a string/],
      [(e) => (e.scope = false), /openssl\.CVE-2024-0001\.scope: expected a string/],
      [(e) => (e.debianbug = 1.5), /openssl\.CVE-2024-0001\.debianbug: expected an integer/],
      // Two problems in one release: the first in field order is named.
      [
        (e) => Object.assign(e.releases.bookworm, { status: 'x', urgency: 1 }),
        /releases\.bookworm\.status: expected one of/,
      ],
    ];
    for (const [edit, message] of cases) {
      const entry = {
        releases: { bookworm: { status: 'resolved', fixed_version: '1.0-1', urgency: 'high' } },
      };
      edit(entry);
      const doc = JSON.stringify({ openssl: { 'CVE-2024-0001': entry } });
      assert.throws(() => parseDebianTracker(doc), message, String(message));
    }
  });
  it('refuses a package that appears twice, and keeps a hostile key out of the error whole', () => {
    const rel = { status: 'resolved', fixed_version: '1.0-1', urgency: 'high' };
    const entry = JSON.stringify({ 'CVE-2024-0001': { releases: { bookworm: rel } } });
    assert.throws(
      () => parseDebianTracker(`{"openssl": ${entry}, "zlib": ${entry}, "openssl": ${entry}}`),
      /openssl: the package appears twice/,
    );
    const key = 'A'.repeat(5_000_000);
    assert.throws(
      () => parseDebianTracker(`{"${key}": ${entry}}`),
      (e: Error) =>
        e.message.length < 2100 &&
        /^Debian security tracker: AAAA/.test(e.message) &&
        /characters left out/.test(e.message) &&
        /invalid key: not a Debian source package name$/.test(e.message),
    );
  });
});

describe('the sync note', () => {
  it('counts in words, singular for one', () => {
    const one = {
      curl: {
        'CVE-2099-1001': {
          description: 'x',
          releases: { bookworm: { status: 'resolved', fixed_version: '1.0-2', urgency: 'high' } },
        },
      },
    };
    assert.equal(parseDebianTracker(JSON.stringify(one)).note, '1 CVE, 1 package fix in 1 release');
  });
});
