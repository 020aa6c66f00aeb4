/**
 * The commands for root at the appliance's console: self-update, backup, restore, accounts and
 * the setup code, as the parser, help and usage messages see them. Their work is in their
 * modules, imported only when one runs.
 */
import { BACKUP_PASSPHRASE_ENV } from '../backup/passphrase-env.js';
import { SELF_UPDATE_DIR } from '../self-update/status.js';
import type { CommandSpec, OptionSpec } from './spec.js';

const passphraseFile: OptionSpec = {
  type: 'string',
  arg: 'FILE',
  help: 'a file whose first line is the passphrase; never give it on the command line',
  default: `$${BACKUP_PASSPHRASE_ENV}`,
};

const admin: CommandSpec = {
  summary: 'accounts at the console: reset-password [--user NAME] (root, daemon stopped), accounts',
  subcommands: {
    'reset-password': {
      summary: 'give an account a new random password, printed once (root, daemon stopped)',
      usesDataDir: true,
      needsState: true,
      locksDataDir: true,
      options: { user: { type: 'string', arg: 'NAME', help: 'the account', default: 'admin' } },
      examples: ['sudo patch-depot admin reset-password --data-dir /var/lib/patch-depot'],
      run: async (ctx) => (await import('../auth/admin-cli.js')).adminCommand(ctx),
    },
    accounts: {
      summary: 'list the accounts and their roles (daemon stopped)',
      usesDataDir: true,
      needsState: true,
      locksDataDir: true,
      examples: ['sudo patch-depot admin accounts --data-dir /var/lib/patch-depot'],
      run: async (ctx) => (await import('../auth/admin-cli.js')).adminCommand(ctx),
    },
  },
};

export const adminCommands: Record<string, CommandSpec> = {
  'self-update': {
    summary: "update this appliance's own package in its window, through its cache, rolled back if unhealthy",
    details:
      'Without an option: in the window (selfUpdate.window), finish an interrupted update, else ' +
      'install a newer version if the repository offers one. Exit 1 when the update failed or was rolled back.',
    usesDataDir: true,
    options: {
      now: { type: 'boolean', help: 'update outside the window too (and with selfUpdate.enabled off)' },
      check: { type: 'boolean', help: 'only ask the repository what it offers; installs nothing' },
      status: { type: 'boolean', help: "print the last run's status; touches nothing" },
      json: { type: 'boolean', help: 'print JSON' },
      'state-dir': {
        type: 'string',
        arg: 'DIR',
        help: "self-update's own state and lock",
        default: SELF_UPDATE_DIR,
      },
    },
    examples: [
      'sudo patch-depot self-update --check',
      'sudo patch-depot self-update --now',
      'patch-depot self-update --status --json',
    ],
    run: async (ctx) => (await import('../self-update/cli.js')).selfUpdateCommand(ctx),
  },
  backup: {
    summary: 'write an encrypted backup of the state (not the package cache) to a file',
    usesDataDir: true,
    needsState: true,
    options: {
      out: { type: 'string', arg: 'FILE', required: true, help: 'the backup file to write' },
      'passphrase-file': passphraseFile,
    },
    examples: [
      'patch-depot backup --out /media/usb/site.pdbackup --passphrase-file /root/backup-pass',
      `${BACKUP_PASSPHRASE_ENV}=... patch-depot backup --out site.pdbackup --data-dir /var/lib/patch-depot`,
    ],
    run: async (ctx) => (await import('../backup/cli.js')).backupCommand(ctx),
  },
  restore: {
    summary: 'replace the state with a backup (daemon stopped); the state before is kept aside',
    usesDataDir: true,
    locksDataDir: true,
    args: [{ name: 'FILE', required: true, help: 'the backup file (from patch-depot backup or Settings)' }],
    options: { 'passphrase-file': passphraseFile },
    examples: ['sudo patch-depot restore /media/usb/site.pdbackup --passphrase-file /root/backup-pass'],
    run: async (ctx) => (await import('../backup/cli.js')).restoreCommand(ctx),
  },
  admin,
  'setup-code': {
    summary: 'print the one-time code first-run setup asks for (root: it is in the data directory)',
    usesDataDir: true,
    needsState: true,
    examples: ['sudo patch-depot setup-code --data-dir /var/lib/patch-depot'],
    run: async (ctx) => (await import('../auth/setup-code-cli.js')).setupCodeCommand(ctx),
  },
};
