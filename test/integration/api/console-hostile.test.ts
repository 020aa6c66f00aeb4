/**
 * The reference console against a hostile appliance: an endless, dripping or gzip-bombed body, a redirect, a
 * 304 to a first pull, a valid signature under the wrong kid, and token files that never end
 * (/dev/zero) or never open (a FIFO with no writer), and escape sequences in the site's name. Each pull must end with a one-line reason,
 * read at most a bounded number of bytes and keep nothing unverified.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CompactSign, calculateJwkThumbprint, exportJWK } from 'jose';
import { formatTable, onePullAtATime } from '../../../daemon/api/console-cli.js';
import { consoleApp } from '../../../daemon/api/console-page.js';
import {
  consoleRows,
  pullSite,
  type SiteEntry,
  type SiteState,
  sitesFileSchema,
} from '../../../daemon/api/console-pull.js';
import { SIGNING_ALG, SUMMARY_JWS_TYP } from '../../../daemon/api/site-key.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';
import { tempDir } from '../../temp-dir.js';

const SUMMARY: Record<string, unknown> & { site: { id: string; name: string; applianceVersion: string } } = {
  site: { id: 'site-1', name: 'Branch 7\x1b]0;owned\x07\x1b[2J\u202e', applianceVersion: '1.0.0' },
  since: '2026-12-01T00:00:00.000Z',
  devices: null,
  hosts: null,
  compliance: null,
  missingFixes: null,
  hostsAtRisk: null,
  rebootsPending: null,
  deployments: null,
  cache: null,
  feeds: { enabled: 0, synced: 0, oldestSyncAt: null },
  problems: [],
};

const keyPair = async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = (await exportJWK(publicKey)) as { kty: 'OKP'; crv: 'Ed25519'; x: string };
  return { jwk, privateKey, kid: await calculateJwkThumbprint(jwk, 'sha256') };
};

const sign = (
  key: Awaited<ReturnType<typeof keyPair>>,
  header: Record<string, string>,
  body: Record<string, unknown> = SUMMARY,
) =>
  new CompactSign(Buffer.from(JSON.stringify(body)))
    .setProtectedHeader({ alg: SIGNING_ALG, typ: SUMMARY_JWS_TYP, kid: key.kid, ...header })
    .sign(key.privateKey);

const answering =
  (res: () => Response): typeof fetch =>
  async () =>
    res();

test('an endless body is cut at 1 MiB, not read into memory until the timeout', async (t) => {
  const up = await startHostileUpstream(t);
  up.route('/api/v1/summary.jws', { mode: 'flood' });
  const key = await keyPair();
  const state: SiteState = {};
  await pullSite({ url: up.base, token: 't', publicKey: key.jwk }, state, { timeoutMs: 30_000 });
  assert.equal(state.error, 'the summary is over 1 MiB');
  assert.ok(up.bytesSent < 64 << 20, `the console stopped reading (${up.bytesSent} bytes sent)`);
  assert.equal(state.summary, undefined);
});

test('a gzip bomb is cut at 1 MiB of what it expands to', async (t) => {
  const up = await startHostileUpstream(t);
  const bomb = gzipSync(Buffer.alloc(64 << 20, 0x41));
  up.route('/api/v1/summary.jws', { mode: 'file', body: bomb, headers: { 'content-encoding': 'gzip' } });
  const key = await keyPair();
  const state: SiteState = {};
  await pullSite({ url: up.base, token: 't', publicKey: key.jwk }, state);
  assert.equal(state.error, 'the summary is over 1 MiB');
});

test('a body that drips for ever ends at the timeout', async (t) => {
  const up = await startHostileUpstream(t);
  up.route('/api/v1/summary.jws', { mode: 'drip', everyMs: 50 });
  const key = await keyPair();
  const state: SiteState = {};
  await pullSite({ url: up.base, token: 't', publicKey: key.jwk }, state, { timeoutMs: 500 });
  assert.equal(state.error, 'no answer in time');
});

test('an answer cut short says so', async (t) => {
  const up = await startHostileUpstream(t);
  up.route('/api/v1/summary.jws', { mode: 'drop-after', body: Buffer.alloc(4000, 0x41), after: 100 });
  const key = await keyPair();
  const state: SiteState = {};
  await pullSite({ url: up.base, token: 't', publicKey: key.jwk }, state);
  assert.match(state.error ?? '', /^the site cut its answer short/);
  const odd: SiteState = {};
  const site: SiteEntry = { url: up.base, token: 't', publicKey: key.jwk };
  await pullSite(site, odd, { fetch: () => Promise.reject(new Error('')) });
  assert.ok(odd.error, 'a failure without a message is still a failure');
});

test('a redirect is refused, not followed', async (t) => {
  const up = await startHostileUpstream(t);
  up.route('/api/v1/summary.jws', { mode: 'redirect', location: 'http://127.0.0.2:9/x' });
  const key = await keyPair();
  const state: SiteState = {};
  await pullSite({ url: up.base, token: 't', publicKey: key.jwk }, state);
  assert.match(state.error ?? '', /redirect/);
  assert.equal(up.requests.length, 1);
});

test('a 304 to a pull that named no ETag is not a contact', async () => {
  const key = await keyPair();
  const state: SiteState = {};
  const site: SiteEntry = { url: 'http://127.0.0.1:9', token: 't', publicKey: key.jwk };
  await pullSite(site, state, { fetch: answering(() => new Response(null, { status: 304 })) });
  assert.equal(state.lastContact, undefined);
  assert.match(state.error ?? '', /304/);
});

test('a signature by the pinned key under another kid, or another typ, is refused', async () => {
  const key = await keyPair();
  const site: SiteEntry = { url: 'http://127.0.0.1:9', token: 't', publicKey: key.jwk };
  for (const [header, why] of [
    [{ kid: 'another' }, /names key another/],
    [{ typ: 'JWT' }, /is a JWT, not a summary/],
  ] as const) {
    const jws = await sign(key, header);
    const state: SiteState = {};
    await pullSite(site, state, { fetch: answering(() => new Response(jws)) });
    assert.match(state.error ?? '', why);
    assert.equal(state.summary, undefined);
  }
  const ok: SiteState = {};
  const jws = await sign(key, {});
  await pullSite(site, ok, { fetch: answering(() => new Response(jws)) });
  assert.equal(ok.error, undefined);
  assert.equal(ok.summary?.site.name, SUMMARY.site.name);
  const table = formatTable(consoleRows([site], { version: 1, sites: { [site.url]: ok } }));
  for (const raw of ['\x1b', '\x07', '\u202e'])
    assert.ok(!table.includes(raw), 'no escape sequence reaches the terminal');
  assert.match(table, /Branch 7\\x1b\]0;owned\\x07\\x1b\[2J\\u202e/);
});

test('a token file that never ends or never opens fails the pull with a reason', async (t) => {
  const key = await keyPair();
  const dir = await tempDir(t);
  const fifo = join(dir, 'token.fifo');
  execFileSync('mkfifo', [fifo]);
  let asked = 0;
  const counting: typeof fetch = async () => {
    asked++;
    return new Response(null, { status: 500 });
  };
  for (const tokenFile of ['/dev/zero', fifo, dir]) {
    const state: SiteState = {};
    await pullSite({ url: 'http://127.0.0.1:9', tokenFile, publicKey: key.jwk }, state, { fetch: counting });
    assert.match(state.error ?? '', /token file .* (is not a regular file|is over)/, tokenFile);
  }
  assert.equal(asked, 0, 'nothing is sent without a token');
});

test('sites.json refuses credentials in a site URL, other schemes and one site twice', () => {
  const publicKey = { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' };
  for (const url of ['http://admin:secret@10.0.0.5:8080', 'file:///etc/passwd', 'javascript:alert(1)']) {
    const r = sitesFileSchema.safeParse({ sites: [{ url, token: 't', publicKey }] });
    assert.equal(r.success, false, url);
  }
  const ok = sitesFileSchema.safeParse({ sites: [{ url: 'https://10.0.0.5:8443', token: 't', publicKey }] });
  assert.equal(ok.success, true);
  const twice = sitesFileSchema.safeParse({
    sites: [
      { name: 'Leeds', url: 'https://10.0.0.5:8443', token: 't', publicKey },
      { name: 'York', url: 'https://10.0.0.5:8443/', token: 't', publicKey },
    ],
  });
  assert.equal(twice.success, false, 'two entries on one address');
  assert.match(twice.error?.issues[0]?.message ?? '', /the same site as sites\.0/);
  assert.deepEqual(twice.error?.issues[0]?.path, ['sites', 1, 'url']);
});

test('a pull that outlasts the interval is not started again until it ends', async () => {
  let started = 0;
  let finish: () => void = () => {};
  const pull = onePullAtATime(async () => {
    started++;
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
  });
  const first = pull();
  assert.equal(await pull(), false, 'skipped while the first runs');
  finish();
  assert.equal(await first, true);
  const third = pull();
  finish();
  assert.equal(await third, true);
  assert.equal(started, 2);
  const failing = onePullAtATime(async () => {
    throw new Error('disk full');
  });
  await assert.rejects(failing(), /disk full/);
  await assert.rejects(failing(), /disk full/, 'a failed pull does not block the next');
});

test('the --serve page answers only to its address, not to a rebound name', async () => {
  const rows = () => [
    {
      site: 'Leeds',
      url: 'http://10.1.0.5:8080',
      compliancePercent: 75,
      hostsAtRisk: 1,
      failedDeployments: 0,
      problems: 0,
      lastContact: null,
      error: null,
    },
  ];
  const app = consoleApp(rows, 60, ['console.msp.example']);
  const get = (path: string, host: string) =>
    app.request(`http://${host}${path}`, { headers: { host } }) as Promise<Response>;
  for (const path of ['/', '/sites.json']) {
    const evil = await get(path, 'evil.example:8088');
    assert.equal(evil.status, 421, `${path} refused to a page on another name`);
    assert.doesNotMatch(await evil.text(), /Leeds/);
    for (const host of ['127.0.0.1:8088', 'localhost:8088', '[::1]:8088', 'console.msp.example:8088'])
      assert.equal((await get(path, host)).status, 200, `${path} via ${host}`);
  }
});

test('a site behind a reverse proxy under a path is asked under that path', async (t) => {
  const up = await startHostileUpstream(t);
  const key = await keyPair();
  up.route('/leeds/api/v1/summary.jws', { mode: 'file', body: Buffer.from(await sign(key, {})) });
  for (const url of [`${up.base}/leeds`, `${up.base}/leeds/`]) {
    const state: SiteState = {};
    await pullSite({ url, token: 't', publicKey: key.jwk }, state);
    assert.equal(state.error, undefined, url);
    assert.equal(state.summary?.site.id, 'site-1');
  }
  assert.deepEqual(
    up.requests.map((r) => r.path),
    ['/leeds/api/v1/summary.jws', '/leeds/api/v1/summary.jws'],
  );
});

test('an older signed summary replayed over plain HTTP does not roll the site back', async () => {
  const key = await keyPair();
  const site: SiteEntry = { url: 'http://127.0.0.1:9', token: 't', publicKey: key.jwk };
  const old = await sign(key, {}, { ...SUMMARY, since: '2026-11-01T00:00:00.000Z', hostsAtRisk: 0 });
  const now = await sign(key, {}, { ...SUMMARY, since: '2026-12-01T00:00:00.000Z', hostsAtRisk: 9 });
  const state: SiteState = {};
  await pullSite(site, state, { fetch: answering(() => new Response(now)) });
  await pullSite(site, state, { fetch: answering(() => new Response(old)) });
  assert.match(state.error ?? '', /older than the one held/);
  assert.equal(state.summary?.hostsAtRisk, 9, 'the newer figures are kept');
  const later = await sign(key, {}, { ...SUMMARY, since: '2026-12-02T00:00:00.000Z', hostsAtRisk: 3 });
  await pullSite(site, state, { fetch: answering(() => new Response(later)) });
  assert.equal(state.error, undefined);
  assert.equal(state.summary?.hostsAtRisk, 3);
});
