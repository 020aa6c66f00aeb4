/**
 * `patch-depot catalog SUBCOMMAND`: feed work from the command line, for first set-up, cron-less
 * checks and the air-gapped workflow (HQ builds and signs bundles, the site imports them).
 *   status                         feeds, snapshots and last attempts
 *   sync [--feed ID...]            sync now and wait; exit 1 when a feed failed
 *   import --bundle FILE           import a signed offline bundle
 *   keygen --out FILE              new Ed25519 signing key (0600); prints the public key to trust
 *   bundle --key FILE --out FILE --sequence N --feed ID=PATH...   build a signed bundle
 *   sign-manifest --key FILE --in FILE --out FILE                 sign a vendor file manifest
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { detectFeedKind } from '../assess/load-feed-file.js';
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { createLogger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { writeBundle } from './bundle.js';
import { createCatalogService } from './catalog-module.js';
import { manifestSchema } from './feeds/depot-manifest.js';
import { parseJson, validate } from './feeds/validate.js';
import { publicKeyBase64, signEnvelope } from './signatures.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const need = (ctx: CommandContext, flag: string): string => {
  const v = str(ctx.values[flag]);
  if (!v) throw new DepotError('BAD_INPUT', `catalog ${ctx.positionals[0]}: --${flag} is required`);
  return v;
};
const readKey = async (path: string) => {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new DepotError('BAD_INPUT', `${path}: not a readable private key: ${(cause as Error).message}`, {
      cause,
    });
  }
};

const withService = async <T>(
  ctx: CommandContext,
  fn: (svc: ReturnType<typeof createCatalogService>) => Promise<T>,
) => {
  const config = ctx.config();
  const log = createLogger({ level: config.log.level, format: 'pretty', sink: process.stderr });
  const svc = createCatalogService(config, log.child('catalog'), 'cli');
  await svc.start();
  try {
    return await fn(svc);
  } finally {
    await svc.stop();
  }
};

/** A new ed25519 signing key for bundles and manifests; never overwrites one. */
const keygen = async (ctx: CommandContext): Promise<number> => {
  const out = need(ctx, 'out');
  if (existsSync(out)) throw new DepotError('CONFLICT', `${out} exists; refusing to overwrite a signing key`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFileAtomic(out, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), {
    mode: 0o600,
  });
  process.stdout.write(`${publicKeyBase64(publicKey)}\n`);
  process.stderr.write(
    `private key written to ${out} (0600); add the line above to catalog.trustedKeys on each appliance\n`,
  );
  return 0;
};

/** A signed offline bundle of feed files given as `--feed ID=PATH`. */
const bundle = async (ctx: CommandContext): Promise<number> => {
  const key = await readKey(need(ctx, 'key'));
  const out = need(ctx, 'out');
  const sequence = Number(need(ctx, 'sequence'));
  if (!Number.isInteger(sequence) || sequence < 0)
    throw new DepotError('BAD_INPUT', '--sequence: a whole number that grows with every bundle');
  const feeds = strs(ctx.values.feed);
  if (feeds.length === 0)
    throw new DepotError('BAD_INPUT', 'catalog bundle: give at least one --feed ID=PATH');
  const docs = await Promise.all(
    feeds.map(async (spec, i) => {
      const m = /^([a-z0-9][a-z0-9-]{0,47})=(.+)$/.exec(spec);
      if (!m)
        throw new DepotError(
          'BAD_INPUT',
          `--feed ${spec}: expected ID=PATH (id: lower-case letters, digits, -)`,
        );
      const body = await readFile(m[2]!);
      return { feedId: m[1]!, kind: detectFeedKind(body), file: `${i + 1}-${m[1]}.data`, body };
    }),
  );
  await writeFileAtomic(out, writeBundle(docs, sequence, key));
  process.stdout.write(
    `${out}: ${docs.map((d) => `${d.feedId} (${d.kind})`).join(', ')}; sequence ${sequence}; key ${publicKeyBase64(createPublicKey(key))}\n`,
  );
  return 0;
};

export const catalogCommand = async (ctx: CommandContext): Promise<number> => {
  const sub = ctx.positionals[0];
  switch (sub) {
    case 'status':
      return withService(ctx, async (svc) => {
        for (const f of svc.feeds()) {
          const snap = f.snapshot
            ? `${f.snapshot.syncedAt} (${f.snapshot.origin}) ${f.snapshot.note ?? ''}`
            : 'never synced';
          const last = f.lastAttempt
            ? ` · last attempt ${f.lastAttempt.outcome}: ${f.lastAttempt.message}`
            : '';
          process.stdout.write(`${f.id.padEnd(20)} ${f.kind.padEnd(15)} ${snap}${last}\n`);
        }
        return 0;
      });
    case 'sync':
      return withService(ctx, async (svc) => {
        const entries = await svc.syncNow(strs(ctx.values.feed), 'manual');
        for (const e of entries) process.stdout.write(`${e.feedId}: ${e.outcome}: ${e.message}\n`);
        return entries.some((e) => e.outcome === 'failed') ? 1 : 0;
      });
    case 'import':
      return withService(ctx, async (svc) => {
        const path = need(ctx, 'bundle');
        for (const e of await svc.importBundle(await readFile(path)))
          process.stdout.write(`${e.feedId}: ${e.message}\n`);
        return 0;
      });
    case 'keygen':
      return keygen(ctx);
    case 'bundle':
      return bundle(ctx);
    case 'sign-manifest': {
      const key = await readKey(need(ctx, 'key'));
      const input = need(ctx, 'in');
      const payload = await readFile(input);
      validate(input, manifestSchema, parseJson(input, payload));
      await writeFileAtomic(need(ctx, 'out'), `${JSON.stringify(signEnvelope(payload, key))}\n`);
      return 0;
    }
    default:
      process.stderr.write(
        `patch-depot catalog: expected a subcommand: status, sync, import, keygen, bundle or sign-manifest${sub ? ` (got "${sub}")` : ''}\n`,
      );
      return 2;
  }
};
