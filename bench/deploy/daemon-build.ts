/**
 * The daemon as the appliance runs it, so its memory is its own and not the tsx loader's: daemon/
 * and web/ compiled to plain JavaScript file by file (what `npm run build` makes; esbuild does it
 * in seconds where tsc takes a minute on a busy machine, and the type check is `npm test`'s job),
 * with the UI's static files, package.json and a link to node_modules beside them.
 */
import { copyFile, cp, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('../../', import.meta.url));

const sources = async (folder: string): Promise<string[]> =>
  (await readdir(join(repo, folder), { recursive: true }))
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(repo, folder, f));

/** Compile into `dir`; the path of the daemon's main.js. */
export const buildDaemon = async (dir: string): Promise<string> => {
  await build({
    entryPoints: [...(await sources('daemon')), ...(await sources('web'))],
    outdir: dir,
    outbase: repo,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'es2023',
    tsconfig: join(repo, 'tsconfig.json'),
    logLevel: 'warning',
  });
  await cp(join(repo, 'web', 'static'), join(dir, 'web', 'static'), { recursive: true });
  await copyFile(join(repo, 'package.json'), join(dir, 'package.json'));
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'daemon', 'main.js');
};
