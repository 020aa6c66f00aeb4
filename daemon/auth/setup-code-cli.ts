/**
 * `patch-depot setup-code`: print the one-time code first-run setup asks for. It is in the data
 * directory, readable by root only, so only someone at the appliance can claim it.
 */
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { SetupCode } from './setup-code.js';

export const setupCodeCommand = async (ctx: CommandContext): Promise<number> => {
  const config = ctx.config();
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
