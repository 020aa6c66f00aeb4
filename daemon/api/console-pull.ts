/**
 * The reference console: pull the signed summary of several appliances, each with its own API
 * token, and keep the last verified one per site. A pull sends the ETag it holds, so an unchanged
 * site answers 304 with no body; a new summary is trusted only when its JWS verifies with the
 * public key pinned for that site in sites.json (copied from the site's Settings → Site key page,
 * never learnt from the network), its `kid` is that key's thumbprint and its body is a valid summary
 * of the same site id as before. A site that cannot be reached or fails a check keeps its last good
 * summary, shown with its age and the reason.
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, compactVerify, importJWK, importSPKI, type JWK } from 'jose';
import { z } from 'zod';
import { formatIssues } from '../config-messages.js';
import { DepotError } from '../errors.js';
import { type ApiSiteSummary, siteSummarySchema } from './contract.js';
import { SIGNING_ALG, SUMMARY_JWS_TYP } from './site-key.js';

/** The summary's address under the site's URL: a site behind a proxy at /leeds is asked at /leeds/api/… */
const summaryUrl = (url: string): URL => {
  const base = new URL(url);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL('api/v1/summary.jws', base);
};

/** What a technician is told when publicKey is not a key (a fingerprint, a typo, a cut PEM). */
const PUBLIC_KEY_HINT =
  "give the site's public key from its Settings → Site key: the JWK object, or the PEM as one JSON string with \\n for its line breaks (the fingerprint is not enough)";

const jwkSchema = z
  .object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) })
  .loose();

const publicKeySchema = z.union(
  [jwkSchema, z.string().includes('BEGIN PUBLIC KEY', { error: PUBLIC_KEY_HINT })],
  { error: PUBLIC_KEY_HINT },
);

export const sitesFileSchema = z
  .object({
    sites: z
      .array(
        z
          .object({
            /** How the table names the site (default: the name the site reports). */
            name: z.string().min(1).max(80).optional(),
            /** The appliance's UI address, e.g. http://10.1.0.5:8080 */
            url: z.url({ protocol: /^https?$/ }).refine((u) => {
              const { username, password } = new URL(u);
              return !username && !password;
            }, 'no user name or password in the URL: the API token authenticates the console'),
            /** An API token with the console:read scope, or a file holding one. */
            token: z.string().min(1).optional(),
            tokenFile: z.string().min(1).optional(),
            /** The site's public key: its JWK, or its PEM, from Settings → Site key; or a file holding either. */
            publicKey: publicKeySchema.optional(),
            publicKeyFile: z.string().min(1).optional(),
          })
          .strict()
          .refine(
            (s) => (s.token === undefined) !== (s.tokenFile === undefined),
            'give token or tokenFile, not both',
          )
          .refine(
            (s) => (s.publicKey === undefined) !== (s.publicKeyFile === undefined),
            'give publicKey or publicKeyFile, not both',
          ),
      )
      .min(1)
      .superRefine((sites, ctx) => {
        // Two entries on one address would share one state: one row could show figures the
        // other's key verified.
        const seen = new Map<string, number>();
        sites.forEach((s, i) => {
          const href = /^https?:\/\//i.test(s.url) && URL.canParse(s.url) ? summaryUrl(s.url).href : s.url;
          const first = seen.get(href);
          if (first === undefined) seen.set(href, i);
          else ctx.addIssue({ code: 'custom', path: [i, 'url'], message: `the same site as sites.${first}` });
        });
      }),
  })
  .strict();
type SiteFileEntry = z.infer<typeof sitesFileSchema>['sites'][number];
/** A site as pulled: its key read from `publicKeyFile` when the file names one. */
export type SiteEntry = Omit<SiteFileEntry, 'publicKey' | 'publicKeyFile'> & {
  publicKey: z.infer<typeof publicKeySchema>;
};

export const siteStateSchema = z.object({
  etag: z.string().optional(),
  summary: siteSummarySchema.optional(),
  /** When the site last answered a pull with a verified summary or a 304. */
  lastContact: z.string().optional(),
  lastAttempt: z.string().optional(),
  /** Why the last pull failed; absent when it worked. */
  error: z.string().optional(),
});
export type SiteState = z.infer<typeof siteStateSchema>;
export const consoleStateSchema = z.object({
  version: z.literal(1),
  sites: z.record(z.string(), siteStateSchema),
});
export type ConsoleState = z.infer<typeof consoleStateSchema>;

