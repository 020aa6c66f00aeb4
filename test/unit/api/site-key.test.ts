/**
 * The site key: made once on the first start (0600, one atomic file), the same after a restart,
 * never silently replaced; its JWS verifies with the published key (by a JOSE library and by
 * plain Ed25519) and fails after any one byte changes.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { SITE_KEY_FILE, SiteKey } from '../../../daemon/api/site-key.js';
import type { DepotError } from '../../../daemon/errors.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

test('made on the first start, readable by the daemon only, and the same after a restart', async (t) => {
  const dir = await tempDir(t);
  const first = await SiteKey.open(dir, memoryLogger());
  const file = join(dir, SITE_KEY_FILE);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), [SITE_KEY_FILE], 'no temp file left behind');
  assert.match(first.publicKey.siteId, /^site-[0-9a-f]{16}$/);
  assert.match(first.publicKey.kid, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(Object.keys(first.publicKey.jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  const again = await SiteKey.open(dir, memoryLogger());
  assert.deepEqual(again.publicKey, first.publicKey);
  assert.ok(
    !(await readFile(file, 'utf8')).includes(first.publicKey.jwk.x!),
    'the file holds the private key',
  );
});

test('a key file others can read is tightened; a damaged one stops the start and is kept', async (t) => {
  const dir = await tempDir(t);
  await SiteKey.open(dir, memoryLogger());
  const file = join(dir, SITE_KEY_FILE);
  await chmod(file, 0o644);
  const log = memoryLogger();
  await SiteKey.open(dir, log);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.ok(log.lines.some((e) => e.msg === 'the site key was readable by others; set to 0600'));

  await writeFile(file, '{"version":1,"siteId":"site-00","createdAt":"x","privateKey":"AAAA"}');
  await assert.rejects(
    SiteKey.open(dir, memoryLogger()),
    (err: DepotError) =>
      err.code === 'STORE_CORRUPT' && /not a readable site key.*pin the new key/.test(err.message),
  );
  assert.match(await readFile(file, 'utf8'), /site-00/, 'left for the administrator to restore');
});

test('a signed summary verifies with the published key and fails after any one byte changes', async (t) => {
  const key = await SiteKey.open(await tempDir(t), memoryLogger());
  const payload = Buffer.from(JSON.stringify({ site: { id: key.publicKey.siteId }, hostsAtRisk: 3 }));
  const jws = await key.sign(payload);
  assert.equal(await key.sign(payload), jws, 'Ed25519 is deterministic: the same summary, the same JWS');
  assert.deepEqual(decodeProtectedHeader(jws), {
    alg: 'Ed25519',
    kid: key.publicKey.kid,
    typ: 'patch-depot-summary+jws',
  });

  // A JOSE library with the published JWK, pinned to the algorithm.
  const jwk = await importJWK(key.publicKey.jwk, 'Ed25519');
  const verified = await compactVerify(jws, jwk, { algorithms: ['Ed25519'] });
  assert.deepEqual(Buffer.from(verified.payload), payload);
  // Plain Ed25519 with the published PEM: the signature covers "header.payload".
  const [h, p, s] = jws.split('.') as [string, string, string];
  const pem = createPublicKey(key.publicKey.pem);
  assert.ok(verify(null, Buffer.from(`${h}.${p}`), pem, Buffer.from(s, 'base64url')));

  // One byte changed anywhere in the signed bytes: the payload, the header or the signature.
  const flipped = (text: string, at: number) => {
    const bytes = Buffer.from(text, 'base64url');
    bytes[at]! ^= 0x01;
    return bytes.toString('base64url');
  };
  for (const forged of [
    `${h}.${flipped(p, 10)}.${s}`,
    `${h}.${Buffer.from(payload.toString().replace('3', '0')).toString('base64url')}.${s}`,
    `${flipped(h, 5)}.${p}.${s}`,
    `${h}.${p}.${flipped(s, 0)}`,
    `${h}.${p}.${flipped(s, 63)}`,
  ]) {
    await assert.rejects(compactVerify(forged, jwk, { algorithms: ['Ed25519'] }));
    const [fh, fp, fs] = forged.split('.') as [string, string, string];
    assert.equal(verify(null, Buffer.from(`${fh}.${fp}`), pem, Buffer.from(fs, 'base64url')), false);
  }
  // Another site's key does not verify it either.
  const other = await SiteKey.open(await tempDir(t), memoryLogger());
  await assert.rejects(
    compactVerify(jws, await importJWK(other.publicKey.jwk, 'Ed25519'), { algorithms: ['Ed25519'] }),
  );
});
