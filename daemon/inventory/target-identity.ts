/**
 * A host's SSH target (credentials and pinned key), its last inventory and its last attempt are
 * all filed under its host id. These functions move them when that id changes (an old data
 * directory keyed by address or by a technician's name, adopted by the host directory), and
 * point a target at its machine's new address after a DHCP move.
 *
 * Every move writes the new copy before it removes the old one, so a crash half-way leaves the
 * old id in place and the next start finishes the job; nothing is ever only in memory.
 */
import type { CredentialStore } from '../remote/credentials.js';
import type { KnownHosts } from '../remote/known-hosts.js';
import type { HostInventory } from './types.js';

export interface TargetFiles {
  credentials: CredentialStore;
  knownHosts: KnownHosts;
  inventories: Records<HostInventory>;
  attempts: Records<{ hostId: string; finishedAt: string }>;
}

/** What moving a target needs of a store of records by host id. */
interface Records<T> {
  get(id: string): Promise<T | undefined>;
  put(id: string, record: T): Promise<void>;
  delete(id: string): Promise<void>;
  ids(): Promise<string[]>;
}

/** Move one record to `to` unless a newer one is there already, then drop the old one. */
const moveRecord = async <T extends { hostId: string }>(
  dir: Records<T>,
  from: string,
  to: string,
  stamp: (record: T) => string,
): Promise<void> => {
  const old = await dir.get(from);
  if (!old) return;
  const current = await dir.get(to).catch(() => undefined);
  if (!current || stamp(current) < stamp(old)) await dir.put(to, { ...old, hostId: to });
  await dir.delete(from);
};

/** Every id that has a credential, an inventory or an attempt on file. */
export const targetIds = async (files: TargetFiles): Promise<string[]> => {
  const [creds, inventories, attempts] = await Promise.all([
    files.credentials.list(),
    files.inventories.ids(),
    files.attempts.ids(),
  ]);
  return [...new Set([...creds.map((c) => c.hostId), ...inventories, ...attempts])].sort();
};

export const rekeyTarget = async (files: TargetFiles, from: string, to: string): Promise<void> => {
  if (from === to) return;
  // The pin first: should the process die before the credentials move, the target is still
  // filed under `from` and the next start moves it again; its key is never left unpinned.
  await files.knownHosts.adopt([[from, to]]);
  await files.credentials.rename(from, to);
  await moveRecord(files.inventories, from, to, (r) => r.collectedAt);
  await moveRecord(files.attempts, from, to, (r) => r.finishedAt);
};

/**
 * The machine behind `hostId` now answers at `to`: a target that pointed at its old address
 * `from` follows it (a host name, or an address someone changed by hand, is left alone). The
 * pinned key, filed under the host, must still match at the new address.
 */
export const followTarget = async (
  credentials: CredentialStore,
  hostId: string,
  from: string,
  to: string,
): Promise<boolean> => {
  const cred = await credentials.get(hostId);
  if (!cred || cred.address !== from) return false;
  await credentials.put({ hostId, address: to, port: cred.port, username: cred.username });
  return true;
};
