import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalPath } from '../../../daemon/cache/canonical-path.js';
import { normaliseUrl, UpstreamAllowList } from '../../../daemon/cache/url-policy.js';

const allow = new UpstreamAllowList(['http://mirror.test/debian/']);

/** [raw URL, the reason it is refused] */
const hostile: Array<[string, RegExp]> = [
  ['http://mirror.test/debian/..%2fprivate/secret', /encoded slashes/],
  ['http://mirror.test/debian/..%2Fprivate/secret', /encoded slashes/],
  ['http://mirror.test/debian/..%5cprivate/secret', /encoded slashes/],
  ['http://mirror.test/debian/..%5Cprivate/secret', /encoded slashes/],
  ['http://mirror.test/debian/pool/x.deb%00.txt', /NUL bytes/],
  ['http://mirror.test/debian/%2e%2e/%2e%2e/%2e%2e/etc/passwd', /above the server root/],
  ['http://mirror.test/../debian/x', /above the server root/],
  ['http://mirror.test/debian/..\\private', /backslashes/],
  ['http://mirror.test/debian/\tpool', /control characters/],
  ['http://mirror.test/debian/pool/%zz', /malformed percent-encoding/],
  ['http://mirror.test/debian/pool/%4', /malformed percent-encoding/],
  ['http://mirror.test/debian/..;/private/secret', /\.\.;/],
  ['http://mirror.test/debian/.%2e;x/private', /\.\.;/],
  ['http:mirror.test/debian/x', /not an absolute URL/],
];

/** Refused by the allow-list once the path is resolved: it is outside /debian/. */
const outside = [
  'http://mirror.test/debian/../private/secret',
  'http://mirror.test/debian/%2e%2e/private/secret',
  'http://mirror.test/debian/.%2E/private/secret',
  'http://mirror.test/debian-evil/x.deb',
];

/** [raw URL, its canonical form] */
const benign: Array<[string, string]> = [
  [
    'http://mirror.test/debian/pool/main/h/hello/hello_2.10-3_amd64.deb',
    '/debian/pool/main/h/hello/hello_2.10-3_amd64.deb',
  ],
  [
    'http://mirror.test/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb',
    '/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb',
  ],
  [
    'http://mirror.test/debian/pool/main/g/gcc/libstdc%2b%2b6_12_amd64.deb',
    '/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb',
  ],
  [
    'http://mirror.test/debian/pool/main/g/gcc/libstdc%2B%2B6_12_amd64.deb',
    '/debian/pool/main/g/gcc/libstdc++6_12_amd64.deb',
  ],
  [
    'http://mirror.test/debian/pool/main/v/vim/vim_9.0%7erc1_amd64.deb',
    '/debian/pool/main/v/vim/vim_9.0~rc1_amd64.deb',
  ],
  ['http://mirror.test/debian/%70ool/x.deb', '/debian/pool/x.deb'],
  ['http://mirror.test/debian/pool/a%3ab.deb', '/debian/pool/a%3Ab.deb'],
  ['http://mirror.test/debian/pool/a:b.deb', '/debian/pool/a:b.deb'],
  ['http://mirror.test/debian/pool/a%5eb.deb', '/debian/pool/a%5Eb.deb'],
  ['http://mirror.test/debian/pool/a^b.deb', '/debian/pool/a%5Eb.deb'],
  ['http://mirror.test/debian/pool/caf%C3%A9.deb', '/debian/pool/caf%C3%A9.deb'],
  ['http://mirror.test/debian/pool/café.deb', '/debian/pool/caf%C3%A9.deb'],
  ['http://mirror.test/debian/pool/100%25.deb', '/debian/pool/100%25.deb'],
  ['http://mirror.test/debian/pool/../dists/bookworm/InRelease', '/debian/dists/bookworm/InRelease'],
  ['http://mirror.test/debian/./dists/./bookworm/', '/debian/dists/bookworm/'],
  ['http://mirror.test/debian/dists/bookworm/..', '/debian/dists/'],
  ['HTTP://Mirror.Test:80/debian/x.deb', '/debian/x.deb'],
];

test('hostile paths are refused with the reason, before the allow-list and the cache key', () => {
  for (const [raw, reason] of hostile) {
    assert.throws(
      () => allow.check(raw),
      (err: Error & { code?: string }) => err.code === 'BAD_INPUT' && reason.test(err.message),
      raw,
    );
  }
  for (const raw of outside) {
    assert.throws(() => allow.check(raw), { code: 'FORBIDDEN' }, raw);
  }
});

test('benign spellings of one file share one canonical URL', () => {
  for (const [raw, path] of benign) {
    const url = allow.check(raw);
    assert.equal(url.href, `http://mirror.test${path}`, raw);
    assert.equal(normaliseUrl(url.href).href, url.href, `idempotent for ${raw}`);
  }
  assert.equal(
    allow.check('http://mirror.test/debian/x.deb?a=%2f#frag').href,
    'http://mirror.test/debian/x.deb?a=%2f',
  );
});

test('canonical paths of odd shapes', () => {
  assert.equal(canonicalPath(''), '/');
  assert.equal(canonicalPath('/'), '/');
  assert.equal(canonicalPath('/a//b'), '/a//b', 'empty segments are kept (S3 tells them apart)');
  assert.equal(canonicalPath('/a/b/../..'), '/');
  assert.equal(canonicalPath('/%F0%9F%93%A6/📦'), '/%F0%9F%93%A6/%F0%9F%93%A6');
  assert.equal(canonicalPath("/!$&'()*,;=:@"), "/!$&'()*,;=:@");
  assert.throws(() => canonicalPath('/a/../..'), /above the server root/);
});
