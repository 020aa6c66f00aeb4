/**
 * The real daemon talks to a notify socket through the real systemd-notify: READY=1 after start,
 * watchdog pings with STATUS=, STOPPING=1 on SIGTERM. Under real systemd (restart after a wedged
 * event loop): test/systemd/, `npm run test:systemd`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { notifySocket, notifySocketUnavailable } from '../../support/notify-socket.js';
import { waitFor } from '../../support/wait-for.js';
import { onTeardown, tempDir } from '../../temp-dir.js';
import { spawnDaemon } from '../daemon/spawn-daemon.js';

test('serve notifies READY=1, pings the watchdog with a health STATUS=, and says STOPPING=1', {
  skip: notifySocketUnavailable(),
}, async (t) => {
  const dir = await tempDir(t);
  const socket = await notifySocket(t, dir);
  const daemon = await spawnDaemon(join(dir, 'data'), [], 20_000, {
    NOTIFY_SOCKET: socket.path,
    WATCHDOG_USEC: '300000',
  });
  onTeardown(t, () => daemon.stop());
  await waitFor(() => socket.messages.some((m) => m.includes('READY=1')), 'READY=1');
  const ready = socket.messages.find((m) => m.includes('READY=1'))!;
  assert.match(ready, /STATUS=(healthy|degraded: )/);
  assert.ok(socket.messages.indexOf(ready) > 0, 'STATUS=starting came first');
  assert.match(socket.messages[0]!, /STATUS=starting/);
  await waitFor(
    () => socket.messages.filter((m) => m.includes('WATCHDOG=1')).length >= 2,
    'two watchdog pings',
  );
  assert.ok(socket.messages.filter((m) => m.includes('WATCHDOG=1')).every((m) => m.includes('STATUS=')));
  assert.equal(await daemon.stop(), 0);
  assert.ok(
    socket.messages.some((m) => m.includes('STOPPING=1')),
    socket.messages.join('\n'),
  );
  assert.equal(daemon.logs.filter((l) => l.msg === 'could not notify systemd').length, 0);
});
