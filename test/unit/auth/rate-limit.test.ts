import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptLimiter } from '../../../daemon/auth/rate-limit.js';

test('allows `limit` attempts per window per key, then says when to retry', () => {
  let now = 1_000_000;
  const limiter = new AttemptLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) assert.equal(limiter.attempt('10.0.0.5').allowed, true);
  const blocked = limiter.attempt('10.0.0.5');
  assert.equal(blocked.allowed, false);
  assert.equal(blocked.retryAfter, 60);
  assert.equal(limiter.attempt('10.0.0.6').allowed, true, 'other clients unaffected');
  now += 30_000;
  assert.equal(limiter.attempt('10.0.0.5').retryAfter, 30);
  now += 30_001;
  assert.equal(limiter.attempt('10.0.0.5').allowed, true, 'window slid past the old attempts');
});

test('reset forgives a client and memory stays bounded under a flood of addresses', () => {
  const limiter = new AttemptLimiter(1, 60_000, () => 0, 100);
  limiter.attempt('a');
  assert.equal(limiter.attempt('a').allowed, false);
  limiter.reset('a');
  assert.equal(limiter.attempt('a').allowed, true);
  for (let i = 0; i < 1000; i++) limiter.attempt(`flood-${i}`);
  assert.ok((limiter as unknown as { hits: Map<string, number[]> }).hits.size <= 100);
});

test('IPv6 clients are throttled by /64; IPv4 and mapped addresses by address', async () => {
  const { throttleKey } = await import('../../../daemon/auth/auth-service.js');
  assert.equal(throttleKey('2001:db8:1:2:aaaa::1'), throttleKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
  assert.notEqual(throttleKey('2001:db8:1:2::1'), throttleKey('2001:db8:1:3::1'));
  assert.equal(throttleKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(throttleKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('a blocked client is not forgotten when a flood fills the table', () => {
  const limiter = new AttemptLimiter(2, 60_000, () => 0, 10);
  limiter.attempt('attacker');
  limiter.attempt('attacker');
  assert.equal(limiter.attempt('attacker').allowed, false);
  for (let i = 0; i < 100; i++) limiter.attempt(`flood-${i}`);
  assert.equal(limiter.attempt('attacker').allowed, false);
});
