/**
 * The shape of the daemon's main state file and its migrations. Bump STATE_VERSION and append a
 * migration whenever the shape changes; a file newer than this code is refused (no silent downgrade).
 */
export const STATE_VERSION = 1;

export interface SessionRecord {
  /** sha256 of the session token; the token itself lives only in the browser's cookie. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  remoteAddr: string;
}

export interface AuthState {
  /** scrypt hash of the admin password; null until first-run setup is done. */
  adminPasswordHash: string | null;
  passwordSetAt: string | null;
  sessions: SessionRecord[];
}

export interface State {
  schemaVersion: typeof STATE_VERSION;
  createdAt: string;
  /** Random per-appliance key for signing CSRF tokens; never leaves the state file. */
  secret: string;
  auth: AuthState;
}

export const initialState = (now: Date, secret: string): State => ({
  schemaVersion: STATE_VERSION,
  createdAt: now.toISOString(),
  secret,
  auth: { adminPasswordHash: null, passwordSetAt: null, sessions: [] },
});

/** migrations[n] turns a version-n document into version n+1. */
export const migrations: ReadonlyArray<(doc: Record<string, unknown>) => Record<string, unknown>> = [];
