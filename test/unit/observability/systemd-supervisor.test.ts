/** sd_notify from the daemon: READY after start, merged messages, watchdog pings only from the loop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdNotifier, watchdogIntervalMs } from '../../../daemon/observability/sd-notify.js';
import {
  healthStatusLine,
  SystemdSupervisor,
  supervisorFromEnv,
} from '../../../daemon/observability/systemd-supervisor.js';
import { memoryLogger } from '../../fakes/log.js';
import { waitFor } from '../../support/wait-for.js';

const recorder = () => {
  const sent: Record<string, string>[] = [];
  let release: (() => void) | undefined;
  const send = async (fields: Record<string, string>): Promise<void> => {
    sent.push(fields);
    if (release === undefined) return;
    await new Promise<void>((r) => {
      release = r;
    });
  };
  return {
    sent,
    send,
    /** Hold every send until `go()`: the next messages queue behind the one in flight. */
    hold: () => {
      release = () => {};
    },
    go: () => {
      const r = release;
      release = undefined;
      r?.();
    },
  };
};

test('the status line: healthy, or the problems on one bounded line', () => {
  assert.equal(healthStatusLine([]), 'healthy');
  assert.equal(
    healthStatusLine([{ source: 'catalog', message: 'feed debian\nis stale' }]),
    'degraded: 1 problem: catalog: feed debian is stale',
  );
  const many = Array.from({ length: 40 }, (_, i) => ({
    source: `s${i}`,
    message: 'something is wrong here',
  }));
  const line = healthStatusLine(many);
  assert.ok(line.startsWith('degraded: 40 problems: s0: something'));
  assert.equal(line.length, 200);
  assert.ok(!line.includes('\n'));
});

test('the watchdog period is a third of WATCHDOG_USEC, and only for the process it names', () => {
  assert.equal(watchdogIntervalMs({}), undefined);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42), undefined);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'x' }, 42), undefined);
});

test('no NOTIFY_SOCKET, no supervisor (a daemon started by hand never spawns systemd-notify)', () => {
  let made = 0;
  const notifier = () => {
    made++;
    return new SdNotifier(async () => {}, memoryLogger());
  };
  assert.equal(
    supervisorFromEnv({}, notifier, async () => 'healthy'),
    undefined,
  );
  assert.equal(made, 0);
  assert.ok(supervisorFromEnv({ NOTIFY_SOCKET: '/run/x' }, notifier, async () => 'healthy'));
});

test('messages asked for while one is in flight are merged: READY=1 is never lost behind a ping', async () => {
  const r = recorder();
  const notifier = new SdNotifier(r.send, memoryLogger());
  r.hold();
  notifier.notify({ STATUS: 'starting' });
  notifier.notify({ READY: '1', STATUS: 'healthy' });
  notifier.notify({ WATCHDOG: '1', STATUS: 'degraded: 1 problem: x: y' });
  r.go();
  await notifier.flushed();
  assert.deepEqual(r.sent, [
    { STATUS: 'starting' },
    { READY: '1', STATUS: 'degraded: 1 problem: x: y', WATCHDOG: '1' },
  ]);
});

test('a failing sender is logged once per run of failures and never throws into the daemon', async () => {
  const log = memoryLogger();
  let fail = true;
  const notifier = new SdNotifier(async () => {
    if (fail) throw new Error('systemd-notify: not found');
  }, log);
  for (let i = 0; i < 3; i++) {
    notifier.notify({ WATCHDOG: '1' });
    await notifier.flushed();
  }
  assert.equal(log.lines.filter((l) => l.msg === 'could not notify systemd').length, 1);
  fail = false;
  notifier.notify({ WATCHDOG: '1' });
  await notifier.flushed();
});

test('READY=1 comes with the health line, pings follow from the loop, and a blocked loop sends none', async () => {
  const r = recorder();
  let status = 'healthy';
  const supervisor = new SystemdSupervisor({
    notifier: new SdNotifier(r.send, memoryLogger()),
    watchdogMs: 5,
    statusMs: 1000,
    status: async () => status,
  });
  supervisor.starting();
  await supervisor.ready();
  await supervisor.flushed();
  assert.deepEqual(r.sent.slice(0, 2), [{ STATUS: 'starting' }, { READY: '1', STATUS: 'healthy' }]);
  status = 'degraded: 1 problem: cache: full';
  await waitFor(
    () => r.sent.some((m) => m.WATCHDOG === '1' && m.STATUS === status),
    'a ping with the new status',
  );

  // Wedge the loop: while it is blocked no timer runs, so no ping can be sent.
  const before = r.sent.length;
  const until = Date.now() + 50;
  while (Date.now() < until) {
    // busy: the event loop is blocked
  }
  assert.equal(r.sent.length, before);
  // Once the loop runs again, so does the watchdog.
  await waitFor(() => r.sent.length > before, 'pings again after the loop is free');

  supervisor.stopping();
  await supervisor.flushed();
  assert.deepEqual(r.sent.at(-1), { STOPPING: '1', STATUS: 'stopping' });
  const count = r.sent.length;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.sent.length, count, 'no ping after STOPPING=1');
});
