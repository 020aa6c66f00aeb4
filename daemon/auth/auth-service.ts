/**
 * Admin authentication for the local UI: first-run password setup, login with throttling,
 * sessions (only token hashes are stored), logout, and CSRF tokens bound to a per-browser seed
 * and the session with an HMAC keyed by the appliance secret.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { DepotError, RateLimitedError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Role, UserRecord } from '../store/schema.js';
import type { StateStore } from '../store/state-store.js';
import { Accounts } from './accounts.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.js';
import { AttemptLimiter } from './rate-limit.js';
import type { SetupCode } from './setup-code.js';
import { checkUserName, DEFAULT_ADMIN } from './user-name.js';

export interface AuthOptions {
  /** First-run setup also needs this one-time code (shown on the appliance, not over the LAN). */
  setupCode: SetupCode;
  sessionTtlHours: number;
  loginAttemptsPerMinute: number;
  log: Logger;
  clock?: Clock;
}

/** Throttle IPv6 clients by their /64: one host can rotate through a whole /64 at will. */
export const throttleKey = (addr: string): string => {
  const v4 = addr.replace(/^::ffff:/i, '');
  if (isIP(v4) !== 6) return v4;
  const [head = ''] = v4.split('%');
  const expanded = head.includes('::')
    ? (() => {
        const [l = '', r = ''] = head.split('::');
        const left = l ? l.split(':') : [];
        const right = r ? r.split(':') : [];
        return [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
      })()
    : head.split(':');
  return `${expanded.slice(0, 4).join(':')}::/64`;
};

/** scrypt allocates ~32 MiB per call: never run more than this many at once on a small box. */
const MAX_CONCURRENT_HASHES = 2;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** Persist lastSeen at most this often: a page view should not rewrite the state file. */
const TOUCH_INTERVAL_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 50;

export class AuthService {
  private readonly limiter: AttemptLimiter;
  private readonly clock: Clock;
  private hashing = 0;
  private throttleLoaded = false;
  private readonly hashQueue: Array<() => void> = [];
  /** Accounts an admin manages (Settings → Accounts, `patch-depot admin`). */
  readonly accounts: Accounts;

  constructor(
    private readonly store: StateStore,
    private readonly opts: AuthOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.limiter = new AttemptLimiter(opts.loginAttemptsPerMinute, 60_000, this.clock);
    this.accounts = new Accounts(store, (p) => this.hash(p), this.clock);
  }

  /** Run a password hash or check with bounded concurrency. */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.hashing >= MAX_CONCURRENT_HASHES) await new Promise<void>((r) => this.hashQueue.push(r));
    this.hashing++;
    try {
      return await work();
    } finally {
      this.hashing--;
      this.hashQueue.shift()?.();
    }
  }

  /** The throttle as the last run left it, taken back on first use (the store is started by then). */
  private loadThrottle(): void {
    if (this.throttleLoaded) return;
    this.throttleLoaded = true;
    this.limiter.restore(this.store.data.auth.loginAttempts);
  }

  /**
   * Persist the throttle through the state store, whose debounce coalesces a burst of attempts
   * into one write (SD cards wear out); a lost write only forgives a few attempts.
   */
  private saveThrottle(): void {
    this.store
      .update((s) => {
        s.auth.loginAttempts = this.limiter.snapshot();
      })
      .catch((err: unknown) => this.opts.log.warn('could not save the sign-in throttle', { err }));
  }

  private throttle(remoteAddr: string): void {
    this.loadThrottle();
    const decision = this.limiter.attempt(throttleKey(remoteAddr));
    if (!decision.allowed) {
      this.opts.log.warn('password attempt throttled', { remoteAddr, retryAfter: decision.retryAfter });
      throw new RateLimitedError(
        `too many sign-in attempts; try again in ${decision.retryAfter} s`,
        decision.retryAfter,
      );
    }
    this.saveThrottle();
  }

  isSetUp(): boolean {
    return this.store.data.auth.users.length > 0;
  }

  /** scrypt with bounded concurrency, for account changes made elsewhere (accounts.ts). */
  hash(password: string): Promise<string> {
    return this.limited(() => hashPassword(password));
  }

  /**
   * At start: make the setup code while no password is set (returned, for the log), and delete a
   * stale one after setup (a crash between setting the password and deleting it).
   */
  async prepareSetupCode(): Promise<string | undefined> {
    if (!this.isSetUp()) return this.opts.setupCode.ensure();
    await this.opts.setupCode.consume();
    return undefined;
  }

  /**
   * First-run: set the admin password, given the one-time setup code. Refused once one exists.
   * Wrong codes count against the same per-address throttle as sign-in. Returns a session token.
   */
  async setup(
    password: string,
    confirm: string,
    code: string,
    remoteAddr: string,
    name = DEFAULT_ADMIN,
  ): Promise<string> {
    if (this.isSetUp())
      throw new DepotError('CONFLICT', 'the admin password is already set; sign in instead');
    await this.checkSetupCode(code, remoteAddr);
    const user = checkUserName(name);
    if (password !== confirm) throw new DepotError('BAD_INPUT', 'the two passwords do not match');
    const problem = checkPasswordPolicy(password);
    if (problem) throw new DepotError('BAD_INPUT', `password too weak: ${problem}`);
    const hash = await this.hash(password);
    // Re-check after the await: two setup posts racing must not both win.
    if (this.isSetUp())
      throw new DepotError('CONFLICT', 'the admin password is already set; sign in instead');
    const now = dateOf(this.clock).toISOString();
    await this.store.update((s) => {
      s.auth.users = [{ name: user, role: 'admin', passwordHash: hash, passwordSetAt: now, createdAt: now }];
    });
    await this.opts.setupCode.consume();
    this.opts.log.info('first admin account made (first-run setup complete)', { user, remoteAddr });
    return this.createSession(user, remoteAddr);
  }

  /** Refuse a wrong setup code (throttled per address like sign-in): for setup, or a restore instead. */
  async checkSetupCode(code: string, remoteAddr: string): Promise<void> {
    if (this.isSetUp()) throw new DepotError('CONFLICT', 'this appliance is already set up; sign in instead');
    if (await this.opts.setupCode.matches(code)) return;
    this.throttle(remoteAddr);
    this.opts.log.warn('wrong setup code', { remoteAddr });
    throw new DepotError(
      'FORBIDDEN',
      code.trim() ? 'that is not the setup code' : 'enter the setup code shown on the appliance',
    );
  }

  /** The account of that name, or undefined. */
  user(name: string): UserRecord | undefined {
    return this.store.data.auth.users.find((u) => u.name === name);
  }

  /** Change one's own password; that account's other sessions are signed out. Returns a fresh session. */
  async changePassword(
    name: string,
    current: string,
    next: string,
    confirm: string,
    remoteAddr: string,
  ): Promise<string> {
    const hash = this.user(name)?.passwordHash;
    if (hash === undefined) throw new DepotError('NOT_FOUND', `no account ${name}`);
    this.throttle(remoteAddr);
    if (!(await this.limited(() => verifyPassword(current, hash)))) {
      throw new DepotError('BAD_INPUT', 'the current password is wrong');
    }
    if (next !== confirm) throw new DepotError('BAD_INPUT', 'the two new passwords do not match');
    const problem = checkPasswordPolicy(next);
    if (problem) throw new DepotError('BAD_INPUT', `password too weak: ${problem}`);
    const newHash = await this.hash(next);
    await this.store.update((s) => {
      const u = s.auth.users.find((x) => x.name === name);
      if (u) {
        u.passwordHash = newHash;
        u.passwordSetAt = dateOf(this.clock).toISOString();
      }
      s.auth.sessions = s.auth.sessions.filter((x) => x.user !== name);
    });
    this.opts.log.info('password changed; that account signed out everywhere else', {
      user: name,
      remoteAddr,
    });
    return this.createSession(name, remoteAddr);
  }

  /** Sign in; an empty name means the first account's customary name, admin. */
  async login(name: string, password: string, remoteAddr: string): Promise<string> {
    this.throttle(remoteAddr);
    if (!this.isSetUp()) throw new DepotError('CONFLICT', 'no account yet: complete setup first');
    const user = this.user(name.trim().toLowerCase() || DEFAULT_ADMIN);
    // An unknown name costs the same scrypt as a wrong password: no account list by timing.
    const hash = user?.passwordHash ?? (await this.decoyHash());
    if (!(await this.limited(() => verifyPassword(password, hash))) || !user) {
      this.opts.log.warn('login failed', { user: name.slice(0, 64), remoteAddr });
      throw new DepotError('UNAUTHORIZED', 'wrong name or password');
    }
    this.limiter.reset(throttleKey(remoteAddr));
    this.saveThrottle();
    this.opts.log.info('login', { user: user.name, remoteAddr });
    return this.createSession(user.name, remoteAddr);
  }

  private decoy: Promise<string> | undefined;
  private decoyHash(): Promise<string> {
    this.decoy ??= this.hash(randomBytes(16).toString('hex'));
    return this.decoy;
  }

  private async createSession(user: string, remoteAddr: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = dateOf(this.clock);
    const expires = new Date(now.getTime() + this.opts.sessionTtlHours * 3600_000);
    await this.store.update((s) => {
      const live = s.auth.sessions.filter((x) => Date.parse(x.expiresAt) > now.getTime());
      live.push({
        tokenHash: sha256(token),
        createdAt: now.toISOString(),
        expiresAt: expires.toISOString(),
        lastSeenAt: now.toISOString(),
        remoteAddr,
        user,
      });
      s.auth.sessions = live.slice(-MAX_SESSIONS);
    });
    return token;
  }

  /** True when the token names a live session. */
  checkSession(token: string | undefined): boolean {
    return this.sessionUser(token) !== undefined;
  }

  /** The account a live session belongs to (its role as it is now), or undefined. */
  sessionUser(token: string | undefined): { name: string; role: Role } | undefined {
    if (!token) return undefined;
    const hash = sha256(token);
    const now = this.clock.now();
    const session = this.store.data.auth.sessions.find((s) => s.tokenHash === hash);
    if (!session || Date.parse(session.expiresAt) <= now) return undefined;
    const user = this.user(session.user);
    if (!user) return undefined;
    if (now - Date.parse(session.lastSeenAt) > TOUCH_INTERVAL_MS) {
      const seen = new Date(now).toISOString();
      this.store
        .update((s) => {
          const live = s.auth.sessions.find((x) => x.tokenHash === hash);
          if (live) live.lastSeenAt = seen;
        })
        .catch((err: unknown) => this.opts.log.warn('could not record session activity', { err }));
    }
    return { name: user.name, role: user.role };
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    const hash = sha256(token);
    await this.store.update((s) => {
      s.auth.sessions = s.auth.sessions.filter((x) => x.tokenHash !== hash);
    });
  }

  newCsrfSeed(): string {
    return randomBytes(18).toString('base64url');
  }

  /**
   * The CSRF token of a browser: HMAC of its seed and, once signed in, of its session token too,
   * so a token known from before sign-in (or planted with a seed) is worthless afterwards.
   */
  csrfToken(seed: string, session?: string): string {
    const bound = session ? `:${sha256(session)}` : '';
    return createHmac('sha256', this.store.data.secret).update(`csrf:${seed}${bound}`).digest('base64url');
  }

  checkCsrf(seed: string | undefined, token: string | undefined, session?: string): boolean {
    if (!seed || !token) return false;
    const expected = Buffer.from(this.csrfToken(seed, session));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
