/** The persisted login throttle rides on the state store's debounce: a burst is one write. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { AuthService } from '../../../daemon/auth/auth-service.js';
import { SetupCode } from '../../../daemon/auth/setup-code.js';
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

test('a burst of failed sign-ins is written once, when the store flushes', async (t) => {
  const dir = await tempDir(t);
  // A debounce far longer than this test: only flush() writes.
  const store = new StateStore({
    dataDir: dir,
    debounceMs: 60_000,
    maxDelayMs: 300_000,
    log: memoryLogger(),
  });
  await store.start();
  t.after(() => store.stop());
  const auth = new AuthService(store, {
    setupCode: new SetupCode(dir),
    sessionTtlHours: 1,
    loginAttemptsPerMinute: 3,
    log: memoryLogger(),
  });
  const setUp = store.update((s) => {
    s.auth.users.push({
      name: 'admin',
      role: 'admin',
      passwordHash: 'scrypt$1024$8$1$c2FsdA$aGFzaA',
      passwordSetAt: '',
      createdAt: '',
    });
  });
  await store.flush();
  await setUp;
  const written = store.writes;
  const tries = [
    '198.51.100.1',
    '198.51.100.2',
    '198.51.100.2',
    '198.51.100.3',
    '198.51.100.3',
    '198.51.100.3',
  ];
  for (const from of tries)
    await assert.rejects(auth.login('', 'wrong password', from), /wrong name or password/);
  await assert.rejects(auth.login('', 'wrong password', '198.51.100.3'), /too many sign-in attempts/);
  assert.equal(store.writes, written, 'nothing written per attempt');
  await store.flush();
  assert.equal(store.writes, written + 1, 'one write for the burst');
  const saved = JSON.parse(await readFile(store.path, 'utf8')).auth.loginAttempts;
  assert.deepEqual(Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, (v as number[]).length])), {
    '198.51.100.1': 1,
    '198.51.100.2': 2,
    '198.51.100.3': 3,
  });
});
