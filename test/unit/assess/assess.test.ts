import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHost, missingFixesOf, siteCompliance } from '../../../daemon/assess/assess.js';
import { sourceCandidates } from '../../../daemon/assess/source-guess.js';
import { CatalogIndex } from '../../../daemon/catalog/catalog-index.js';
import { parseDebianTracker } from '../../../daemon/catalog/feeds/debian-tracker.js';
import { parseOsv } from '../../../daemon/catalog/feeds/osv.js';
import type { Advisory } from '../../../daemon/catalog/model.js';
import { parseDpkgQuery } from '../../../daemon/inventory/parse-dpkg.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import { parseRpmQuery } from '../../../daemon/inventory/parse-rpm.js';
import type { HostInventory } from '../../../daemon/inventory/types.js';
import { fixture } from '../catalog/version-gen.js';

const bookworm = parseOsRelease(fixture('assess/os-release-debian12'));
const host = (hostId: string, packages: HostInventory['packages'], os = bookworm): HostInventory => ({
  hostId,
  collectedAt: '2026-11-23T10:00:00.000Z',
  os,
  kernel: '6.1.0-40-amd64',
  packages,
  ecosystem: 'dpkg',
  rebootRequired: false,
});
const trackerIndex = () => {
  const index = new CatalogIndex(1);
  index.add('debian', parseDebianTracker(fixture('catalog/debian-tracker.json')).advisories);
  return index;
};

