/**
 * Child process for the kill -9 test: appends numbered entries to the state forever and prints
 * `ack N` only after update() resolved, i.e. after the store says entry N is durable.
 */
import { StateStore } from '../../../daemon/store/state-store.js';
import { memoryLogger } from '../../fakes/log.js';

const [dataDir, startAt] = process.argv.slice(2);
const store = new StateStore({ dataDir: dataDir!, debounceMs: 2, maxDelayMs: 10, log: memoryLogger() });
await store.start();
process.stdout.write('ready\n');
for (let i = Number(startAt); ; i++) {
  // Several writers in flight at once, like a busy daemon.
  const batch = [i * 3, i * 3 + 1, i * 3 + 2].map((n) =>
    store
      .update((s) => {
        s.auth.sessions.push({
          tokenHash: `n${n}`,
          createdAt: '',
          expiresAt: '',
          lastSeenAt: '',
          remoteAddr: '',
        });
      })
      .then(() => process.stdout.write(`ack ${n}\n`)),
  );
  await Promise.all(batch);
}
