/**
 * Every `patch-depot` command: what it takes (options with help and defaults, arguments, what is
 * required), examples, and where its work lives (imported only when it runs). The parser, the
 * help and the error report read this table; the commands themselves only do their work.
 */
import { adminCommands } from './admin-commands.js';
import { catalog } from './catalog-command.js';
import { deploy } from './deploy-command.js';
import { type CommandSpec, json, wholeNumber } from './spec.js';

const port = (what: string, dflt: string, min = 1) =>
  ({
    type: 'string',
    arg: 'N',
    help: what,
    default: dflt,
    check: wholeNumber(min, 65535, 'a port'),
  }) as const;

const serve: CommandSpec = {
  summary: 'run the appliance daemon: web UI, API and background services (default)',
  details:
    'Runs until SIGTERM or Ctrl-C. After a restore from the web UI it exits 75 so that systemd ' +
    '(Restart=on-failure) starts it again on the restored state.',
  usesDataDir: true,
  // The listen address; other commands use --host/--port for their own targets (e.g. SSH).
  options: {
    host: {
      type: 'string',
      arg: 'ADDR',
      help: 'listen address of the web UI and API',
      default: '$PATCH_DEPOT_HOST, else http.host of config.json, else 0.0.0.0',
    },
    // 0: any free port (tests read the one taken from the log).
    port: port(
      'port of the web UI and API',
      '$PATCH_DEPOT_PORT, else http.port of config.json, else 8080',
      0,
    ),
  },
  examples: [
    'patch-depot serve',
    'patch-depot serve --data-dir /var/lib/patch-depot --port 8080',
    'patch-depot serve --host 127.0.0.1 --port 9000 --log-level debug',
  ],
  run: async (ctx) => {
    const config = ctx.config();
    const { serve } = await import('../serve.js');
    await serve(config, ctx.log(config), ctx.configSource);
    return undefined; // keep running until a signal
  },
};

const inventory: CommandSpec = {
  summary: "collect one host's OS, kernel and installed packages over SSH now; prints them",
  details:
    'Uses the SSH key, pinned host keys and host directory of the data directory: give the ' +
    "daemon's (--data-dir or PATCH_DEPOT_DATA_DIR), or this command works on a different set.",
  // It locks the data directory itself, once it knows which (daemon/inventory/cli.ts).
  usesDataDir: true,
  // It checks the data directory itself: --public-key may start a new one (inventory/cli.ts).
  options: {
    host: {
      type: 'string',
      arg: 'ADDR',
      required: { unless: 'public-key' },
      help: 'the host: an address, or a host id the daemon knows',
    },
    user: { type: 'string', arg: 'USER', help: 'SSH user', default: "the host's stored user, else yours" },
    port: port('SSH port', "the host's stored port, else 22"),
    json,
    'accept-host-key': {
      type: 'string',
      arg: 'SHA256:...',
      help: 'accept this changed host key (verify it on the host first)',
    },
    'public-key': { type: 'boolean', help: "print the appliance's public key line for authorized_keys" },
  },
  examples: [
    'patch-depot inventory --public-key --data-dir /var/lib/patch-depot',
    'patch-depot inventory --host 192.168.1.20 --user deploy',
    'patch-depot inventory --host 192.168.1.20 --accept-host-key SHA256:...',
  ],
  run: async (ctx) => (await import('../inventory/cli.js')).inventoryCommand(ctx),
};