describe('assessment', () => {
  it('finds exactly the fixes newer than what is installed, keyed on source packages', () => {
    const inv = host('pc-1', parseDpkgQuery(fixture('assess/dpkg-query-5col.txt')));
    const a = assessHost(inv, trackerIndex());
    assert.equal(a.covered, true);
    assert.equal(a.release, 'debian:bookworm');
    const rows = missingFixesOf(a)
      .map((m) => [m.package, m.installed, m.fixed, m.advisoryId, m.severity])
      .sort();
    assert.deepEqual(rows, [
      ['curl', '7.88.1-10+deb12u15', '7.88.1-10+deb12u16', 'CVE-2025-0725', 'medium'],
      ['expat', '2.5.0-1+deb12u1', '2.5.0-1+deb12u2', 'CVE-2024-8176', 'high'],
      ['glibc', '2.36-9+deb12u14', '2.36-9+deb12u15', 'CVE-2025-4802', 'medium'],
    ]);
    // curl's fix applies to every installed binary built from it.
    assert.deepEqual(
      missingFixesOf(a)
        .find((m) => m.package === 'curl')
        ?.binaries.sort(),
      ['curl', 'libcurl3-gnutls', 'libcurl3-nss', 'libcurl4'],
    );
    assert.equal(a.unfixed, 2); // glibc CVE-2010-4756 and krb5 CVE-2025-3576 are open
    assert.equal(a.compliant, false);
    assert.deepEqual(a.bySeverity, { critical: 0, high: 1, medium: 2, low: 0, negligible: 0, unknown: 0 });
  });

  it('maps binaries to sources when the inventory has only name and version', () => {
    const two = assessHost(
      host('pc-2', parseDpkgQuery(fixture('assess/dpkg-query-2col.txt'))),
      trackerIndex(),
    );
    assert.deepEqual(
      missingFixesOf(two)
        .map((m) => m.package)
        .sort(),
      ['curl', 'expat', 'glibc'],
    );
    assert.deepEqual(sourceCandidates('libc6').slice(0, 1), ['glibc']);
    assert.ok(sourceCandidates('libexpat1').includes('expat'));
    assert.ok(sourceCandidates('libkrb5-3').includes('krb5'));
    assert.ok(sourceCandidates('libstdc++6', '12.2.0-14').includes('gcc-12'));
  });

  it('counts nothing as missing once the fixed version is installed, and respects epochs', () => {
    const inv = host('pc-3', [
      { name: 'curl', version: '7.88.1-10+deb12u16' },
      { name: 'libexpat1', version: '2.5.0-1+deb12u2', source: 'expat' },
      { name: 'git', version: '1:2.39.5-0+deb12u3' },
      { name: 'libc6', version: '2.36-9+deb12u15', source: 'glibc' },
    ]);
    const a = assessHost(inv, trackerIndex());
    assert.deepEqual(missingFixesOf(a), []);
    assert.equal(a.compliant, true);
    // Without its epoch the same git would be older than 1:2.39.5-0+deb12u3.
    const noEpoch = assessHost(host('pc-4', [{ name: 'git', version: '2.40.0-1' }]), trackerIndex());
    assert.equal(missingFixesOf(noEpoch)[0]?.advisoryId, 'CVE-2025-48384');
  });

  it('marks hosts whose release no feed covers instead of calling them compliant', () => {
    const trixie = { ...bookworm, versionId: '13', codename: 'trixie', prettyName: 'Debian 13' };
    const ubuntu = { id: 'ubuntu', versionId: '24.04', codename: 'noble', prettyName: 'Ubuntu 24.04' };
    const a = assessHost(host('pc-5', [{ name: 'curl', version: '7.0-1' }], ubuntu), trackerIndex());
    assert.equal(a.covered, false);
    assert.equal(a.compliant, false);
    const t = assessHost(host('pc-6', [{ name: 'expat', version: '2.6.0-1' }], trixie), trackerIndex());
    assert.equal(t.covered, true);
    assert.equal(missingFixesOf(t)[0]?.fixed, '2.7.0-1');
    const site = siteCompliance([
      a,
      t,
      assessHost(host('pc-7', [{ name: 'curl', version: '9.0-1' }]), trackerIndex()),
    ]);
    assert.equal(site.hosts, 3);
    assert.equal(site.assessed, 2);
    assert.equal(site.uncovered, 1);
    assert.equal(site.compliant, 1);
    assert.equal(site.ratio, 0.5);
    assert.equal(site.hostsAtRisk, 1);
  });

  it('rates an apt feed fix by the tracker fixes it brings; the rest is unrated and still at risk', () => {
    const index = trackerIndex();
    const aptFix = (pkg: string, source: string, version: string): Advisory => ({
      id: `bookworm-security/${source}_${version}`,
      cves: [],
      summary: `${source} ${version}`,
      severity: 'unknown',
      fixes: [
        {
          ecosystem: 'dpkg',
          release: 'debian:bookworm',
          package: pkg,
          packageKind: 'binary',
          fixedVersion: version,
          source,
        },
      ],
    });
    index.add('security', [aptFix('libexpat1', 'expat', '2.5.0-1+deb12u2'), aptFix('foo', 'foo', '1.0-2')]);
    const a = assessHost(
      host('pc-8', [
        { name: 'libexpat1', version: '2.5.0-1+deb12u1', source: 'expat', sourceVersion: '2.5.0-1+deb12u1' },
        { name: 'foo', version: '1.0-1' },
      ]),
      index,
    );
    const apt = (name: string) =>
      missingFixesOf(a).find((m) => m.feedId === 'security' && m.package === name);
    assert.equal(
      apt('libexpat1')?.severity,
      'high',
      'the tracker rates expat high at a version the apt fix includes',
    );
    assert.deepEqual(apt('libexpat1')?.cves, ['CVE-2024-8176']);
    assert.equal(apt('foo')?.severity, 'unknown', 'nothing rates foo');
    assert.equal(a.bySeverity.unknown, 1);
    const onlyUnrated = assessHost(host('pc-9', [{ name: 'foo', version: '1.0-1' }]), index);
    assert.deepEqual(
      [onlyUnrated.bySeverity.critical, onlyUnrated.bySeverity.high, onlyUnrated.bySeverity.unknown],
      [0, 0, 1],
    );
    const site = siteCompliance([a, onlyUnrated]);
    assert.equal(site.hostsAtRisk, 2, 'a host missing only an unrated security fix is at risk');
    assert.equal(site.bySeverity.unknown, 2);
  });

  it('honours OSV introduced versions and keeps the lowest applicable fixed version', () => {
    const adv: Advisory = {
      id: 'TEST-1',
      cves: ['CVE-2026-0001'],
      summary: 'two ranges',
      severity: 'critical',
      fixes: [
        {
          ecosystem: 'dpkg',
          release: 'debian:bookworm',
          package: 'demo',
          packageKind: 'source',
          introduced: '2.0-1',
          fixedVersion: '2.5-1',
        },
        {
          ecosystem: 'dpkg',
          release: 'debian:bookworm',
          package: 'demo',
          packageKind: 'source',
          introduced: '2.0-1',
          fixedVersion: '3.0-1',
        },
      ],
    };
    const index = new CatalogIndex(1);
    index.add('osv', [adv]);
    assert.deepEqual(missingFixesOf(assessHost(host('a', [{ name: 'demo', version: '1.9-1' }]), index)), []);
    const hit = missingFixesOf(assessHost(host('b', [{ name: 'demo', version: '2.1-1' }]), index));
    assert.equal(hit.length, 1);
    assert.equal(hit[0]?.fixed, '2.5-1');
    assert.equal(hit[0]?.severity, 'critical');
  });

  it('learns binary -> source from apt indexes of the same release', () => {
    const index = trackerIndex();
    // An apt index says libexpat-odd1 is built from expat; no naming rule would guess that.
    index.add('apt', [
      {
        id: 'bookworm/expat_2.5.0-1+deb12u2',
        cves: [],
        summary: 'expat in bookworm-security',
        severity: 'unknown',
        fixes: [
          {
            ecosystem: 'dpkg',
            release: 'debian:bookworm',
            package: 'libexpat-odd1',
            packageKind: 'binary',
            fixedVersion: '2.5.0-1+deb12u2',
            source: 'expat',
          },
        ],
      },
    ]);
    const a = assessHost(host('pc-8', [{ name: 'libexpat-odd1', version: '2.5.0-1+deb12u1' }]), index);
    assert.deepEqual(
      missingFixesOf(a)
        .map((m) => [m.advisoryId, m.package, m.packageKind])
        .sort(),
      [
        ['CVE-2024-8176', 'expat', 'source'],
        ['bookworm/expat_2.5.0-1+deb12u2', 'libexpat-odd1', 'binary'],
      ],
    );
  });

  it('assesses an Enterprise Linux host (rpm rules, binary RPM names, major release) from OSV', () => {
    const index = new CatalogIndex(1);
    index.add('alma', parseOsv(Buffer.from(fixture('catalog/osv/ALSA-2024-2447.json')), 1 << 20).advisories);
    const alma = {
      id: 'almalinux',
      versionId: '9.3',
      codename: '',
      prettyName: 'AlmaLinux 9.3 (Shamrock Pampas Cat)',
    };
    const packages = parseRpmQuery(
      'openssl-libs\t1:3.0.7-24.el9\tx86_64\topenssl-3.0.7-24.el9.src.rpm\nopenssl\t1:3.0.7-27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\nbash\t0:5.1.8-9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n',
    );
    const a = assessHost({ ...host('el-1', packages, alma), ecosystem: 'rpm' }, index);
    assert.equal(a.release, 'almalinux:9');
    assert.deepEqual(
      missingFixesOf(a).map((m) => [m.package, m.packageKind, m.installed, m.fixed, m.severity]),
      [['openssl-libs', 'binary', '1:3.0.7-24.el9', '1:3.0.7-27.el9', 'medium']],
    );
    assert.ok(missingFixesOf(a)[0]?.cves.includes('CVE-2024-0727'));
  });
});
