/**
 * `patch-depot backup --out FILE` and `patch-depot restore FILE`, at the appliance's console. The
 * passphrase comes from `--passphrase-file` (its first line) or PATCH_DEPOT_BACKUP_PASSPHRASE,
 * never from the command line, where every user could read it in the process list. A backup may
 * be taken while the daemon runs (the Settings page is the better way then: it saves the state
 * first); a restore needs the daemon stopped, and swaps the state in at once.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { readInputFile } from '../cli/input-file.js';
import { type CommandContext, UsageError } from '../cli-context.js';
import { finishRestore, skipInBackup, stageRestore, writeBackup } from './backup.js';
import { cacheWithin } from './cache-within.js';
import { BACKUP_PASSPHRASE_ENV } from './passphrase-env.js';

export const BACKUP_ENV = BACKUP_PASSPHRASE_ENV;

const passphraseOf = async (ctx: CommandContext): Promise<string> => {
  const file = ctx.values['passphrase-file'];
  if (typeof file === 'string') {
    const text = (await readInputFile('passphrase-file', file)).toString('utf8');
    return text.split('\n')[0]!.replace(/\r$/, '');
  }
  const env = process.env[BACKUP_ENV];
  if (env) return env;
  throw new UsageError(
    `give the passphrase with --passphrase-file FILE or ${BACKUP_ENV} (never on the command line)`,
  );
};

export const backupCommand = async (ctx: CommandContext): Promise<number> => {
  const out = ctx.values.out;
  if (typeof out !== 'string') throw new UsageError('missing --out FILE');
  const passphrase = await passphraseOf(ctx);
  const config = ctx.config();
  // Written beside its name and renamed when complete: a failed backup leaves no half file.
  const temp = `${out}.partial`;
  try {
    const { files } = await writeBackup(
      config.dataDir,
      createWriteStream(temp, { mode: 0o600 }),
      passphrase,
      skipInBackup(cacheWithin(config)),
    );
    await rename(temp, out);
    process.stdout.write(
      `backup of ${config.dataDir} written to ${out} (${files} files; the package cache is not included)\n`,
    );
    return 0;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
};

export const restoreCommand = async (ctx: CommandContext): Promise<number> => {
  const [file] = ctx.positionals;
  if (!file) throw new UsageError('missing FILE: the backup to restore');
  const passphrase = await passphraseOf(ctx);
  const config = ctx.config();
  const { files } = await stageRestore(config.dataDir, createReadStream(file), passphrase);
  const { previous } = await finishRestore(config.dataDir, ctx.commandLog(config, 'info'));
  process.stdout.write(
    `restored ${files} files into ${config.dataDir}${previous ? `; the state before is kept in ${previous}` : ''}\n`,
  );
  return 0;
};
