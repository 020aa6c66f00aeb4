/**
 * /api/v1 through the real web app: the OpenAPI document validates and lists every route, tokens
 * made on the Settings page open it (and only with the right scope), a revoked one no longer
 * does, an unchanged summary costs a 304, and the signed summary verifies with the key the
 * Settings page publishes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import type { Problem } from '../../../daemon/observability/health.js';
import { ManualClock } from '../../fakes/clock.js';
import { apiHarness } from './api-harness.js';

test('the OpenAPI 3.1 document validates and every /api/v1 route is in it', async (t) => {
  const h = await apiHarness(t);
  const res = await h.call('/api/v1/openapi.json');
  assert.equal(res.status, 200, 'public: no token needed');
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');

  const served = h.app.routes
    .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m} ${path}`),
  );
  assert.ok(served.length >= 6, `routes found: ${served.join(', ')}`);
  assert.deepEqual(
    served.filter((r) => !documented.includes(r)),
    [],
    'every served route is documented',
  );
  assert.deepEqual(
    documented.filter((r) => !served.includes(r)),
    [],
    'every documented route is served',
  );
});

test('tokens from the Settings page: 401 without, 403 with the wrong scope, 200 with the right one, 401 once revoked', async (t) => {
  const h = await apiHarness(t);
  const none = await h.call('/api/v1/summary');
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('content-type'), 'application/problem+json');
  assert.match(
    none.headers.get('www-authenticate') ?? '',
    /^Bearer realm="patch-depot", scope="console:read"$/,
  );
  assert.deepEqual(await none.json(), {
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    detail: 'send an API token as "Authorization: Bearer <token>"',
  });
  const garbage = await h.call('/api/v1/summary', 'pdt_0123456789ab_AAAA');
  assert.equal(garbage.status, 401);
  assert.match(garbage.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

  const scraper = await h.makeToken(['metrics:read'], 'prometheus');
  const wrongScope = await h.call('/api/v1/hosts', scraper);
  assert.equal(wrongScope.status, 403);
  assert.match(
    wrongScope.headers.get('www-authenticate') ?? '',
    /error="insufficient_scope", scope="console:read"/,
  );

  const token = await h.makeToken(['console:read'], 'HQ console');
  const ok = await h.call('/api/v1/summary', token);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cache-control'), 'private, no-cache');
  const summary = (await ok.json()) as { site: { name: string; applianceVersion: string } };
  assert.deepEqual(summary.site.name, 'Branch 7');

  // The Settings page lists it, with its last use, and never shows the token again.
  const page = await (await h.admin.request('/settings')).text();
  assert.ok(!page.includes(token), 'the token text is shown only once');
  assert.match(page, /HQ console/);
  assert.match(page, /from 198\.51\.100\.20/);

  const id = token.slice(4, 16);
  const revoked = await h.admin.post(`/settings/tokens/${id}/revoke`, {
    _csrf: await h.admin.csrf('/settings'),
  });
  assert.equal(revoked.status, 200);
  assert.match(await revoked.text(), /Token &quot;HQ console&quot; revoked\.|Token "HQ console" revoked\./);
  const after = await h.call('/api/v1/summary', token);
  assert.equal(after.status, 401);
  assert.equal(((await after.json()) as { detail: string }).detail, `API token ${id} was revoked`);
});

test('making a token needs the admin session and a CSRF token; bad forms say what is wrong', async (t) => {
  const h = await apiHarness(t);
  const stranger = h.browser();
  const res = await stranger.post('/settings/tokens', { name: 'x', scope: 'console:read' });
  assert.notEqual(res.status, 200);
  assert.equal(h.api.tokens.list().length, 0);
  const noScope = await h.admin.post('/settings/tokens', {
    _csrf: await h.admin.csrf('/settings'),
    name: 'x',
  });
  assert.equal(noScope.status, 400);
  assert.match(await noScope.text(), /scope: choose at least one scope/);
  assert.equal(h.api.tokens.list().length, 0);
});

test('an unchanged summary is a 304; a change gives a new body and ETag', async (t) => {
  const clock = new ManualClock();
  const problems: Problem[] = [];
  const h = await apiHarness(t, { clock, sources: { health: { problems: async () => [...problems] } } });
  const token = await h.makeToken(['console:read']);
  const first = await h.call('/api/v1/summary', token);
  const tag = first.headers.get('etag');
  assert.match(tag ?? '', /^"[0-9a-f]+"$/);
  const body = await first.text();

  await clock.advance(60_000);
  const again = await h.call('/api/v1/summary', token, { 'if-none-match': tag! });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  assert.equal(again.headers.get('etag'), tag);
  assert.equal(again.headers.get('cache-control'), 'private, no-cache');
  assert.equal((JSON.parse(body) as { since: string }).since, new Date(clock.now() - 60_000).toISOString());

  problems.push({ source: 'catalog', message: 'feed debian-security is stale' });
  await clock.advance(60_000);
  const changed = await h.call('/api/v1/summary', token, { 'if-none-match': tag! });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), tag);
  const next = (await changed.json()) as { since: string; problems: Problem[] };
  assert.deepEqual(next.problems, problems);
  assert.equal(next.since, new Date(clock.now()).toISOString(), 'since: when the figures changed');
});

test('the signed summary is the summary, verifies with the key on the Settings page, and is 304 while unchanged', async (t) => {
  const h = await apiHarness(t);
  const token = await h.makeToken(['console:read']);
  const plain = await (await h.call('/api/v1/summary', token)).text();
  const res = await h.call('/api/v1/summary.jws', token);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/jose');
  const jws = await res.text();

  const settings = await (await h.admin.request('/settings')).text();
  const kid = h.api.siteKey.publicKey.kid;
  assert.ok(settings.includes(kid), 'the fingerprint is on the Settings page');
  const published = /<dt>Public key \(JWK\)<\/dt><dd><code>([^<]+)<\/code>/.exec(settings)?.[1];
  assert.ok(published, 'the public JWK is on the Settings page');
  const jwk = JSON.parse(published.replaceAll('&quot;', '"')) as Record<string, string>;
  assert.equal(jwk.kid, kid);
  assert.equal(decodeProtectedHeader(jws).kid, kid);
  const { payload } = await compactVerify(jws, await importJWK(jwk, 'Ed25519'), { algorithms: ['Ed25519'] });
  assert.equal(Buffer.from(payload).toString(), plain, 'the payload is exactly the /summary body');

  const key = (await (await h.call('/api/v1/site-key', token)).json()) as { kid: string; jwk: unknown };
  assert.equal(key.kid, kid);
  const again = await h.call('/api/v1/summary.jws', token, { 'if-none-match': res.headers.get('etag')! });
  assert.equal(again.status, 304);
});

test('/metrics is open until a token exists; then it needs one with metrics:read', async (t) => {
  const h = await apiHarness(t);
  assert.equal((await h.call('/metrics')).status, 200);
  const reader = await h.makeToken(['console:read']);
  const closed = await h.call('/metrics');
  assert.equal(closed.status, 401);
  assert.match(closed.headers.get('www-authenticate') ?? '', /scope="metrics:read"/);
  assert.equal((await h.call('/metrics', reader)).status, 403);
  const scraper = await h.makeToken(['metrics:read']);
  const scraped = await h.call('/metrics', scraper);
  assert.equal(scraped.status, 200);
  assert.match(await scraped.text(), /^# HELP /m);
});

test('unknown API paths are 404 problems for a token holder (405 for another method) and 401 for anyone else', async (t) => {
  const h = await apiHarness(t);
  const token = await h.makeToken(['console:read']);
  assert.equal((await h.call('/api/v1/nope')).status, 401);
  const missing = await h.call('/api/v1/nope', token);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  const posted = await h.app.request('http://depot.test/api/v1/summary', {
    method: 'POST',
    headers: { host: 'depot.test', authorization: `Bearer ${token}` },
  });
  assert.equal(posted.status, 405);
  assert.equal(posted.headers.get('allow'), 'GET, HEAD');
});

test('/api/v1/audit: the audit log oldest first, pulled incrementally with after=', async (t) => {
  const h = await apiHarness(t);
  const token = await h.makeToken(['console:read']);
  const page = async (query: string) => {
    const res = await h.call(`/api/v1/audit${query}`, token);
    return {
      status: res.status,
      body: (await res.json()) as {
        items: { seq: number; action: string; user: string; outcome: string }[];
        next: string | null;
      },
    };
  };
  const all = await page('');
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.items.map((e) => [e.seq, e.action, e.user, e.outcome]),
    [
      [1, 'first-run setup', 'admin', 'done'],
      [2, 'make an API token', 'admin', 'done'],
    ],
  );
  const first = await page('?limit=1');
  assert.equal(first.body.next, '1');
  assert.deepEqual(
    (await page(`?after=${first.body.next}`)).body.items.map((e) => e.seq),
    [2],
  );
  assert.equal((await page('?after=-3')).status, 400);
  assert.equal((await page('?after=abc')).status, 400);
});

test('a query parameter given twice is a 400 naming it and its values, on every list; a bad severity lists the good ones', async (t) => {
  const h = await apiHarness(t);
  const token = await h.makeToken(['console:read'], 'HQ console');
  const detail = async (query: string) => {
    const res = await h.call(`/api/v1/${query}`, token);
    assert.equal(res.status, 400, query);
    assert.equal(res.headers.get('content-type'), 'application/problem+json', query);
    return String(((await res.json()) as { detail: unknown }).detail);
  };
  for (const list of ['hosts', 'missing-fixes', 'audit', 'changes']) {
    assert.equal(await detail(`${list}?limit=1&limit=2`), 'limit: given 2 times ("1", "2"); send it once');
  }
  assert.equal(await detail('hosts?after=a&after=b'), 'after: given 2 times ("a", "b"); send it once');
  assert.equal(await detail('changes?since=0&since=0'), 'since: given 2 times ("0", "0"); send it once');
  assert.equal(
    await detail('missing-fixes?host=a&host=b&host=c&host=d'),
    'host: given 4 times ("a", "b", "c", ...); send it once',
  );
  assert.equal(
    await detail('missing-fixes?severity=high&severity=low'),
    'severity: given 2 times ("high", "low"); send it once',
    'not "expected one of": high is one of them',
  );
  assert.equal(
    await detail('missing-fixes?severity=apocalyptic'),
    'severity: expected one of critical, high, medium, low, negligible, unknown, got "apocalyptic"',
  );
  const once = await h.call('/api/v1/hosts?limit=1&unknown=1&unknown=2', token);
  assert.equal(once.status, 200, 'a parameter the route does not read is ignored, repeated or not');
});
