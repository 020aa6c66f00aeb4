import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseApkList } from '../../../daemon/inventory/parse-apk.js';
import { parseDpkgQuery } from '../../../daemon/inventory/parse-dpkg.js';
import { parseOsRelease } from '../../../daemon/inventory/parse-os-release.js';
import { parseRpmQuery } from '../../../daemon/inventory/parse-rpm.js';
import { fixture } from '../catalog/version-gen.js';

describe('inventory parsers', () => {
  it('os-release: quoted values, codename fallbacks, missing ID refused', () => {
    assert.deepEqual(parseOsRelease(fixture('assess/os-release-debian12')), {
      id: 'debian',
      versionId: '12',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
    assert.deepEqual(
      parseOsRelease('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'),
      {
        id: 'alpine',
        versionId: '3.19.1',
        codename: '',
        prettyName: 'Alpine Linux v3.19',
      },
    );
    assert.equal(parseOsRelease('ID=debian\nVERSION="10 (buster)"\n').codename, 'buster');
    assert.equal(
      parseOsRelease('ID=\'rhel\'\nVERSION_ID="9.4"\nNAME="Red \\"Hat\\""\n').prettyName,
      'Red "Hat"',
    );
    assert.throws(() => parseOsRelease('NAME=foo\n'), /no ID= line/);
  });

  it('dpkg-query: 2-, 3-, 4- and 5-column output and dpkg -l listings', () => {
    const five = parseDpkgQuery(fixture('assess/dpkg-query-5col.txt'));
    const two = parseDpkgQuery(fixture('assess/dpkg-query-2col.txt'));
    assert.equal(five.length, 400);
    assert.equal(two.length, 400);
    assert.deepEqual(
      five.find((p) => p.name === 'libcurl4'),
      { name: 'libcurl4', version: '7.88.1-10+deb12u15', arch: 'amd64', source: 'curl' },
    );
    assert.deepEqual(
      two.find((p) => p.name === 'libcurl4'),
      { name: 'libcurl4', version: '7.88.1-10+deb12u15' },
    );
    assert.deepEqual(parseDpkgQuery('libc6:amd64\t2.36-9\tglibc\t2.36-9\n'), [
      { name: 'libc6', version: '2.36-9', arch: 'amd64', source: 'glibc' },
    ]);
    assert.deepEqual(parseDpkgQuery('libfoo1\t1.0-1+b2\tamd64\tfoo\t1.0-1\n'), [
      { name: 'libfoo1', version: '1.0-1+b2', arch: 'amd64', source: 'foo', sourceVersion: '1.0-1' },
    ]);
    const listing = [
      'Desired=Unknown/Install/Remove/Purge/Hold',
      '||/ Name           Version      Architecture Description',
      '+++-==============-============-============-=================',
      'ii  bash           5.2.15-2+b7  amd64        GNU Bourne Again SHell',
      'rc  oldpkg         1.0-1        amd64        removed, config left',
    ].join('\n');
    assert.deepEqual(parseDpkgQuery(listing), [{ name: 'bash', version: '5.2.15-2+b7', arch: 'amd64' }]);
  });

  it('dpkg-query: a bad line is an error with its line number', () => {
    assert.throws(() => parseDpkgQuery('bash\t5.2\nzsh 5.9\n'), /line 2: expected "package<TAB>version"/);
    assert.throws(
      () => parseDpkgQuery('bash\tfive\n'),
      /line 1: version "five": version number does not start with digit/,
    );
    assert.throws(() => parseDpkgQuery('Bash!\t5.2\n'), /line 1: invalid package name/);
  });

  it('rpm: query format with SOURCERPM and plain NEVRA lines', () => {
    assert.deepEqual(
      parseRpmQuery(
        'openssl-libs\t1:3.0.7-27.el9\tx86_64\topenssl-3.0.7-27.el9.src.rpm\nbash\t0:5.1.8-9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n',
      ),
      [
        { name: 'openssl-libs', version: '1:3.0.7-27.el9', arch: 'x86_64', source: 'openssl' },
        { name: 'bash', version: '5.1.8-9.el9', arch: 'x86_64' },
      ],
    );
    assert.deepEqual(parseRpmQuery('kernel-core-5.14.0-427.el9.x86_64\ngpg-pubkey-fd431d51-4ae0493b\n'), [
      { name: 'kernel-core', version: '5.14.0-427.el9', arch: 'x86_64' },
      { name: 'gpg-pubkey', version: 'fd431d51-4ae0493b' },
    ]);
    assert.throws(() => parseRpmQuery('justaname\n'), /line 1: not an rpm name-version-release/);
  });

  it('apk: `apk info -v` and `apk list --installed`', () => {
    assert.deepEqual(parseApkList('musl-1.2.4-r2\nlibcrypto3-3.1.4-r5\nWARNING: opening x: No such file\n'), [
      { name: 'musl', version: '1.2.4-r2' },
      { name: 'libcrypto3', version: '3.1.4-r5' },
    ]);
    assert.deepEqual(parseApkList('libcrypto3-3.1.4-r5 x86_64 {openssl} (Apache-2.0) [installed]\n'), [
      { name: 'libcrypto3', version: '3.1.4-r5', arch: 'x86_64', source: 'openssl' },
    ]);
    assert.throws(() => parseApkList('not-a-version\n'), /line 1: not an apk name-version-rN/);
  });
});

describe('a hostile package list', () => {
  it('is refused with the offending value cut short: a 1 MB field is not a 1 MB error', () => {
    const huge = '1'.repeat(1_000_000);
    for (const [line, what] of [
      [`curl\t${huge}x:`, /^line 1: version "1{80}…" is longer than 256 characters$/],
      [`curl\t1${'.'.repeat(200)}x:`, /^line 1: version "1\.{79}…": /],
      [`curl:${'X'.repeat(1_000_000)}\t1.0`, /^line 1: invalid architecture "X{80}…"$/],
      [`${'a'.repeat(1_000_000)}!\t1.0`, /^line 1: invalid package name "a{80}…"$/],
      [`curl\t1.0\t${'X'.repeat(1_000_000)}`, /^line 1: invalid architecture "X{80}…"$/],
      [`curl\t1.0\t${'S'.repeat(1_000_000)}\t1.0`, /^line 1: invalid source name "S{80}…"$/],
      [`curl\t1.0\tcurl\t${huge}x:`, /^line 1: source version "1{80}…" is longer than 256/],
    ] as const) {
      assert.throws(
        () => parseDpkgQuery(line),
        (err: Error) => {
          assert.match(err.message, what);
          assert.ok(err.message.length < 300, `${err.message.length} characters`);
          return true;
        },
      );
    }
  });

  it('keeps no name, source or version longer than an inventory may hold (256)', () => {
    const long = `${'s'.repeat(300)}`;
    assert.throws(
      () => parseDpkgQuery(`curl\t1.0\t${long}\t1.0`),
      /line 1: source name "s{80}…" is longer than 256/,
    );
    assert.throws(
      () => parseDpkgQuery(`curl\t1.${'0'.repeat(300)}`),
      /line 1: version "1\.0{78}…" is longer than 256/,
    );
  });
});
