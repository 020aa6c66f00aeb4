/**
 * `patch-depot setup-code`: print the one-time code first-run setup asks for. It is in the data
 * directory, readable by root only, so only someone at the appliance can claim it.
 */
import { existsSync } from 'node:fs';
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { SetupCode } from './setup-code.js';

export const setupCodeCommand = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
  if (!existsSync(config.dataDir)) {
    process.stderr.write(
      `patch-depot setup-code: the data directory ${config.dataDir} does not exist: give the daemon's (--data-dir, or PATCH_DEPOT_DATA_DIR)\n`,
    );
    return 1;
  }
  const codes = new SetupCode(config.dataDir);
  const code = await codes.read().catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EACCES') throw new DepotError('FORBIDDEN', `cannot read ${codes.path}: run as root`);
    throw err;
  });
  if (code) {
    process.stdout.write(`${code}\n`);
    return 0;
  }
  process.stderr.write(
    `patch-depot setup-code: no setup code in ${config.dataDir}: setup is already done (sign in), or the daemon has not started there yet\n`,
  );
  return 1;
};
