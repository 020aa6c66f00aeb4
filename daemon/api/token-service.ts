/**
 * API tokens for the central console and scrapers: made on the Settings page with scopes and an
 * optional expiry, shown once, stored only as hashes (DATA_DIR/api/tokens.json, 0600), revocable,
 * compared in constant time, rate-limited per token, with their last use recorded. The tokens are
 * held in memory (a console polling every minute must not read a file per request); every change
 * is written durably before it is acknowledged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { throttleKey } from '../auth/auth-service.js';
import { AttemptLimiter } from '../auth/rate-limit.js';
import { DepotError } from '../errors.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { JsonDocument } from '../store/json-document.js';
import {
  hashToken,
  newToken,
  type TokenRecord,
  type TokenScope,
  type TokensDocument,
  type TokenView,
  tokenIdOf,
  tokenInputSchema,
  tokensDocumentSchema,
  viewOf,
} from './token-record.js';

export interface TokenServiceOptions {
  /** `<dataDir>/api/tokens.json`. */
  file: string;
  /** Requests one token may make per minute; past it, 429 with Retry-After. */
  requestsPerMinute: number;
  log: Logger;
  clock?: Clock;
}

export type TokenCheck =
  | { ok: true; token: TokenView }
  | { ok: false; status: 401 | 403 | 429; message: string; retryAfter?: number };

/** Live tokens at once: a console per site needs one or two, not hundreds. */
export const MAX_LIVE_TOKENS = 100;
/** Revoked and expired tokens are kept for the record up to this many in all. */
const MAX_KEPT = 200;
/** Last use is written at most this often per token: a console polling every minute must not wear the SD card. */
const USE_WRITE_INTERVAL_MS = 5 * 60_000;
/** Wrong tokens per client address and minute before the answer becomes 429. */
const BAD_TOKENS_PER_MINUTE = 30;
const NO_HASH = Buffer.alloc(32);

