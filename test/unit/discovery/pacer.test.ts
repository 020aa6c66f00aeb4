import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacer } from '../../../daemon/discovery/pacer.js';

test('the pacer holds probes to the packets-per-second cap', async () => {
  let now = 0;
  const waits: number[] = [];
  const pacer = new Pacer(
    1000,
    () => now,
    async (ms) => {
      waits.push(ms);
      now += ms;
    },
  );
  for (let i = 0; i < 2000; i++) await pacer.take();
  // 2,000 packets at 1,000 per second take (almost) two seconds of clock, never less.
  assert.ok(now >= 1995 && now <= 2000, `clock advanced ${now} ms`);
  assert.ok(
    waits.every((w) => w > 4),
    'sleeps are batched, not one timer per packet',
  );
});

test('a pacer that fell behind does not burst to catch up', async () => {
  let now = 0;
  const pacer = new Pacer(
    100,
    () => now,
    async (ms) => {
      now += ms;
    },
  );
  await pacer.take();
  now += 5000; // the caller was busy elsewhere
  const before = now;
  for (let i = 0; i < 11; i++) await pacer.take();
  assert.ok(now - before >= 95, `11 packets after a pause still took ${now - before} ms`);
});
