/**
 * Feed settings (the `catalog.feeds` list in the config file). One entry per upstream; `id` names
 * its snapshot directory and appears in logs, the UI and the sync history.
 */
import { z } from 'zod';
import { isPublicKey, NOT_A_PUBLIC_KEY } from './signatures.js';

/** A feed's id: it names a directory, so a short plain word. */
export const FEED_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** `--feed ID=PATH` of catalog bundle: the id a site files the feed under, and the file. */
export const feedFileSpec = (v: string): { id: string; path: string } | undefined => {
  const at = v.indexOf('=');
  const id = v.slice(0, at);
  return at > 0 && at < v.length - 1 && FEED_ID.test(id) ? { id, path: v.slice(at + 1) } : undefined;
};

const id = z.string().regex(FEED_ID, 'use lower-case letters, digits and -, at most 48 characters');
/**
 * An http(s) URL without a user name or password: feed URLs are shown on pages every account
 * reads, and the cache refuses URLs with credentials anyway (they would be shared).
 */
export const plainHttpUrl = (protocol = /^https?$/) =>
  z
    .url({ protocol, error: `expected an ${protocol.test('https') ? 'http:// or https://' : 'http://'} URL` })
    .refine((u) => {
      const at = URL.parse(u);
      return !at?.username && !at?.password;
    }, 'a URL with a user name or password is not accepted (it would be shown on pages and logs)');
const url = plainHttpUrl();

/** One unreadable trusted key would make every signed manifest fail to verify: refused up front. */
/** A trusted signing key: refused when saved, not at the next sync, if it is not one. */
export const trustedKeySchema = z.string().refine(isPublicKey, NOT_A_PUBLIC_KEY);
const common = { id, url, enabled: z.boolean().default(true) };

export const feedSpecSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('debian-tracker') }).strict(),
  z.object({ ...common, kind: z.literal('osv') }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('apt'),
      /** dists/<suite> under `url` (the repository root, e.g. the mirror's /debian). */
      suite: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/),
      components: z
        .array(z.string().regex(/^[a-z0-9-]+$/))
        .min(1)
        .default(['main']),
      architectures: z
        .array(z.string().regex(/^[a-z0-9-]+$/))
        .min(1)
        .default(['amd64']),
      /** OpenPGP keyring the Release signature must verify against (gpgv --keyring). */
      keyring: z.string().min(1),
      /** Release key the packages apply to (`debian:bookworm`); default from the Release file. */
      release: z.string().optional(),
    })
    .strict(),
  z.object({ ...common, kind: z.literal('depot-manifest') }).strict(),
]);
export type FeedSpec = z.infer<typeof feedSpecSchema>;
export type FeedSpecInput = z.input<typeof feedSpecSchema>;
