import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { cvss3BaseScore } from '../../../daemon/catalog/feeds/cvss.js';
import { parseOsv } from '../../../daemon/catalog/feeds/osv.js';
import { fixture } from './version-gen.js';

const record = (name: string): string => fixture(`catalog/osv/${name}.json`);
const bytes = (s: string): Uint8Array => strToU8(s);
const CAP = 64 << 20;

describe('OSV feed', () => {
  it('reads a Debian DSA record: source package, Debian:12 -> debian:bookworm, CVE from upstream', () => {
    const { advisories } = parseOsv(bytes(record('DSA-5880-1')), CAP);
    assert.equal(advisories.length, 1);
    const [adv] = advisories;
    assert.equal(adv?.id, 'DSA-5880-1');
    assert.deepEqual(adv?.cves, ['CVE-2024-8176']);
    assert.equal(adv?.url, 'https://www.debian.org/security/2025/dsa-5880');
    assert.deepEqual(adv?.fixes, [
      {
        ecosystem: 'dpkg',
        release: 'debian:bookworm',
        package: 'expat',
        packageKind: 'source',
        fixedVersion: '2.5.0-1+deb12u2',
        introduced: undefined,
        severity: undefined,
      },
    ]);
  });

  it('reads Ubuntu severity labels and skips Ubuntu Pro streams', () => {
    const [adv] = parseOsv(bytes(record('USN-7000-1')), CAP).advisories;
    assert.equal(adv?.severity, 'high');
    assert.deepEqual(
      adv?.fixes.map((f) => f.release),
      ['ubuntu:22.04'],
    );
  });

  it('computes a severity from a CVSS v3 vector (Alpine records carry no label)', () => {
    const [adv] = parseOsv(bytes(record('ALPINE-CVE-2024-8176')), CAP).advisories;
    assert.equal(adv?.severity, 'high'); // 7.5
    assert.deepEqual(
      adv?.fixes.map((f) => [f.ecosystem, f.release, f.fixedVersion]),
      [
        ['apk', 'alpine:3.19', '2.7.0-r0'],
        ['apk', 'alpine:3.21', '2.7.0-r0'],
      ],
    );
  });

  it('reads zip dumps and JSON arrays, skipping ecosystems it does not assess', () => {
    const names = ['DSA-5880-1', 'USN-7000-1', 'ALPINE-CVE-2024-8176', 'PYSEC-2024-1'];
    const zip = zipSync(Object.fromEntries(names.map((n) => [`${n}.json`, bytes(record(n))])));
    const fromZip = parseOsv(zip, CAP);
    assert.deepEqual(fromZip.advisories.map((a) => a.id).sort(), [
      'ALPINE-CVE-2024-8176',
      'DSA-5880-1',
      'USN-7000-1',
    ]);
    assert.match(fromZip.note ?? '', /3 advisories from 4 OSV records/);
    const fromArray = parseOsv(bytes(`[${names.map(record).join(',')}]`), CAP);
    assert.equal(fromArray.advisories.length, 3);
  });

  it('rejects the whole dump when one record is malformed', () => {
    const bad = JSON.parse(record('DSA-5880-1'));
    bad.affected[0].ranges[0].events[1] = { fixed: 'not a version' };
    const zip = zipSync({ 'good.json': bytes(record('USN-7000-1')), 'bad.json': bytes(JSON.stringify(bad)) });
    assert.throws(
      () => parseOsv(zip, CAP),
      /DSA-5880-1\.affected\.0\.ranges\.0\.events\.1: version "not a version"/,
    );
    const noModified = JSON.parse(record('USN-7000-1'));
    delete noModified.modified;
    assert.throws(() => parseOsv(bytes(JSON.stringify(noModified)), CAP), /OSV: modified:/);
    assert.throws(
      () => parseOsv(zipSync({ 'README.txt': bytes('hi') }), CAP),
      /zip dump holds no \.json records/,
    );
  });

  it('keeps only web links as the advisory URL', () => {
    const rec = JSON.parse(record('DSA-5880-1'));
    rec.references = [
      { type: 'ADVISORY', url: 'javascript:alert(1)' },
      { type: 'WEB', url: 'https://security-tracker.debian.org/tracker/DSA-5880-1' },
    ];
    const [adv] = parseOsv(bytes(JSON.stringify(rec)), CAP).advisories;
    assert.equal(adv?.url, 'https://security-tracker.debian.org/tracker/DSA-5880-1');
  });

  it('CVSS v3 base scores match the FIRST calculator', () => {
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 9.8);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'), 10);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H'), 7.8);
    assert.equal(cvss3BaseScore('CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N'), 3.1);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N'), 6.4);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N'), 0);
    assert.equal(cvss3BaseScore('CVSS:2.0/AV:N'), undefined);
  });
});
