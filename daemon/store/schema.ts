/**
 * The shape of the daemon's main state file and its migrations. Bump STATE_VERSION and append a
 * migration whenever the shape changes; a file newer than this code is refused (no silent downgrade).
 */
import { z } from 'zod';
import type { ScopeRecord } from '../discovery/scope-record.js';

export const STATE_VERSION = 3;

export interface SessionRecord {
  /** sha256 of the session token; the token itself lives only in the browser's cookie. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  remoteAddr: string;
  /** The account signed in (v3). */
  user: string;
}

/** What an account may do: admin everything; operator scans, inventories, deployments; viewer reads. */
export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface UserRecord {
  /** The sign-in name: lower case letters, digits, `.`, `_`, `-`. */
  name: string;
  role: Role;
  /** scrypt hash of the password. */
  passwordHash: string;
  passwordSetAt: string;
  createdAt: string;
}

export interface AuthState {
  /** Local accounts (v3); none until first-run setup makes the first admin. */
  users: UserRecord[];
  sessions: SessionRecord[];
  /**
   * Recent sign-in attempts per client (ms timestamps), so a restart does not reset the throttle.
   * Optional and read leniently by the auth service: damage here never stops a start.
   */
  loginAttempts?: Record<string, number[]>;
}

export interface State {
  schemaVersion: typeof STATE_VERSION;
  createdAt: string;
  /** Random per-appliance key for signing CSRF tokens; never leaves the state file. */
  secret: string;
  auth: AuthState;
  /** Scopes of management: what discovery may probe (v2). */
  discovery: { scopes: ScopeRecord[] };
}

/**
 * What a loaded state file must look like before the daemon trusts it: the parts code relies on
 * are checked strictly, sections owned by other modules loosely (they validate their own records).
 */
export const stateSchema = z.looseObject({
  schemaVersion: z.literal(STATE_VERSION),
  createdAt: z.string(),
  secret: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
  auth: z.looseObject({
    users: z.array(
      z.looseObject({
        name: z.string().min(1),
        role: z.enum(ROLES),
        passwordHash: z.string(),
        passwordSetAt: z.string(),
        createdAt: z.string(),
      }),
    ),
    sessions: z.array(
      z.looseObject({
        tokenHash: z.string(),
        createdAt: z.string(),
        expiresAt: z.string(),
        lastSeenAt: z.string(),
        user: z.string(),
      }),
    ),
  }),
  discovery: z.looseObject({ scopes: z.array(z.unknown()) }),
});

export const initialState = (now: Date, secret: string): State => ({
  schemaVersion: STATE_VERSION,
  createdAt: now.toISOString(),
  secret,
  auth: { users: [], sessions: [] },
  discovery: { scopes: [] },
});

/** migrations[n] turns a version-n document into version n+1. */
export const migrations: ReadonlyArray<(doc: Record<string, unknown>) => Record<string, unknown>> = [
  // 0 -> 1: version 0 never shipped; nothing to change.
  (doc) => doc,
  // 1 -> 2: discovery scopes; an appliance upgraded from v1 starts with none (no scope, no probe).
  (doc) => ({ ...doc, discovery: { scopes: [] } }),
  // 2 -> 3: accounts; the one admin password becomes the account "admin", its sessions that account's.
  (doc) => {
    const auth = (doc.auth ?? {}) as Record<string, unknown>;
    const { adminPasswordHash, passwordSetAt, sessions, ...rest } = auth;
    const setAt = typeof passwordSetAt === 'string' ? passwordSetAt : String(doc.createdAt);
    return {
      ...doc,
      auth: {
        ...rest,
        users:
          typeof adminPasswordHash === 'string'
            ? [
                {
                  name: 'admin',
                  role: 'admin',
                  passwordHash: adminPasswordHash,
                  passwordSetAt: setAt,
                  createdAt: setAt,
                },
              ]
            : [],
        sessions: (Array.isArray(sessions) ? sessions : []).map((x: Record<string, unknown>) => ({
          ...x,
          user: 'admin',
        })),
      },
    };
  },
];
