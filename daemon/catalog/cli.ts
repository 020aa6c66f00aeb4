/**
 * `patch-depot catalog SUBCOMMAND`: feed work from the command line, for first set-up, cron-less
 * checks and the air-gapped workflow (HQ builds and signs bundles, the site imports them).
 *   status                         feeds, snapshots and last attempts
 *   sync [--feed ID...]            sync now and wait; exit 1 when a feed failed
 *   import --bundle FILE           import a signed offline bundle
 *   keygen --out FILE              new Ed25519 signing key (0600); prints the public key to trust
 *   bundle --key FILE --out FILE --sequence N --feed ID=PATH...   build a signed bundle
 *   sign-manifest --key FILE --in FILE --out FILE                 sign a vendor file manifest
 * Options, help and usage mistakes are daemon/cli/'s (catalog-command.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectFeedKind } from '../assess/load-feed-file.js';
import { readInputFile } from '../cli/input-file.js';
import { type CommandContext, UsageError } from '../cli-context.js';
import type { Config } from '../config.js';
import { DepotError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { writeBundle } from './bundle.js';
import { createCatalogService } from './catalog-module.js';
import { feedFileSpec } from './feed-config.js';
import { manifestSchema } from './feeds/depot-manifest.js';
import { parseJson, validate } from './feeds/validate.js';
import { publicKeyBase64, signEnvelope } from './signatures.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
/** A required option: the parser has checked it is there. */
const need = (ctx: CommandContext, flag: string): string => {
  const v = str(ctx.values[flag]);
  if (v === undefined) throw new UsageError(`missing --${flag}`);
  return v;
};
const readKey = async (path: string) => {
  const pem = await readInputFile('key', path);
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new DepotError(
      'BAD_INPUT',
      `--key ${path}: not a private key (make one with patch-depot catalog keygen)`,
      {
        cause,
      },
    );
  }
};

const withService = async <T>(
  ctx: CommandContext,
  fn: (svc: ReturnType<typeof createCatalogService>, config: Config) => Promise<T>,
) => {
  const config = ctx.config();
  const svc = createCatalogService(config, ctx.commandLog(config).child('catalog'), 'cli');
  await svc.start();
  try {
    return await fn(svc, config);
  } finally {
    await svc.stop();
  }
};

/** What `catalog status` and `catalog sync` say where there is nothing to show or sync. */
const noFeeds = (ctx: CommandContext, dataDir: string, head: string): string => {
  const file = str(ctx.values.config) ?? join(dataDir, 'config.json');
  return [
    head,
    `List feeds under catalog.feeds in ${file} (the daemon reads it when it starts), for example`,
    '  {"catalog": {"feeds": [{"id": "debian", "kind": "debian-tracker", "url": "https://<tracker>/tracker/data/json"}]}}',
    'then run `patch-depot catalog sync`; or import a signed bundle: `patch-depot catalog import --bundle FILE`.',
    '',
  ].join('\n');
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
  // Checked by the parser: a whole number, and each --feed ID=PATH.
  const sequence = Number(need(ctx, 'sequence'));
  const docs = await Promise.all(
    strs(ctx.values.feed).map(async (spec, i) => {
      const feed = feedFileSpec(spec);
      if (!feed) throw new UsageError(`--feed ${spec}: expected ID=PATH`);
      const body = await readInputFile('feed', feed.path);
      return { feedId: feed.id, kind: detectFeedKind(body), file: `${i + 1}-${feed.id}.data`, body };
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
      return withService(ctx, async (svc, config) => {
        if (svc.feeds().length === 0) {
          process.stdout.write(
            noFeeds(
              ctx,
              config.dataDir,
              'no feeds: none is configured and no offline bundle has been imported.',
            ),
          );
          return 0;
        }
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
      return withService(ctx, async (svc, config) => {
        if (!svc.feeds().some((f) => f.configured)) {
          process.stderr.write(
            noFeeds(
              ctx,
              config.dataDir,
              'nothing to sync: no feed is configured (an imported bundle is not synced).',
            ),
          );
          return 1;
        }
        const entries = await svc.syncNow(strs(ctx.values.feed), 'manual');
        for (const e of entries) process.stdout.write(`${e.feedId}: ${e.outcome}: ${e.message}\n`);
        return entries.some((e) => e.outcome === 'failed') ? 1 : 0;
      });
    case 'import': {
      // Read before the catalog starts: a wrong path is said at once, not after loading snapshots.
      const body = await readInputFile('bundle', need(ctx, 'bundle'));
      return withService(ctx, async (svc) => {
        for (const e of await svc.importBundle(body)) process.stdout.write(`${e.feedId}: ${e.message}\n`);
        return 0;
      });
    }
    case 'keygen':
      return keygen(ctx);
    case 'bundle':
      return bundle(ctx);
    case 'sign-manifest': {
      const key = await readKey(need(ctx, 'key'));
      const input = need(ctx, 'in');
      const payload = await readInputFile('in', input);
      validate(input, manifestSchema, parseJson(input, payload));
      await writeFileAtomic(need(ctx, 'out'), `${JSON.stringify(signEnvelope(payload, key))}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown subcommand "${sub}"`);
  }
};
