/** Settings forms and changes as pure logic: form text to JSON, what changed, audit wording, live lists. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAllowList } from '../../../daemon/address-list.js';
import { DownloadWindows } from '../../../daemon/cache/download-window.js';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { changedPaths, describeChange } from '../../../daemon/settings/settings-service.js';
import { parseSection, sectionById, splitKeys } from '../../../web/views/settings-fields.js';

const cache = sectionById('cache')!;

test('a section form becomes changes; a field left out is left alone; words are refused before the schema', () => {
  const parsed = parseSection(cache, {
    _csrf: 't',
    version: 'v',
    'cache.upstreams': 'http://a.example/debian\r\nhttp://b.example/debian-security, ',
    'cache.wanRateKBps': ' 512 ',
    'cache.strictWindows': 'on',
  });
  assert.ok('changes' in parsed);
  assert.deepEqual(parsed.changes, [
    { path: 'cache.upstreams', value: ['http://a.example/debian', 'http://b.example/debian-security'] },
    { path: 'cache.wanRateKBps', value: 512 },
    { path: 'cache.strictWindows', value: true },
  ]);
  const off = parseSection(cache, { 'cache.strictWindows': 'off', 'cache.quotaMB': '' });
  assert.ok('changes' in off);
  assert.deepEqual(off.changes, [
    { path: 'cache.strictWindows', value: false },
    { path: 'cache.quotaMB', value: undefined },
  ]);
  const bad = parseSection(cache, { 'cache.wanRateKBps': '1.5k' });
  assert.ok('errors' in bad);
  assert.deepEqual(bad.errors, { 'cache.wanRateKBps': 'enter a whole number' });
  const unknown = parseSection(cache, { 'cache.dir': '/tmp' });
  assert.ok('unknown' in unknown);
  assert.deepEqual(unknown.unknown, ['cache.dir']);
});

test('trusted keys: a PEM block stays one key, base64 keys one per line', () => {
  const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----';
  assert.deepEqual(splitKeys(`\n${pem}\n\n  AAAAC3NzaC1lZDI1NTE5AAAAIAbcdefghijklmnop  \n`), [
    pem,
    'AAAAC3NzaC1lZDI1NTE5AAAAIAbcdefghijklmnop',
  ]);
});

test('what changed: leaf paths, arrays whole; the audit says old -> new and never a secret', () => {
  assert.deepEqual(
    changedPaths(
      { site: { name: 'a' }, cache: { upstreams: ['x'], proxy: { port: 1 } } },
      { site: { name: 'a' }, cache: { upstreams: ['x', 'y'], proxy: { port: 2 } } },
    ),
    ['cache.upstreams', 'cache.proxy.port'],
  );
  assert.equal(describeChange('cache.wanRateKBps', 0, 512), 'cache.wanRateKBps: 0 -> 512');
  assert.equal(describeChange('site.name', undefined, 'B'), 'site.name: (default) -> "B"');
  assert.equal(
    describeChange('catalog.feeds', [{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'c' }]),
    'catalog.feeds: added ["c"], removed ["a"]',
  );
  assert.equal(
    describeChange('http.metricsToken', 'old-secret-token', 'new-secret-token'),
    'http.metricsToken: changed (secret, not logged)',
  );
  assert.ok(describeChange('site.name', 'x', 'y'.repeat(500)).length < 140, 'long values are shortened');
});

test('the lists the cache checks take a new content in place', () => {
  const clients = new ClientAllowList(['10.0.0.0/8']);
  assert.equal(clients.allows('192.168.1.5'), false);
  clients.replace(['192.168.1.0/24']);
  assert.equal(clients.allows('192.168.1.5'), true);
  assert.equal(clients.allows('10.1.1.1'), false);
  clients.replace([]);
  assert.equal(clients.allows('10.1.1.1'), true);

  const allow = new UpstreamAllowList([]);
  assert.throws(() => allow.check('http://m.example/debian/x'), /no upstreams are allowed yet/);
  allow.replace(['http://m.example/debian']);
  assert.equal(allow.check('http://m.example/debian/x').href, 'http://m.example/debian/x');

  const windows = new DownloadWindows([]);
  const noon = new Date(2026, 11, 4, 12, 0);
  assert.equal(windows.isOpen(noon), true);
  windows.replace(['22:00-06:00']);
  assert.equal(windows.isOpen(noon), false);
});
