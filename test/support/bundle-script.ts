/**
 * Bundle a TypeScript child script into one plain ESM file, so a test that starts it dozens of times
 * (the kill -9 campaign) pays neither the tsx loader nor per-module transpiling on every start.
 */
import { join } from 'node:path';
import { build } from 'esbuild';

export const bundleScript = async (entry: string, outDir: string): Promise<string> => {
  const outfile = join(outDir, 'bundled-child.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // CommonJS dependencies bundled into ESM still call require() for node built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
};
