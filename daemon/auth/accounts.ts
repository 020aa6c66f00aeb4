/**
 * Local accounts, managed by an admin: add with a role, change a role, reset a password (a new
 * random one, shown once), remove. There is always at least one admin, and an admin cannot lock
 * themselves out by demoting or removing their own account. A removed account or a reset password
 * signs that account out everywhere; a role change counts from the next request.
 */
import { randomInt } from 'node:crypto';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Role, UserRecord } from '../store/schema.js';
import { ROLES } from '../store/schema.js';
import type { StateStore } from '../store/state-store.js';
import { checkPasswordPolicy } from './password.js';
import { checkUserName } from './user-name.js';

export type Account = Omit<UserRecord, 'passwordHash'>;

/** Letters and digits that cannot be mistaken for each other when read aloud or copied by hand. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A random password: 16 characters of that alphabet, about 90 bits. */
export const randomPassword = (): string =>
  Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

export const checkRole = (raw: string): Role => {
  if (!(ROLES as readonly string[]).includes(raw)) {
    throw new DepotError('BAD_INPUT', `a role is one of ${ROLES.join(', ')}`);
  }
  return raw as Role;
};

export class Accounts {
  private readonly clock: Clock;

  constructor(
    private readonly store: StateStore,
    private readonly hash: (password: string) => Promise<string>,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  list(): Account[] {
    return this.store.data.auth.users.map(({ passwordHash: _, ...rest }) => rest);
  }

  private find(name: string): UserRecord {
    const user = this.store.data.auth.users.find((u) => u.name === name);
    if (!user) throw new DepotError('NOT_FOUND', `no account ${name}`);
    return user;
  }

  private admins(): number {
    return this.store.data.auth.users.filter((u) => u.role === 'admin').length;
  }

  async add(rawName: string, rawRole: string, password: string): Promise<Account> {
    const name = checkUserName(rawName);
    const role = checkRole(rawRole);
    if (this.store.data.auth.users.some((u) => u.name === name)) {
      throw new DepotError('CONFLICT', `there is already an account ${name}`);
    }
    const problem = checkPasswordPolicy(password);
    if (problem) throw new DepotError('BAD_INPUT', `password too weak: ${problem}`);
    const passwordHash = await this.hash(password);
    const now = dateOf(this.clock).toISOString();
    const user: UserRecord = { name, role, passwordHash, passwordSetAt: now, createdAt: now };
    await this.store.update((s) => {
      if (s.auth.users.some((u) => u.name === name)) {
        throw new DepotError('CONFLICT', `there is already an account ${name}`);
      }
      s.auth.users.push(user);
    });
    return { name, role, passwordSetAt: now, createdAt: now };
  }

  async setRole(name: string, rawRole: string, by: string): Promise<void> {
    const role = checkRole(rawRole);
    const user = this.find(name);
    if (user.role === role) return;
    if (user.role === 'admin' && this.admins() === 1) {
      throw new DepotError('CONFLICT', `${name} is the only admin: make another admin first`);
    }
    if (name === by) throw new DepotError('CONFLICT', 'you cannot change your own role: ask another admin');
    await this.store.update((s) => {
      const u = s.auth.users.find((x) => x.name === name);
      if (u) u.role = role;
    });
  }

  async remove(name: string, by: string): Promise<void> {
    const user = this.find(name);
    if (name === by)
      throw new DepotError('CONFLICT', 'you cannot remove your own account: ask another admin');
    if (user.role === 'admin' && this.admins() === 1) {
      throw new DepotError('CONFLICT', `${name} is the only admin: make another admin first`);
    }
    await this.store.update((s) => {
      s.auth.users = s.auth.users.filter((u) => u.name !== name);
      s.auth.sessions = s.auth.sessions.filter((x) => x.user !== name);
    });
  }

  /** A new random password for the account (returned once); it is signed out everywhere. */
  async resetPassword(name: string): Promise<string> {
    this.find(name);
    const password = randomPassword();
    const passwordHash = await this.hash(password);
    const now = dateOf(this.clock).toISOString();
    await this.store.update((s) => {
      const u = s.auth.users.find((x) => x.name === name);
      if (!u) throw new DepotError('NOT_FOUND', `no account ${name}`);
      u.passwordHash = passwordHash;
      u.passwordSetAt = now;
      s.auth.sessions = s.auth.sessions.filter((x) => x.user !== name);
    });
    return password;
  }
}