export const readSitesFile = async (file: string): Promise<SiteEntry[]> => {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new DepotError('BAD_INPUT', `--sites: cannot read ${file} (${err.code})`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DepotError('BAD_INPUT', `${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = sitesFileSchema.safeParse(json);
  if (!parsed.success)
    throw new DepotError(
      'BAD_INPUT',
      `${file}: ${formatIssues(parsed.error).replaceAll('\n', '; ')} (each site: url, token or tokenFile, publicKey or publicKeyFile; see "Central console API" in the README)`,
    );
  const sites: SiteEntry[] = [];
  for (const [i, entry] of parsed.data.sites.entries()) {
    const { publicKeyFile, publicKey, ...rest } = entry;
    const field = publicKeyFile ? `sites.${i}.publicKeyFile (${publicKeyFile})` : `sites.${i}.publicKey`;
    const site: SiteEntry = {
      ...rest,
      publicKey: publicKey ?? (await keyFromFile(publicKeyFile!, `${file}: ${field}`)),
    };
    // A key that does not parse is a mistake in this file, not a problem of the site: say so now.
    await pinnedKey(site).catch((err: Error) => {
      throw new DepotError(
        'BAD_INPUT',
        `${file}: ${field} (${site.name ?? site.url}) is not an Ed25519 public key (${err.message}): ${PUBLIC_KEY_HINT}`,
      );
    });
    sites.push(site);
  }
  return sites;
};

/** A key file as saved from Settings → Site key: the PEM as it is, or the JWK's JSON. */
const keyFromFile = async (file: string, what: string): Promise<SiteEntry['publicKey']> => {
  const text = await readSmallFile(file, 'public key file', 16_384).catch((err: Error) => {
    throw new DepotError('BAD_INPUT', `${what}: ${err.message}`);
  });
  if (!text.startsWith('{')) return text;
  try {
    return publicKeySchema.parse(JSON.parse(text));
  } catch {
    throw new DepotError('BAD_INPUT', `${what}: neither a PEM nor a JWK: ${PUBLIC_KEY_HINT}`);
  }
};

/** The pinned key and the `kid` a signature must name. */
const pinnedKey = async (site: SiteEntry) => {
  if (typeof site.publicKey === 'string') {
    const key = await importSPKI(site.publicKey, SIGNING_ALG, { extractable: true });
    const { exportJWK } = await import('jose');
    const jwk = await exportJWK(key);
    return { key, kid: await calculateJwkThumbprint(jwk, 'sha256') };
  }
  const { kty, crv, x } = site.publicKey;
  const jwk: JWK = { kty, crv, x };
  return { key: await importJWK(jwk, SIGNING_ALG), kid: await calculateJwkThumbprint(jwk, 'sha256') };
};

/** A JWS body trusted only after every check; throws a one-line reason. */
export const verifySummary = async (jws: string, site: SiteEntry): Promise<ApiSiteSummary> => {
  const { key, kid } = await pinnedKey(site);
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(jws.trim(), key, { algorithms: [SIGNING_ALG] });
  } catch (err) {
    throw new Error(
      `the summary's signature does not verify with the pinned key (${(err as Error).message})`,
    );
  }
  const header = verified.protectedHeader;
  if (header.kid !== kid) throw new Error(`the summary names key ${header.kid}, not the pinned ${kid}`);
  if (header.typ !== SUMMARY_JWS_TYP)
    throw new Error(`the signed document is a ${header.typ}, not a summary`);
  const body = siteSummarySchema.safeParse(JSON.parse(Buffer.from(verified.payload).toString('utf8')));
  if (!body.success) throw new Error('the signed summary is not a summary this console understands');
  return body.data;
};

/**
 * A token or key from its file: a regular file of at most `max` bytes. Opened without blocking, so
 * a FIFO with no writer does not hang the pull, and never read past the limit (/dev/zero never ends).
 */
const readSmallFile = async (file: string, what: string, max: number): Promise<string> => {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the ${what} ${file} (${err.code})`);
    },
  );
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`the ${what} ${file} is not a regular file`);
    const buf = Buffer.alloc(max + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > max) throw new Error(`the ${what} ${file} is over ${max} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8').trim();
  } finally {
    await handle.close();
  }
};

const tokenOf = async (site: SiteEntry): Promise<string> =>
  site.token ?? readSmallFile(site.tokenFile!, 'token file', 4096);

