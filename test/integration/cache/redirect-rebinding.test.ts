/**
 * DNS rebinding on a redirect hop (h-attack21): the hop's name resolved to a public address when it
 * was checked and to loopback when the socket resolved it again a moment later (TTL 0). The hop now
 * connects to the addresses the guard checked, through the guard's own lookup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressGuard } from '../../../daemon/cache/address-guard.js';
import { UndiciUpstream } from '../../../daemon/cache/undici-upstream.js';
import { UpstreamAllowList } from '../../../daemon/cache/url-policy.js';
import { startHostileUpstream } from '../../support/hostile-upstream.js';

test('a redirect hop whose name resolves to loopback on the second lookup is refused, nothing contacted', async (t) => {
  const internal = await startHostileUpstream(t, '127.0.0.1');
  const port = new URL(internal.base).port;
  // "localhost" is what the system resolver gives 127.0.0.1 for: without the guard's lookup on the
  // hop's socket, the connection would resolve it there and reach the internal server.
  internal.route('/debian/secret', { mode: 'file', body: Buffer.from('secret\n') });
  const secretUrl = `http://localhost:${port}/debian/secret`;
  const mirror = await startHostileUpstream(t, '127.0.0.2');
  const url = mirror.route('/debian/pool/main/e/evil_1_all.deb', { mode: 'redirect', location: secretUrl });
  // The rebinding name server: a public (documentation) address first, loopback from then on.
  const answers: string[] = [];
  const guard = new AddressGuard({
    resolve: async (host) => {
      answers.push(host);
      return answers.length === 1 ? ['192.0.2.10'] : ['127.0.0.1'];
    },
    ownAddresses: () => [],
  });
  const upstream = new UndiciUpstream({
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    idleTimeoutMs: 5000,
    userAgent: 'patch-depot-test',
    allow: new UpstreamAllowList([`${mirror.base}/debian/`, `http://localhost:${port}/debian/`]),
    guard,
  });
  t.after(() => upstream.close());
  await assert.rejects(
    upstream.request({ method: 'GET', url, headers: {}, signal: AbortSignal.timeout(10_000) }),
    /localhost resolved to 127\.0\.0\.1 is a loopback, link-local or unspecified address/,
  );
  assert.equal(internal.requests.length, 0, 'the internal server was never contacted');
  assert.deepEqual(
    answers,
    ['localhost', 'localhost'],
    'checked, then looked up by the socket through the guard',
  );
});
