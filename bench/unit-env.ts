/**
 * The environment the appliance's unit gives the daemon (systemd/patch-depot.service, its
 * Environment= lines: Node flags in PATCH_DEPOT_NODE_FLAGS, MALLOC_ARENA_MAX, the compile cache,
 * ...), so a bench runs its process as systemd runs the daemon. `cacheDir` replaces the unit's
 * cache directory. BENCH_UNIT_ENV=0 leaves it all out (to measure what it changes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

export const unitEnvironment = (cacheDir?: string): Record<string, string> => {
  if (process.env.BENCH_UNIT_ENV === '0') return {};
  const text = readFileSync(join(root, 'systemd/patch-depot.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const [, line] of text.matchAll(/^Environment=(.*)$/gm)) {
    // Quoted assignments keep their spaces; unquoted ones are split on whitespace (systemd.exec).
    for (const [, quoted, plain] of (line ?? '').matchAll(/"([^"]*)"|(\S+)/g)) {
      const [key, ...value] = (quoted ?? plain ?? '').split('=');
      if (key)
        env[key] = value.join('=').replace('/var/cache/patch-depot', cacheDir ?? '/var/cache/patch-depot');
    }
  }
  return env;
};

/** The Node flags of that environment, as a list. */
export const unitNodeFlags = (env: Record<string, string>): string[] =>
  (env.PATCH_DEPOT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
