/**
 * API tokens as stored: a random id (public: it names the token in the UI and in logs) and the
 * SHA-256 of the whole token. The secret part has 256 bits of entropy, so a fast hash is enough;
 * a slow password hash would only make every API call cost the Pi a scrypt run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UNSAFE_TEXT } from '../terminal-text.js';

/** What a token may do; each route names the one scope it needs. */
export const TOKEN_SCOPES = {
  'console:read': 'read the site API (/api/v1): summary, signed summary, hosts, missing fixes, changes',
  'metrics:read': 'scrape /metrics (which needs a token once any token exists)',
} as const;
export type TokenScope = keyof typeof TOKEN_SCOPES;
export const tokenScopes = Object.keys(TOKEN_SCOPES) as [TokenScope, ...TokenScope[]];

/** Expiry choices offered when a token is made, in days (or never). */
export const LIFETIME_DAYS = [7, 30, 90, 365] as const;

const iso = z.iso.datetime();
const TOKEN_ID = /^[0-9a-f]{12}$/;

export const tokenRecordSchema = z
  .object({
    id: z.string().regex(TOKEN_ID),
    name: z.string().min(1).max(80),
    scopes: z.array(z.enum(tokenScopes)).min(1),
    /** SHA-256 of the whole token, hex. The token itself is shown once and never stored. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: iso,
    createdFrom: z.string().max(100),
    expiresAt: iso.nullable(),
    lastUsedAt: iso.nullable(),
    lastUsedFrom: z.string().max(100).nullable(),
    revokedAt: iso.nullable(),
  })
  .strict();
export type TokenRecord = z.infer<typeof tokenRecordSchema>;
/** A token as pages and logs may show it: everything but the hash. */
export type TokenView = Omit<TokenRecord, 'hash'>;

export const tokensDocumentSchema = z
  .object({ version: z.literal(1), tokens: z.array(tokenRecordSchema) })
  .strict();
export type TokensDocument = z.infer<typeof tokensDocumentSchema>;

/** What an administrator asks for on the Settings page. */
export const tokenInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name: give the token a name (which console or script uses it)')
    .max(80, 'name: at most 80 characters')
    .refine((name) => !UNSAFE_TEXT.test(name), 'name: no control characters or direction overrides'),
  scopes: z
    .array(z.enum(tokenScopes, { error: (iss) => `scope: unknown scope ${JSON.stringify(iss.input)}` }))
    .min(1, 'scope: choose at least one scope'),
  /** null: never expires. */
  expiresInDays: z
    .literal(LIFETIME_DAYS, { error: 'expiry: choose one of the offered lifetimes' })
    .nullable(),
});
export type TokenInput = z.infer<typeof tokenInputSchema>;

const PREFIX = 'pdt';
/** `pdt_<id>_<secret>`: the prefix lets secret scanners recognise a leaked token. */
const TOKEN_RE = /^pdt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const newToken = (): { id: string; token: string } => {
  const id = randomBytes(6).toString('hex');
  return { id, token: `${PREFIX}_${id}_${randomBytes(32).toString('base64url')}` };
};

/** The token id, when the text has the shape of a token at all. */
export const tokenIdOf = (token: string): string | undefined => TOKEN_RE.exec(token)?.[1];

export const viewOf = ({ hash: _hash, ...view }: TokenRecord): TokenView => view;
