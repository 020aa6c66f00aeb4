/**
 * Run a TypeScript entry point of this repository inside a lab namespace
 * (`ip netns exec NS node --import tsx ...`), from the repository root; resolves with stdout.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

export const tsxInNamespace = async (
  ns: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> => {
  const { stdout } = await execFileP(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--import', 'tsx', ...args],
    {
      cwd: repo,
      env: { ...process.env, ...env },
      maxBuffer: 16 << 20,
    },
  );
  return stdout;
};