const BODY_MAX = 1 << 20;

/** The body as text, reading no more than 1 MiB of it (a hostile site may send without end). */
const boundedText = async (res: Response): Promise<string> => {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > BODY_MAX) {
      // Leaving the loop cancels the stream, which closes the connection.
      throw new Error('the summary is over 1 MiB');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** One line: a fetch failure says why (its cause's code or message), a timeout says so. */
const reason = (err: unknown): string => {
  const e = err as Error & { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  const why = e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message;
  if (e.message === 'fetch failed') return `cannot reach the site${why ? ` (${why})` : ''}`;
  if (e.message === 'terminated') return `the site cut its answer short${why ? ` (${why})` : ''}`;
  // An empty reason would read as success: the row would say ok and the command exit 0.
  return (err instanceof Error ? e.message : String(err)) || 'the pull failed (no reason given)';
};

/** Why a site said no, in words a technician can act on (the problem's detail when it sent one). */
const refusal = (status: number, body: string, url: string): string => {
  let detail = '';
  try {
    detail = String((JSON.parse(body) as { detail?: unknown }).detail ?? '');
  } catch {}
  const said = detail ? `${status}: ${detail.slice(0, 200)}` : String(status);
  if (status === 401)
    return `the site refused the token (${said}): it is wrong, expired or revoked; make one with console:read on the site's Settings → API tokens`;
  if (status === 403)
    return `the site refused the token (${said}): make one with the console:read scope on the site's Settings → API tokens`;
  if (status === 404)
    return `the site answered ${said}: is ${url} the appliance's UI address (the one its browser page uses)?`;
  return `the site answered ${said}`;
};

/** Pull one site into its state (mutated in place). Never throws: a failure is recorded. */
export const pullSite = async (
  site: SiteEntry,
  state: SiteState,
  opts: { fetch?: typeof fetch; now?: () => Date; timeoutMs?: number } = {},
): Promise<void> => {
  const now = (opts.now ?? (() => new Date()))().toISOString();
  state.lastAttempt = now;
  try {
    const sentTag = state.summary ? state.etag : undefined;
    const res = await (opts.fetch ?? fetch)(summaryUrl(site.url), {
      headers: {
        authorization: `Bearer ${await tokenOf(site)}`,
        ...(sentTag ? { 'if-none-match': sentTag } : {}),
      },
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    if (res.status === 304) {
      if (!sentTag) throw new Error('the site answered 304 to a pull that named no summary');
      state.lastContact = now;
      delete state.error;
      return;
    }
    // A refusal's body (a problem document) says why; it is read within the same bound.
    if (res.status !== 200) throw new Error(refusal(res.status, await boundedText(res), site.url));
    const summary = await verifySummary(await boundedText(res), site);
    if (state.summary && state.summary.site.id !== summary.site.id)
      throw new Error(
        `the site id changed from ${state.summary.site.id} to ${summary.site.id}: another appliance answers at ${site.url}`,
      );
    // A signed summary stays valid for ever: a replayed older one would roll the figures back.
    if (state.summary && Date.parse(summary.since) < Date.parse(state.summary.since))
      throw new Error(
        `the site sent a summary older than the one held (figures since ${summary.since}, held since ${state.summary.since}): a replay, or its clock went back`,
      );
    state.summary = summary;
    const etag = res.headers.get('etag');
    if (etag) state.etag = etag;
    else delete state.etag;
    state.lastContact = now;
    delete state.error;
  } catch (err) {
    state.error = reason(err);
  }
};

/** One row of the combined table. */
export interface ConsoleRow {
  site: string;
  url: string;
  compliancePercent: number | null;
  hostsAtRisk: number | null;
  failedDeployments: number | null;
  problems: number | null;
  lastContact: string | null;
  error: string | null;
}

export const consoleRows = (sites: readonly SiteEntry[], state: ConsoleState): ConsoleRow[] =>
  sites.map((site) => {
    const s = state.sites[site.url] ?? {};
    const sum = s.summary;
    return {
      site: site.name ?? sum?.site.name ?? site.url,
      url: site.url,
      compliancePercent: sum?.compliance?.percent ?? null,
      hostsAtRisk: sum?.hostsAtRisk ?? null,
      failedDeployments: sum?.deployments?.failed ?? null,
      problems: sum ? sum.problems.length : null,
      lastContact: s.lastContact ?? null,
      error: s.error ?? null,
    };
  });
