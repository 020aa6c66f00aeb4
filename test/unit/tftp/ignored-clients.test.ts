/** The addresses turned away as not allowed: counted per address, newest first, and bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IgnoredClients } from '../../../daemon/tftp/ignored-clients.js';
import { ManualClock } from '../../fakes/clock.js';

test('repeat requests are counted once per address, the latest first', async () => {
  const clock = new ManualClock();
  const ignored = new IgnoredClients(clock);
  ignored.add('10.0.0.7');
  await clock.advance(60_000);
  ignored.add('10.0.0.8');
  await clock.advance(60_000);
  ignored.add('10.0.0.7');
  assert.deepEqual(ignored.list(), [
    { address: '10.0.0.7', requests: 2, at: '2026-11-23T10:02:00.000Z' },
    { address: '10.0.0.8', requests: 1, at: '2026-11-23T10:01:00.000Z' },
  ]);
});

test('a flood of forged sources keeps only the most recent addresses', () => {
  const ignored = new IgnoredClients(new ManualClock(), 4);
  for (let i = 1; i <= 1000; i++) ignored.add(`198.51.100.${i % 250}`);
  assert.deepEqual(
    ignored.list().map((c) => c.address),
    ['198.51.100.0', '198.51.100.249', '198.51.100.248', '198.51.100.247'],
  );
});
