import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptLimiter } from '../../../daemon/auth/rate-limit.js';
import { ManualClock } from '../../fakes/clock.js';

test('allows `limit` attempts per window per key, then says when to retry', async () => {
  const clock = new ManualClock(1_000_000);
  const limiter = new AttemptLimiter(3, 60_000, clock);
  for (let i = 0; i < 3; i++) assert.equal(limiter.attempt('10.0.0.5').allowed, true);
  const blocked = limiter.attempt('10.0.0.5');
  assert.equal(blocked.allowed, false);
  assert.equal(blocked.retryAfter, 60);
  assert.equal(limiter.attempt('10.0.0.6').allowed, true, 'other clients unaffected');
  await clock.advance(30_000);
  assert.equal(limiter.attempt('10.0.0.5').retryAfter, 30);
  await clock.advance(30_001);
  assert.equal(limiter.attempt('10.0.0.5').allowed, true, 'window slid past the old attempts');
});

test('reset forgives a client and memory stays bounded under a flood of addresses', () => {
  const limiter = new AttemptLimiter(1, 60_000, new ManualClock(0), 100);
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
  const limiter = new AttemptLimiter(2, 60_000, new ManualClock(0), 10);
  limiter.attempt('attacker');
  limiter.attempt('attacker');
  assert.equal(limiter.attempt('attacker').allowed, false);
  for (let i = 0; i < 100; i++) limiter.attempt(`flood-${i}`);
  assert.equal(limiter.attempt('attacker').allowed, false);
});

test('snapshot and restore carry the recent attempts; damaged or stale entries are dropped', async () => {
  const clock = new ManualClock(1_000_000);
  const before = new AttemptLimiter(2, 60_000, clock);
  before.attempt('a');
  before.attempt('a');
  await clock.advance(30_000);
  before.attempt('b');
  const saved = JSON.parse(JSON.stringify(before.snapshot()));
  assert.deepEqual(saved, { a: [1_000_000, 1_000_000], b: [1_030_000] });
  const after = new AttemptLimiter(2, 60_000, clock);
  after.restore({ ...saved, c: 'junk', d: [null, 'x', clock.now() + 999_999], e: [clock.now() - 60_000] });
  assert.equal(after.attempt('a').allowed, false, 'still blocked');
  assert.equal(after.attempt('b').allowed, true);
  assert.equal(after.attempt('b').allowed, false);
  assert.deepEqual(Object.keys(after.snapshot()).sort(), ['a', 'b']);
  for (const junk of [null, 42, 'x', []]) new AttemptLimiter(2, 60_000, clock).restore(junk);
});
