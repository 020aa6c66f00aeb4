/**
 * The real daemon: the site key is made on the first start (0600) and kept across restarts, a
 * token made on the Settings page over HTTP pulls a summary whose JWS verifies with the key the
 * page shows, and after a restart the same token still works and the same key still signs.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { SITE_KEY_FILE } from '../../../daemon/api/site-key.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';
import { setUpOverHttp } from '../web/http-session.js';

const jwkOnPage = (html: string): Record<string, string> => {
  const text = /<dt>Public key \(JWK\)<\/dt><dd><code>([^<]+)<\/code>/.exec(html)?.[1];
  assert.ok(text, 'the Settings page shows the public key');
  return JSON.parse(text.replaceAll('&quot;', '"')) as Record<string, string>;
};

test('site key and tokens across a restart of the real daemon', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  let daemon = await spawnDaemon(dir);
  onTeardown(t, () => daemon.stop());
  assert.equal(
    (await stat(join(dir, SITE_KEY_FILE))).mode & 0o777,
    0o600,
    'made on the first start, root-only',
  );
  const admin = await setUpOverHttp(daemon.url, 'api passphrase 1', dir);
  const made = await (
    await admin.post(
      '/settings/tokens',
      { name: 'HQ', scope: 'console:read', expiresInDays: '30' },
      '/settings',
    )
  ).text();
  const token = /<code>(pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})<\/code>/.exec(made)?.[1];
  assert.ok(token, 'the token is shown once');
  const jwk = jwkOnPage(await (await admin.get('/settings')).text());

  const pull = (path: string) =>
    fetch(new URL(path, daemon.url), { headers: { authorization: `Bearer ${token}` } });
  const summary = await pull('/api/v1/summary');
  assert.equal(summary.status, 200);
  const body = (await summary.json()) as { site: { id: string; applianceVersion: string } };
  const jws = await (await pull('/api/v1/summary.jws')).text();
  const verified = await compactVerify(jws, await importJWK(jwk, 'Ed25519'), { algorithms: ['Ed25519'] });
  assert.deepEqual(JSON.parse(Buffer.from(verified.payload).toString()), body);
  assert.equal((await fetch(new URL('/api/v1/summary', daemon.url))).status, 401);

  assert.equal(await daemon.stop(), 0);
  daemon = await spawnDaemon(dir);
  const again = await pull('/api/v1/summary.jws');
  assert.equal(again.status, 200, 'the token survives a restart');
  const after = await compactVerify(await again.text(), await importJWK(jwk, 'Ed25519'), {
    algorithms: ['Ed25519'],
  });
  assert.equal((JSON.parse(Buffer.from(after.payload).toString()) as typeof body).site.id, body.site.id);
  assert.deepEqual(
    daemon.logs.filter((l) => l.level === 'error' || l.level === 'warn').map((l) => l.msg),
    [],
  );
});
