/**
 * API tokens: made with scopes and an expiry, shown once and kept only as a hash, checked for
 * scope, expiry and revocation, rate-limited per token, last use recorded; all of it survives a
 * restart. A manual clock moves time; the file is real.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashToken } from '../../../daemon/api/token-record.js';
import { TokenService } from '../../../daemon/api/token-service.js';
import type { DepotError } from '../../../daemon/errors.js';
import { ManualClock } from '../../fakes/clock.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

const FROM = '192.0.2.7';

const service = async (dir: string, clock: ManualClock, requestsPerMinute = 600) => {
  const s = new TokenService({
    file: join(dir, 'api', 'tokens.json'),
    requestsPerMinute,
    log: memoryLogger(),
    clock,
  });
  await s.start();
  return s;
};

const bearer = (token: string) => `Bearer ${token}`;

test('a token is shown once and stored only as its hash, in a file only the daemon can read', async (t) => {
  const dir = await tempDir(t);
  const tokens = await service(dir, new ManualClock());
  const { token, view } = await tokens.create(
    { name: 'HQ console', scopes: ['console:read'], expiresInDays: null },
    FROM,
  );
  assert.match(token, /^pdt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const file = join(dir, 'api', 'tokens.json');
  const text = await readFile(file, 'utf8');
  // The secret is everything after "pdt_<id>_" (it may itself hold "_": split('_') gave a piece of
  // it, a few characters that a hash could hold by chance).
  assert.ok(!text.includes(token.slice('pdt_123456789abc_'.length)), 'the secret is not in the file');
  assert.ok(text.includes(hashToken(token)), 'its hash is');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal('hash' in view, false, 'views carry no hash');
  assert.deepEqual(
    tokens.list().map((v) => [v.name, v.scopes, v.expiresAt]),
    [['HQ console', ['console:read'], null]],
  );
});

test('right token and scope pass; wrong, revoked or expired tokens get 401, the wrong scope 403', async (t) => {
  const clock = new ManualClock();
  const tokens = await service(await tempDir(t), clock);
  const reader = await tokens.create({ name: 'reader', scopes: ['console:read'], expiresInDays: 7 }, FROM);
  const scraper = await tokens.create(
    { name: 'scraper', scopes: ['metrics:read'], expiresInDays: null },
    FROM,
  );

  assert.equal(tokens.check(bearer(reader.token), 'console:read', FROM).ok, true);
  assert.deepEqual(tokens.check(bearer(scraper.token), 'console:read', FROM), {
    ok: false,
    status: 403,
    message: `API token ${scraper.view.id} lacks the scope console:read`,
  });
  const status = (header: string | undefined) => {
    const r = tokens.check(header, 'console:read', FROM);
    return r.ok ? 200 : r.status;
  };
  assert.equal(status(undefined), 401);
  assert.equal(status('Basic dXNlcjpwYXNz'), 401);
  assert.equal(status('Bearer not-a-token'), 401);
  // The right id with another secret: the hash comparison decides, not the id.
  const forged = `${reader.token.slice(0, 17)}${'A'.repeat(43)}`;
  assert.equal(status(bearer(forged)), 401);
  assert.equal(status(`bearer  ${reader.token} `), 200, 'the scheme is case-insensitive');

  await clock.advance(7 * 86_400_000);
  const expired = tokens.check(bearer(reader.token), 'console:read', FROM);
  assert.deepEqual(expired.ok ? 200 : [expired.status, expired.message], [
    401,
    `API token ${reader.view.id} has expired`,
  ]);

  await tokens.revoke(scraper.view.id, FROM);
  const revoked = tokens.check(bearer(scraper.token), 'metrics:read', FROM);
  assert.deepEqual(revoked.ok ? 200 : [revoked.status, revoked.message], [
    401,
    `API token ${scraper.view.id} was revoked`,
  ]);
  assert.equal(tokens.anyLive(), false, 'no token can be used any more');
  await tokens.revoke(scraper.view.id, FROM);
  await assert.rejects(tokens.revoke('0123456789ab', FROM), (err: DepotError) => err.code === 'NOT_FOUND');
});

test('each token has its own rate; past it 429 with Retry-After, and a minute later it passes again', async (t) => {
  const clock = new ManualClock();
  const tokens = await service(await tempDir(t), clock, 3);
  const a = await tokens.create({ name: 'a', scopes: ['console:read'], expiresInDays: null }, FROM);
  const b = await tokens.create({ name: 'b', scopes: ['console:read'], expiresInDays: null }, FROM);
  for (let i = 0; i < 3; i++) assert.equal(tokens.check(bearer(a.token), 'console:read', FROM).ok, true);
  const over = tokens.check(bearer(a.token), 'console:read', FROM);
  assert.equal(over.ok, false);
  assert.equal(!over.ok && over.status, 429);
  assert.equal(!over.ok && over.retryAfter, 60);
  assert.equal(tokens.check(bearer(b.token), 'console:read', FROM).ok, true, 'another token is not slowed');
  await clock.advance(60_000);
  assert.equal(tokens.check(bearer(a.token), 'console:read', FROM).ok, true);
});

test('an address sending many wrong tokens gets 429 instead of 401', async (t) => {
  const tokens = await service(await tempDir(t), new ManualClock());
  const statuses = Array.from({ length: 31 }, () => {
    const r = tokens.check('Bearer pdt_000000000000_guess', 'console:read', '2001:db8::1');
    return r.ok ? 200 : r.status;
  });
  assert.deepEqual(statuses.slice(0, 30), Array(30).fill(401));
  // Another address of the same /64 is the same client.
  const next = tokens.check('Bearer x', 'console:read', '2001:db8::2');
  assert.equal(next.ok ? 200 : next.status, 429);
  const elsewhere = tokens.check('Bearer x', 'console:read', '198.51.100.1');
  assert.equal(elsewhere.ok ? 200 : elsewhere.status, 401);
});

test('last use is recorded at once in memory and written at most every few minutes and at stop', async (t) => {
  const dir = await tempDir(t);
  const clock = new ManualClock();
  const tokens = await service(dir, clock);
  const { token, view } = await tokens.create(
    { name: 'poller', scopes: ['console:read'], expiresInDays: null },
    FROM,
  );
  const stored = async () =>
    (
      JSON.parse(await readFile(join(dir, 'api', 'tokens.json'), 'utf8')) as {
        tokens: Array<{ lastUsedAt: string | null }>;
      }
    ).tokens[0]!.lastUsedAt;
  tokens.check(bearer(token), 'console:read', '192.0.2.50');
  assert.equal(tokens.list()[0]!.lastUsedAt, new Date(clock.now()).toISOString());
  assert.equal(tokens.list()[0]!.lastUsedFrom, '192.0.2.50');
  assert.equal(await stored(), null, 'a token just made is not rewritten for its first use');
  await clock.advance(5 * 60_000);
  tokens.check(bearer(token), 'console:read', FROM);
  await tokens.stop();
  assert.equal(await stored(), new Date(clock.now()).toISOString());

  // A restart keeps tokens, their last use and their revocations.
  await tokens.revoke(view.id, FROM);
  const again = await service(dir, clock);
  assert.equal(again.list()[0]!.lastUsedAt, new Date(clock.now()).toISOString());
  assert.equal(again.check(bearer(token), 'console:read', FROM).ok, false);
});

test('bad input is refused with a message and makes nothing', async (t) => {
  const tokens = await service(await tempDir(t), new ManualClock());
  const refused = async (input: unknown, message: RegExp) =>
    assert.rejects(
      tokens.create(input, FROM),
      (err: DepotError) => err.code === 'BAD_INPUT' && message.test(err.message),
    );
  await refused({ name: ' ', scopes: ['console:read'], expiresInDays: null }, /^name: give the token a name/);
  await refused({ name: 'x', scopes: [], expiresInDays: null }, /^scope: choose at least one/);
  await refused({ name: 'x', scopes: ['root:all'], expiresInDays: null }, /^scope: unknown scope "root:all"/);
  await refused(
    { name: 'x', scopes: ['console:read'], expiresInDays: 3 },
    /^expiry: choose one of the offered/,
  );
  await refused(
    { name: 'a\u0007b', scopes: ['console:read'], expiresInDays: null },
    /^name: no control characters/,
  );
  // A direction override would show 'exe.png' for '\u202egnp.exe' on the tokens page.
  await refused(
    { name: '\u202egnp.exe', scopes: ['console:read'], expiresInDays: null },
    /^name: no control characters or direction overrides/,
  );
  assert.deepEqual(tokens.list(), []);
});