const assess: CommandSpec = {
  summary: 'offline assessment: installed packages vs feed files; one line per missing fix',
  details: 'Exit 1 also when no feed covers the host release (the feeds it has are named).',
  usesDataDir: true,
  options: {
    inventory: {
      type: 'string',
      arg: 'FILE',
      required: true,
      help: 'the installed packages: `dpkg-query -W`, `rpm -qa` or `apk list --installed` output',
    },
    'os-release': { type: 'string', arg: 'FILE', required: true, help: "the host's /etc/os-release" },
    feed: {
      type: 'string',
      arg: 'FILE',
      multiple: true,
      required: true,
      help: 'a feed file: tracker JSON, OSV record or zip, signed manifest',
    },
    'host-id': { type: 'string', arg: 'NAME', help: 'the name printed for the host', default: 'host' },
    'trusted-key': {
      type: 'string',
      arg: 'KEY',
      multiple: true,
      help: 'a public key a signed feed may use',
      default: 'none: signed feeds are refused',
    },
    json: { type: 'boolean', help: 'one JSON object per missing fix' },
  },
  examples: [
    'patch-depot assess --inventory pc9-dpkg.txt --os-release pc9-os-release --feed debian-tracker.json',
    'dpkg-query -W > pkgs.txt; patch-depot assess --inventory pkgs.txt --os-release /etc/os-release --feed osv.zip --json',
  ],
  run: async (ctx) => (await import('../assess/cli.js')).assessCommand(ctx),
};

const discover: CommandSpec = {
  summary: 'one-shot network scan of a scope; prints the devices found',
  details: 'No scope, no probe: nothing is sent outside the addresses given.',
  usesDataDir: true,
  options: {
    scope: {
      type: 'string',
      arg: 'CIDR|RANGE|IP',
      multiple: true,
      required: true,
      help: 'addresses to scan (192.168.1.0/24, 10.0.0.10-50, 10.0.0.7)',
    },
    exclude: {
      type: 'string',
      arg: 'CIDR|RANGE|IP',
      multiple: true,
      help: 'addresses never touched',
      default: 'none',
    },
    json,
  },
  examples: ['patch-depot discover --scope 192.168.1.0/24 --exclude 192.168.1.1'],
  run: async (ctx) => (await import('../discovery/cli.js')).discoverCommand(ctx),
};

const consoleCommand: CommandSpec = {
  summary: "the reference console: pull several appliances' signed summaries into one table",
  subcommands: {
    pull: {
      summary: "pull each site's signed summary and print one table (exit 1 when a site could not be pulled)",
      details:
        'The last verified summary of each site is kept in a state file beside the sites file; a site ' +
        'that does not answer keeps its last figures, marked stale.',
      options: {
        sites: {
          type: 'string',
          arg: 'FILE',
          required: true,
          help: 'the sites: {"sites": [{"name", "url", "token" or "tokenFile", "publicKey"}]}',
        },
        state: {
          type: 'string',
          arg: 'FILE',
          help: 'where the last verified summaries are kept',
          default: 'SITES.state.json beside the sites file',
        },
        json: { type: 'boolean', help: 'print the rows as JSON' },
        serve: {
          type: 'string',
          arg: '[ADDR:]PORT',
          help: 'serve the table as a page (and /sites.json) and pull again every --interval',
          default: 'print once and exit; ADDR 127.0.0.1',
          check: (v) =>
            /^(?:.+:)?\d{1,5}$/.test(v) && Number(v.split(':').at(-1)) <= 65535
              ? undefined
              : 'give ADDR:PORT or PORT',
        },
        interval: {
          type: 'string',
          arg: 'SEC',
          help: 'seconds between pulls with --serve',
          default: '60',
          check: wholeNumber(10, 86_400, 'whole seconds'),
        },
        'allowed-hosts': {
          type: 'string',
          arg: 'NAME,...',
          help: 'names the --serve page answers to besides IP addresses, localhost and this machine',
          default: 'none',
        },
      },
      examples: [
        'patch-depot console pull --sites sites.json',
        'patch-depot console pull --sites sites.json --serve 127.0.0.1:9090 --interval 300',
      ],
      run: async (ctx) => (await import('../api/console-cli.js')).consoleCommand(ctx),
    },
  },
};

export const commands: Record<string, CommandSpec> = {
  serve,
  inventory,
  'self-update': adminCommands['self-update']!,
  assess,
  catalog,
  deploy,
  backup: adminCommands.backup!,
  restore: adminCommands.restore!,
  console: consoleCommand,
  admin: adminCommands.admin!,
  'setup-code': adminCommands['setup-code']!,
  discover,
};
