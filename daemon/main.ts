#!/usr/bin/env node
/**
 * The `patch-depot` command line. It parses arguments and hands over; the work lives in the
 * modules each command names.
 */
import { parseArgs } from 'node:util';
import { packageVersion } from './app.js';
import type { CommandContext, FlagValues } from './cli-context.js';
import { envVars, loadConfig } from './config.js';
import { DepotError } from './errors.js';
import { createLogger } from './log.js';
import { DataDirLock } from './store/data-dir-lock.js';

type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

interface Command {
  summary: string;
  usage: string;
  /** Flags beyond the common ones. */
  flags?: FlagSpec;
  /** Exit code, or undefined to keep running (the daemon). */
  run(ctx: CommandContext): Promise<number | undefined>;
  /** Writes into the data dir: holds its lock while it runs (serve holds it in app.ts). */
  locksDataDir?: (positionals: string[]) => boolean;
}

const commonFlags = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const commands: Record<string, Command> = {
  serve: {
    summary: 'run the appliance daemon: web UI, API and background services (default)',
    usage: 'patch-depot serve [--data-dir DIR] [--host ADDR] [--port N] [--config FILE] [--log-level LEVEL]',
    // The listen address; other commands use --host/--port for their own targets (e.g. SSH).
    flags: { host: { type: 'string' }, port: { type: 'string' } },
    async run(ctx) {
      const config = ctx.config();
      const { serve } = await import('./serve.js');
      await serve(config, ctx.log(config));
      return undefined; // keep running until a signal
    },
  },
  inventory: {
    summary: "collect one host's OS, kernel and installed packages over SSH now; prints them",
    usage:
      'patch-depot inventory --host ADDR [--user U] [--port N] [--json] [--accept-host-key SHA256:...] | --public-key',
    flags: {
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      json: { type: 'boolean' },
      'accept-host-key': { type: 'string' },
      'public-key': { type: 'boolean' },
    },
    locksDataDir: () => true,
    async run(ctx) {
      const { inventoryCommand } = await import('./inventory/cli.js');
      return inventoryCommand(ctx);
    },
  },
  'self-update': {
    summary: "update this appliance's own package in its window, through its cache, rolled back if unhealthy",
    usage: 'patch-depot self-update [--now] [--check] [--status] [--json] [--state-dir DIR]',
    flags: {
      now: { type: 'boolean' },
      check: { type: 'boolean' },
      status: { type: 'boolean' },
      json: { type: 'boolean' },
      'state-dir': { type: 'string' },
    },
    async run(ctx) {
      const { selfUpdateCommand } = await import('./self-update/cli.js');
      return selfUpdateCommand(ctx);
    },
  },
  assess: {
    summary: 'offline assessment: installed packages vs a feed file; one line per missing fix',
    usage:
      'patch-depot assess --inventory FILE --os-release FILE --feed FILE [--feed FILE...] [--host-id NAME] [--trusted-key KEY] [--json]',
    flags: {
      inventory: { type: 'string' },
      'os-release': { type: 'string' },
      feed: { type: 'string', multiple: true },
      'host-id': { type: 'string' },
      'trusted-key': { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    async run(ctx) {
      const { assessCommand } = await import('./assess/cli.js');
      return assessCommand(ctx);
    },
  },
  catalog: {
    summary: 'vendor feeds: status, sync now, offline bundles (import, keygen, bundle, sign-manifest)',
    usage:
      'patch-depot catalog status | sync [--feed ID...] | import --bundle FILE | keygen --out FILE | bundle --key FILE --out FILE --sequence N --feed ID=PATH... | sign-manifest --key FILE --in FILE --out FILE',
    flags: {
      feed: { type: 'string', multiple: true },
      bundle: { type: 'string' },
      key: { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      sequence: { type: 'string' },
    },
    locksDataDir: ([sub]) => sub === 'sync' || sub === 'import',
    async run(ctx) {
      const { catalogCommand } = await import('./catalog/cli.js');
      return catalogCommand(ctx);
    },
  },
  deploy: {
    summary: 'deployments: preview a plan, list or show deployments, start one (in windows or now)',
    usage:
      'patch-depot deploy plan --advisory ID [--package NAME] [--host ID|ADDR] [--allow-remove NAME] [--json] | status [ID] [--json] | run ID [--now]',
    flags: {
      advisory: { type: 'string', multiple: true },
      package: { type: 'string', multiple: true },
      host: { type: 'string', multiple: true },
      'allow-remove': { type: 'string', multiple: true },
      now: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    async run(ctx) {
      const { deployCommand } = await import('./deploy/cli.js');
      return deployCommand(ctx);
    },
  },
  backup: {
    summary: 'write an encrypted backup of the state (not the package cache) to a file',
    usage: 'patch-depot backup --out FILE [--passphrase-file FILE]   (or PATCH_DEPOT_BACKUP_PASSPHRASE)',
    flags: { out: { type: 'string' }, 'passphrase-file': { type: 'string' } },
    async run(ctx) {
      const { backupCommand } = await import('./backup/cli.js');
      return backupCommand(ctx);
    },
  },
  restore: {
    summary: 'replace the state with a backup (daemon stopped); the state before is kept aside',
    usage: 'patch-depot restore FILE [--passphrase-file FILE]   (or PATCH_DEPOT_BACKUP_PASSPHRASE)',
    flags: { 'passphrase-file': { type: 'string' } },
    locksDataDir: () => true,
    async run(ctx) {
      const { restoreCommand } = await import('./backup/cli.js');
      return restoreCommand(ctx);
    },
  },
  console: {
    summary: "the reference console: pull several appliances' signed summaries into one table",
    usage:
      'patch-depot console pull --sites sites.json [--state FILE] [--json] [--serve [ADDR:]PORT] [--interval SEC (60)]',
    flags: {
      sites: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean' },
      serve: { type: 'string' },
      interval: { type: 'string' },
    },
    async run(ctx) {
      const { consoleCommand } = await import('./api/console-cli.js');
      return consoleCommand(ctx);
    },
  },
  admin: {
    summary: 'accounts at the console: reset-password [--user NAME] (root, daemon stopped), accounts',
    usage: 'patch-depot admin reset-password [--user NAME] | accounts   (root, daemon stopped)',
    flags: { user: { type: 'string' } },
    locksDataDir: () => true,
    async run(ctx) {
      const { adminCommand } = await import('./auth/admin-cli.js');
      return adminCommand(ctx);
    },
  },
  'setup-code': {
    summary: 'print the one-time code first-run setup asks for (root: it is in the data directory)',
    usage: 'patch-depot setup-code [--data-dir DIR]',
    async run(ctx) {
      const { SetupCode } = await import('./auth/setup-code.js');
      const config = ctx.config();
      const codes = new SetupCode(config.dataDir);
      const code = await codes.read().catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EACCES')
          throw new DepotError('FORBIDDEN', `cannot read ${codes.path}: run as root`);
        throw err;
      });
      if (code) {
        process.stdout.write(`${code}\n`);
        return 0;
      }
      process.stderr.write(
        `no setup code in ${config.dataDir}: setup is already done (sign in), or the daemon has not started there yet\n`,
      );
      return 1;
    },
  },
  discover: {
    summary: 'one-shot network scan of a scope; prints the devices found',
    usage:
      'patch-depot discover --scope CIDR|RANGE|IP [--scope ...] [--exclude ADDR|RANGE|CIDR ...] [--json]',
    flags: {
      scope: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    async run(ctx) {
      const { discoverCommand } = await import('./discovery/cli.js');
      return discoverCommand(ctx);
    },
  },
};

const help = (): string => {
  const lines = [
    `patch-depot ${packageVersion()}: patch management for branch offices`,
    '',
    'Usage: patch-depot [COMMAND] [OPTIONS]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`),
    '',
    'Options:',
    '  --data-dir DIR     state, host files and cache (default: $STATE_DIRECTORY or ./.data)',
    '  --config FILE      JSON settings file (default: DATA_DIR/config.json if present)',
    '  --host ADDR        (serve) listen address (default 0.0.0.0)',
    '  --port N           (serve) listen port (default 8080)',
    '  --log-level LEVEL  debug, info, warn or error',
    '  -h, --help         this help; `patch-depot COMMAND --help` for one command',
    '  --version          print the version',
    '',
    'Environment:',
    ...Object.entries(envVars).map(([name, [, , text]]) => `  ${name.padEnd(26)} ${text}`),
  ];
  return `${lines.join('\n')}\n`;
};

const toOverrides = (command: string, values: FlagValues): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (typeof values['data-dir'] === 'string') out.dataDir = values['data-dir'];
  if (typeof values['log-level'] === 'string') out['log.level'] = values['log-level'];
  if (command !== 'serve') return out;
  if (typeof values.host === 'string') out['http.host'] = values.host;
  if (typeof values.port === 'string') {
    if (!/^\d+$/.test(values.port))
      throw new DepotError('CONFIG_INVALID', `--port: expected a number, got "${values.port}"`);
    out['http.port'] = Number(values.port);
  }
  return out;
};

/** node:util's parseArgs explains an unknown flag in terms of positionals and `--`; say it plainly. */
const flagProblem = (err: Error & { code?: string }): string => {
  const flag = /'([^']+)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown option ${flag}`;
  return err.message;
};

export const main = async (argv: string[]): Promise<number | undefined> => {
  if (argv.includes('--version')) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const name = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = argv[0] === name ? argv.slice(1) : argv;
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(help());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`patch-depot: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...commonFlags, ...command.flags }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(
      `patch-depot ${name}: ${flagProblem(err as Error & { code?: string })}\n\nUsage: ${command.usage}\n`,
    );
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const overrides = toOverrides(name, values);
  const ctx: CommandContext = {
    values,
    positionals: parsed.positionals,
    config: () =>
      loadConfig({
        env: process.env,
        file: typeof values.config === 'string' ? values.config : undefined,
        overrides,
      }),
    log: (config) =>
      createLogger({
        level: config.log.level,
        format: config.log.format === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.log.format,
      }),
  };
  if (!command.locksDataDir?.(parsed.positionals)) return command.run(ctx);
  const label = [name, ...parsed.positionals.slice(0, 1)].join(' ');
  const lock = await DataDirLock.acquire(ctx.config().dataDir, label);
  try {
    return await command.run(ctx);
  } finally {
    await lock.release();
  }
};

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    const message =
      err instanceof DepotError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`patch-depot: ${message.replaceAll('\n', '\npatch-depot: ')}\n`);
    process.exitCode = err instanceof DepotError && err.code === 'CONFIG_INVALID' ? 78 : 1;
  },
);
