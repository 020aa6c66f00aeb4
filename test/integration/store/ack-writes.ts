/**
 * For kill -9 durability tests: append numbered entries to the state as fast as possible, printing
 * `ack N` only once update() resolved (the store says entry N is durable), and check afterwards
 * that every acknowledged entry survived.
 */
import type { StateStore } from '../../../daemon/store/state-store.js';

/** Runs until the process is killed. Three writers in flight at once, like a busy daemon. */
export const writeAndAck = async (store: StateStore, startAt: number): Promise<never> => {
  for (let i = startAt; ; i++) {
    const batch = [i * 3, i * 3 + 1, i * 3 + 2].map((n) =>
      store
        .update((s) => {
          s.auth.sessions.push({
            tokenHash: `n${n}`,
            createdAt: '',
            expiresAt: '',
            lastSeenAt: '',
            remoteAddr: '',
            user: 'admin',
          });
        })
        .then(() => process.stdout.write(`ack ${n}\n`)),
    );
    await Promise.all(batch);
  }
};

/** Where the next writer starts so its numbers never collide with acknowledged ones. */
export const nextStart = (acked: number[], previous: number): number =>
  Math.max(previous, ...acked.map((n) => Math.floor(n / 3) + 1)) + 1;

/** Acknowledged entries missing from a (restarted) store: must be none. */
export const lostAcks = (store: StateStore, acknowledged: Iterable<number>): number[] => {
  const present = new Set(store.data.auth.sessions.map((s) => Number(s.tokenHash.slice(1))));
  return [...acknowledged].filter((n) => !present.has(n));
};