export class TokenService {
  readonly name = 'api-tokens';
  private tokens = new Map<string, TokenRecord>();
  private readonly doc: JsonDocument<typeof tokensDocumentSchema>;
  private readonly clock: Clock;
  private readonly perToken: AttemptLimiter;
  private readonly badTokens: AttemptLimiter;
  /** When each token's last use was last written. */
  private readonly useWrittenAt = new Map<string, number>();
  private useWrite: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TokenServiceOptions) {
    this.clock = opts.clock ?? systemClock;
    this.doc = new JsonDocument(opts.file, tokensDocumentSchema, () => ({ version: 1, tokens: [] }), 0o600);
    this.perToken = new AttemptLimiter(opts.requestsPerMinute, 60_000, this.clock);
    this.badTokens = new AttemptLimiter(BAD_TOKENS_PER_MINUTE, 60_000, this.clock);
  }

  async start(): Promise<void> {
    const doc = await this.doc.read();
    this.tokens = new Map(doc.tokens.map((t) => [t.id, t]));
    for (const t of doc.tokens) this.useWrittenAt.set(t.id, this.clock.now());
  }

  async stop(): Promise<void> {
    this.saveUse();
    await this.useWrite;
  }

  private isLive(t: TokenRecord, now = this.clock.now()): boolean {
    return t.revokedAt === null && (t.expiresAt === null || Date.parse(t.expiresAt) > now);
  }

  /** Newest first, without hashes. */
  list(): TokenView[] {
    return [...this.tokens.values()].map(viewOf).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** True while any token can still be used: /metrics then needs one. */
  anyLive(): boolean {
    return [...this.tokens.values()].some((t) => this.isLive(t));
  }

  /** Make a token from the Settings form; the token text is returned this once and never again. */
  async create(input: unknown, from: string): Promise<{ token: string; view: TokenView }> {
    const parsed = tokenInputSchema.safeParse(input);
    if (!parsed.success) throw new DepotError('BAD_INPUT', parsed.error.issues[0]?.message ?? 'bad token');
    const { name, scopes, expiresInDays } = parsed.data;
    const now = dateOf(this.clock);
    if ([...this.tokens.values()].filter((t) => this.isLive(t)).length >= MAX_LIVE_TOKENS) {
      throw new DepotError(
        'CONFLICT',
        `at most ${MAX_LIVE_TOKENS} live tokens: revoke the unused ones first`,
      );
    }
    const { id, token } = newToken();
    const record: TokenRecord = {
      id,
      name,
      scopes: [...new Set(scopes)],
      hash: hashToken(token),
      createdAt: now.toISOString(),
      createdFrom: from.slice(0, 100),
      expiresAt:
        expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * 86_400_000).toISOString(),
      lastUsedAt: null,
      lastUsedFrom: null,
      revokedAt: null,
    };
    await this.doc.update((d) => {
      d.tokens.push({ ...record });
      this.prune(d);
    });
    this.tokens.set(id, record);
    this.useWrittenAt.set(id, now.getTime());
    this.opts.log.info('API token created', {
      token: id,
      name,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
      from,
    });
    return { token, view: viewOf(record) };
  }

  /** Revoke at once (in memory), then durably; revoking twice is a no-op. */
  async revoke(id: string, from: string): Promise<void> {
    const t = this.tokens.get(id);
    if (!t) throw new DepotError('NOT_FOUND', `no API token ${id.slice(0, 40)}`);
    if (t.revokedAt !== null) return;
    const at = dateOf(this.clock).toISOString();
    t.revokedAt = at;
    await this.doc.update((d) => {
      const stored = d.tokens.find((x) => x.id === id);
      if (stored) stored.revokedAt = at;
    });
    this.opts.log.info('API token revoked', { token: id, name: t.name, from });
  }

  /** Drop the oldest tokens that can no longer be used beyond the kept number. */
  private prune(d: TokensDocument): void {
    const now = this.clock.now();
    const dead = d.tokens.filter((t) => !this.isLive(t, now));
    for (const t of dead.slice(0, Math.max(0, d.tokens.length - MAX_KEPT))) {
      d.tokens.splice(d.tokens.indexOf(t), 1);
      this.tokens.delete(t.id);
      this.useWrittenAt.delete(t.id);
    }
  }

  /**
   * Check an Authorization header for one scope: 401 for a missing, wrong, expired or revoked
   * token (429 once an address sends too many of those), 403 for a token without the scope, 429
   * for a token over its rate. A good token's use is recorded.
   */
  check(authorization: string | undefined, scope: TokenScope, remoteAddr: string): TokenCheck {
    const bearer = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization ?? '')?.[1];
    if (!bearer) return this.refuse(remoteAddr, 'send an API token as "Authorization: Bearer <token>"');
    const id = tokenIdOf(bearer);
    const record = id === undefined ? undefined : this.tokens.get(id);
    const given = createHash('sha256').update(bearer).digest();
    const expected = record ? Buffer.from(record.hash, 'hex') : NO_HASH;
    if (!timingSafeEqual(given, expected) || !record) return this.refuse(remoteAddr, 'invalid API token');
    const now = this.clock.now();
    if (record.revokedAt !== null) return this.refuse(remoteAddr, `API token ${record.id} was revoked`);
    if (!this.isLive(record, now)) return this.refuse(remoteAddr, `API token ${record.id} has expired`);
    if (!record.scopes.includes(scope)) {
      return { ok: false, status: 403, message: `API token ${record.id} lacks the scope ${scope}` };
    }
    const rate = this.perToken.attempt(record.id);
    if (!rate.allowed) {
      return {
        ok: false,
        status: 429,
        message: `API token ${record.id} is over ${this.opts.requestsPerMinute} requests per minute`,
        retryAfter: rate.retryAfter,
      };
    }
    this.recordUse(record, now, remoteAddr);
    return { ok: true, token: viewOf(record) };
  }

  private refuse(remoteAddr: string, message: string): TokenCheck {
    const decision = this.badTokens.attempt(throttleKey(remoteAddr));
    if (decision.allowed) return { ok: false, status: 401, message };
    return {
      ok: false,
      status: 429,
      message: `too many invalid API tokens from this address; try again in ${decision.retryAfter} s`,
      retryAfter: decision.retryAfter,
    };
  }

  private recordUse(record: TokenRecord, now: number, remoteAddr: string): void {
    record.lastUsedAt = new Date(now).toISOString();
    record.lastUsedFrom = remoteAddr.slice(0, 100);
    if (now - (this.useWrittenAt.get(record.id) ?? 0) < USE_WRITE_INTERVAL_MS) return;
    this.useWrittenAt.set(record.id, now);
    this.saveUse();
  }

  /** Write every token's last use (one write for all); a lost write only loses a last-use time. */
  private saveUse(): void {
    this.useWrite = this.useWrite
      .then(() =>
        this.doc.update((d) => {
          for (const stored of d.tokens) {
            const mem = this.tokens.get(stored.id);
            if (!mem) continue;
            stored.lastUsedAt = mem.lastUsedAt;
            stored.lastUsedFrom = mem.lastUsedFrom;
          }
        }),
      )
      .catch((err: unknown) => this.opts.log.warn('could not record API token use', { err }));
  }
}
