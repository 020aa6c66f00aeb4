// After tsc and copy-assets: the daemon's entry (dist/daemon/main.js) and its feed worker become
// one file each, with every package they import inside. The appliance then starts from two files,
// not ~900 modules resolved (a realpath per file), read and compiled one by one: at 5,000 hosts
// that was ~0.4 s of a 1.7 s start on a quiet machine and over 1 s on a busy one (bench/daemon).
// The other compiled files stay in dist/ (tests and tools import them). ssh2 is inside too, loaded
// when first used as before (an external package's import would be hoisted to the bundle's top and
// load at start); its optional native parts (cpu-features, a .node binding, never built for the
// appliance) stay outside, and ssh2 falls back to JavaScript without them as it does there. Files
// read at run time (oui-data, htmx.min.js) are found in node_modules as before. Usage: node scripts/bundle-daemon.mjs [OUT_DIR] (default dist).
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const bundleDaemon = async (out = 'dist') => {
  const daemon = join(out, 'daemon');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Stack traces in the journal name functions as the source does.
    keepNames: true,
    // No comments or indentation: V8 keeps the whole source of a script in the heap for as long as
    // the script lives (lazy functions are compiled from it), and a single non-ASCII character
    // anywhere (an en dash in a comment) makes it a two-byte string. At 5.3 MB that was 10.4 MiB of
    // the idle daemon's 42 MiB of live heap; without comments and ASCII-only it is 3.9 MiB. Names
    // are kept (keepNames, no identifier minification), so a stack trace still reads; its position
    // is a column in a line of the bundle.
    minifyWhitespace: true,
    charset: 'ascii',
    // The packages' licence notices go to main.js.LEGAL.txt beside the bundle, named at its end.
    legalComments: 'linked',
    external: ['cpu-features', '*.node'],
    allowOverwrite: true,
    logLevel: 'warning',
    // Packages written as CommonJS call require() for Node's modules and may look at __dirname
    // (ssh2's poly1305): give the ESM bundle both.
    banner: {
      js: [
        "import { createRequire as __pdCreateRequire } from 'node:module';",
        "import { dirname as __pdDirname } from 'node:path';",
        "import { fileURLToPath as __pdFileURLToPath } from 'node:url';",
        'const require = __pdCreateRequire(import.meta.url);',
        'const __filename = __pdFileURLToPath(import.meta.url);',
        'const __dirname = __pdDirname(__filename);',
      ].join('\n'),
    },
  };
  await build({ ...common, entryPoints: [join(daemon, 'main.js')], outfile: join(daemon, 'main.js') });
  assertAscii(join(daemon, 'main.js'));
  // tsc's map of the entry it replaced would mislead whoever opens it.
  rmSync(join(daemon, 'main.js.map'), { force: true });
  // worker-feed-parser starts the worker from beside itself: in the bundle, that is daemon/.
  await build({
    ...common,
    entryPoints: [join(daemon, 'catalog/feed-worker.js')],
    outfile: join(daemon, 'feed-worker.js'),
  });
  assertAscii(join(daemon, 'feed-worker.js'));
  // web/static-assets reads ./static beside itself: in the bundle, daemon/static.
  cpSync(fileURLToPath(new URL('../web/static', import.meta.url)), join(daemon, 'static'), {
    recursive: true,
  });
};

/**
 * esbuild escapes non-ASCII characters in strings, not in regular expression literals: a bundle
 * that is not ASCII (see minifyWhitespace above) names the place, to be written as \uXXXX there.
 */
const assertAscii = (file) => {
  const bytes = readFileSync(file);
  const at = bytes.findIndex((b) => b > 0x7f);
  if (at >= 0) {
    const text = bytes.toString('latin1');
    throw new Error(
      `${file} is not ASCII at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))} (use \\u escapes in the source)`,
    );
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await bundleDaemon(process.argv[2]);
