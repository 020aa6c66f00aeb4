import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedAs } from '../../../daemon/cache/file-type.js';

const m = 'http://mirror.test';
/** [URL, Content-Type, served as an attachment] */
const table: Array<[string, string, boolean]> = [
  [`${m}/debian/pool/main/h/hello/hello_2.10-3_amd64.deb`, 'application/vnd.debian.binary-package', false],
  [`${m}/debian/pool/main/d/d-i/foo_1_amd64.udeb`, 'application/vnd.debian.binary-package', false],
  [`${m}/debian/pool/main/h/hello/hello_2.10-3.dsc`, 'text/plain; charset=utf-8', false],
  [`${m}/debian/pool/main/h/hello/hello_2.10.orig.tar.gz`, 'application/gzip', false],
  [`${m}/debian/dists/bookworm/InRelease`, 'text/plain; charset=utf-8', false],
  [`${m}/debian/dists/bookworm/Release`, 'text/plain; charset=utf-8', false],
  [`${m}/debian/dists/bookworm/Release.gpg`, 'application/pgp-signature', false],
  [`${m}/debian/dists/bookworm/main/binary-amd64/Packages`, 'text/plain; charset=utf-8', false],
  [`${m}/debian/dists/bookworm/main/binary-amd64/Packages.xz`, 'application/x-xz', false],
  [`${m}/debian/dists/bookworm/main/source/Sources.gz`, 'application/gzip', false],
  [`${m}/debian/dists/bookworm/main/i18n/Translation-en.bz2`, 'application/x-bzip2', false],
  [`${m}/debian/dists/bookworm/main/Contents-amd64.zst`, 'application/zstd', false],
  [
    `${m}/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/${'a'.repeat(64)}`,
    'application/octet-stream',
    false,
  ],
  [`${m}/fedora/Packages/b/bash-5.2-1.x86_64.rpm`, 'application/x-rpm', false],
  [`${m}/fedora/repodata/repomd.xml`, 'text/plain; charset=utf-8', false],
  [`${m}/fedora/repodata/repomd.xml.asc`, 'application/pgp-signature', false],
  [`${m}/fedora/repodata/abc-primary.xml.zst`, 'application/zstd', false],
  [`${m}/alpine/v3.20/main/x86_64/APKINDEX.tar.gz`, 'application/gzip', false],
  [`${m}/alpine/v3.20/main/x86_64/busybox-1.36.1-r29.apk`, 'application/octet-stream', false],
  // Not packages: downloads, whatever the upstream claims they are.
  [`${m}/debian/readme.html`, 'application/octet-stream', true],
  [`${m}/debian/README.HTML`, 'application/octet-stream', true],
  [`${m}/debian/index.svg`, 'application/octet-stream', true],
  [`${m}/debian/script.js`, 'application/octet-stream', true],
  [`${m}/debian/archive-key.asc`, 'application/pgp-signature', true],
  [`${m}/debian/ls-lR.gz`, 'application/gzip', true],
  [`${m}/debian/`, 'application/octet-stream', true],
  [`${m}/debian/dists/bookworm/../../page.html`, 'application/octet-stream', true],
];

test('cached files are typed by name from a fixed table; only packages and indexes are inline', () => {
  for (const [url, contentType, attachment] of table) {
    assert.deepEqual(servedAs(url), { contentType, attachment }, url);
  }
});
