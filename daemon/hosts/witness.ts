/**
 * Is a moved machine still itself? The MAC says where it went; the host key it presents says it
 * is the same machine. The pin is filed under the host, so the first collection at the new
 * address checks it: the same key confirms the move, a different key stops every connection to
 * the host until an administrator compares fingerprints and accepts the new one.
 */
import type { HostOverview } from '../inventory/inventory-service.js';
import type { HostRecord } from './host-record.js';

export type IdentityWitness =
  | { state: 'unmoved' }
  | { state: 'unmanaged'; move: NonNullable<HostRecord['lastMove']> }
  | { state: 'pending'; move: NonNullable<HostRecord['lastMove']> }
  | { state: 'confirmed'; move: NonNullable<HostRecord['lastMove']>; at: string }
  | { state: 'blocked'; pinned: string; presented: string; seenAt: string };

export const identityWitness = (host: HostRecord, target: HostOverview | undefined): IdentityWitness => {
  const key = target?.hostKey;
  if (key?.rejected) {
    return {
      state: 'blocked',
      pinned: key.pinned.fingerprint,
      presented: key.rejected.fingerprint,
      seenAt: key.rejected.seenAt,
    };
  }
  const move = host.lastMove;
  if (!move) return { state: 'unmoved' };
  if (!target) return { state: 'unmanaged', move };
  const attempt = target.attempt;
  if (attempt?.ok && attempt.address === move.to && attempt.finishedAt >= move.at) {
    return { state: 'confirmed', move, at: attempt.finishedAt };
  }
  return { state: 'pending', move };
};
