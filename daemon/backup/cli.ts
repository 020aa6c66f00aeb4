/**
 * `patch-depot backup --out FILE` and `patch-depot restore FILE`, at the appliance's console. The
 * passphrase comes from `--passphrase-file` (its first line) or PATCH_DEPOT_BACKUP_PASSPHRASE,
 * never from the command line, where every user could read it in the process list. A backup may
 * be taken while the daemon runs (the Settings page is the better way then: it saves the state
 * first); a restore needs the daemon stopped, and swaps the state in at once.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { finishRestore, skipInBackup, stageRestore, writeBackup } from './backup.js';
import { cacheWithin } from './cache-within.js';

export const BACKUP_ENV = 'PATCH_DEPOT_BACKUP_PASSPHRASE';

const passphraseOf = async (ctx: CommandContext): Promise<string> => {
  const file = ctx.values['passphrase-file'];
  if (typeof file === 'string') {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new DepotError('BAD_INPUT', `--passphrase-file: cannot read ${file} (${err.code})`);
    });
    return text.split('\n')[0]!.replace(/\r$/, '');
  }
  const env = process.env[BACKUP_ENV];
  if (env) return env;
  throw new DepotError(
    'BAD_INPUT',
    `give the passphrase with --passphrase-file FILE or ${BACKUP_ENV} (never on the command line)`,
  );
};

export const backupCommand = async (ctx: CommandContext): Promise<number> => {
  const out = ctx.values.out;
  if (typeof out !== 'string') throw new DepotError('BAD_INPUT', 'name the backup file with --out FILE');
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
  if (!file) throw new DepotError('BAD_INPUT', 'name the backup file: patch-depot restore FILE');
  const passphrase = await passphraseOf(ctx);
  const config = ctx.config();
  const { files } = await stageRestore(config.dataDir, createReadStream(file), passphrase);
  const { previous } = await finishRestore(config.dataDir, ctx.log(config));
  process.stdout.write(
    `restored ${files} files into ${config.dataDir}${previous ? `; the state before is kept in ${previous}` : ''}\n`,
  );
  return 0;
};
