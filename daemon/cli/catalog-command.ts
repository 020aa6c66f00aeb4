/**
 * `patch-depot catalog`: its subcommands as the parser, help and usage messages see them. The work
 * is in daemon/catalog/cli.ts, imported only when one runs.
 */
import { feedFileSpec } from '../catalog/feed-config.js';
import type { CommandContext } from '../cli-context.js';
import { type CommandSpec, wholeNumber } from './spec.js';

const viaCatalog = async (ctx: CommandContext) => (await import('../catalog/cli.js')).catalogCommand(ctx);

export const catalog: CommandSpec = {
  summary: 'vendor feeds: status, sync now, offline bundles (import, keygen, bundle, sign-manifest)',
  details:
    'Feeds are listed in catalog.feeds of DATA_DIR/config.json. An air-gapped site gets them as signed ' +
    'bundles: HQ runs keygen once and bundle for each delivery; the site trusts the public key ' +
    '(catalog.trustedKeys) and imports.',
  subcommands: {
    status: {
      summary: 'each feed: its last good snapshot and last attempt',
      meantBy: ['list', 'ls', 'show', 'feeds'],
      run: viaCatalog,
      usesDataDir: true,
      needsState: true,
      examples: ['patch-depot catalog status', 'patch-depot catalog status --data-dir /var/lib/patch-depot'],
    },
    sync: {
      summary: 'sync feeds now and wait for them (exit 1 when one failed)',
      run: viaCatalog,
      usesDataDir: true,
      needsState: true,
      locksDataDir: true,
      options: {
        feed: { type: 'string', arg: 'ID', multiple: true, help: 'only this feed', default: 'every feed' },
      },
      examples: ['patch-depot catalog sync', 'patch-depot catalog sync --feed debian-security'],
    },
    import: {
      summary: 'import a signed offline bundle (made by catalog bundle)',
      run: viaCatalog,
      usesDataDir: true,
      needsState: true,
      locksDataDir: true,
      options: {
        bundle: { type: 'string', arg: 'FILE', required: true, help: 'the bundle (.zip) to import' },
      },
      examples: ['patch-depot catalog import --bundle /media/usb/feeds-0042.zip'],
    },
    keygen: {
      summary: 'make a new Ed25519 signing key (0600); prints the public key to trust',
      run: viaCatalog,
      options: {
        out: {
          type: 'string',
          arg: 'FILE',
          required: true,
          help: 'where the private key goes (never overwritten)',
        },
      },
      examples: ['patch-depot catalog keygen --out hq-feeds.key'],
    },
    bundle: {
      summary: 'build a signed offline bundle of feed files',
      run: viaCatalog,
      options: {
        key: { type: 'string', arg: 'FILE', required: true, help: 'the private key from catalog keygen' },
        out: { type: 'string', arg: 'FILE', required: true, help: 'the bundle to write (.zip)' },
        sequence: {
          type: 'string',
          arg: 'N',
          required: true,
          help: 'grows with every bundle; a site refuses an older one',
          check: wholeNumber(0),
        },
        feed: {
          type: 'string',
          arg: 'ID=PATH',
          multiple: true,
          required: true,
          help: 'a feed file and the feed id it is imported as',
          check: (v) =>
            feedFileSpec(v) ? undefined : 'expected ID=PATH (id: lower-case letters, digits, -)',
        },
      },
      examples: [
        'patch-depot catalog bundle --key hq-feeds.key --out feeds-0042.zip --sequence 42 --feed debian=debian-tracker.json',
      ],
    },
    'sign-manifest': {
      summary: 'sign a vendor file manifest (firmware, vendor files) for a depot-manifest feed',
      run: viaCatalog,
      options: {
        key: { type: 'string', arg: 'FILE', required: true, help: 'the private key from catalog keygen' },
        in: { type: 'string', arg: 'FILE', required: true, help: 'the manifest JSON to sign' },
        out: { type: 'string', arg: 'FILE', required: true, help: 'the signed manifest to write' },
      },
      examples: [
        'patch-depot catalog sign-manifest --key hq-feeds.key --in phones.json --out phones.signed.json',
      ],
    },
  },
};
