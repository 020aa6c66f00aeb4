/**
 * `patch-depot admin reset-password [--user NAME]`: for root at the appliance when nobody can
 * sign in. The daemon must be stopped (it holds the data directory); the account gets a new random
 * password, printed once, and is signed out everywhere. The state file keeps the data directory's
 * owner, so a daemon running as systemd's dynamic user can still read it.
 * `patch-depot admin accounts` lists the accounts and their roles.
 */
import { chown, stat } from 'node:fs/promises';
import { type CommandContext, UsageError } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { StateStore } from '../store/state-store.js';
import { AuthService } from './auth-service.js';
import { SetupCode } from './setup-code.js';
import { DEFAULT_ADMIN } from './user-name.js';

export const adminCommand = async (ctx: CommandContext): Promise<number> => {
  const [sub] = ctx.positionals;
  // The parser (daemon/cli/admin-commands.ts) lets only these through.
  if (sub !== 'reset-password' && sub !== 'accounts') throw new UsageError(`unknown subcommand "${sub}"`);
  const config = ctx.config();
  // stderr, warnings only: stdout is the command's answer (a password, the accounts).
  const log = ctx.commandLog(config);
  const store = new StateStore({
    dataDir: config.dataDir,
    debounceMs: 0,
    maxDelayMs: 0,
    log: log.child('store'),
  });
  await store.start();
  try {
    const auth = new AuthService(store, {
      setupCode: new SetupCode(config.dataDir),
      sessionTtlHours: config.auth.sessionTtlHours,
      loginAttemptsPerMinute: config.auth.loginAttemptsPerMinute,
      log: log.child('auth'),
    });
    if (sub === 'accounts') {
      if (!auth.isSetUp())
        process.stderr.write(
          'patch-depot admin accounts: no account yet: finish first-run setup in the web UI (patch-depot setup-code prints its code)\n',
        );
      for (const a of auth.accounts.list())
        process.stdout.write(`${a.name}\t${a.role}\tpassword set ${a.passwordSetAt}\n`);
      return 0;
    }
    if (!auth.isSetUp()) {
      throw new DepotError(
        'CONFLICT',
        'no account yet: finish first-run setup in the web UI (patch-depot setup-code prints its code)',
      );
    }
    const name = typeof ctx.values.user === 'string' ? ctx.values.user.trim().toLowerCase() : DEFAULT_ADMIN;
    const password = await auth.accounts.resetPassword(name);
    await store.flush();
    // Root wrote the file: give it back to whoever owns the data directory (the daemon's user).
    const owner = await stat(config.dataDir);
    await chown(store.path, owner.uid, owner.gid);
    process.stdout.write(`New password for ${name} (shown once; signed out everywhere):\n${password}\n`);
    return 0;
  } finally {
    await store.stop();
  }
};
