/**
 * Debian's auto-apt-proxy finds an apt-cacher-ng on port 3142 by fetching `/` with apt-helper and
 * looking for apt-cacher-ng's `406 Usage Information` in what apt-helper prints. The proxy port
 * answers `/` the same way: checked here with apt-helper itself and the pattern read from the
 * auto-apt-proxy script (.ci/run unpacks it; the lab test runs the whole script on a managed host).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { cacheStack } from '../../support/cache-stack.js';

const run = promisify(execFile);
const AUTO_APT_PROXY = '/opt/patch-depot-peers/usr/bin/auto-apt-proxy';
const APT_HELPER = '/usr/lib/apt/apt-helper';

/** The `grep -q -i` pattern of the script's apt-cacher-ng detector. */
const detectorPattern = (): RegExp => {
  const script = readFileSync(AUTO_APT_PROXY, 'utf8');
  const body = /detect_apt_cacher_ng\(\) \{([\s\S]*?)\n\}/.exec(script)?.[1] ?? '';
  const grep = /grep -q -i '([^']+)'/.exec(body)?.[1];
  if (!grep) throw new Error(`no grep pattern in detect_apt_cacher_ng of ${AUTO_APT_PROXY}`);
  return new RegExp(grep, 'i');
};

const skip = !existsSync(APT_HELPER)
  ? 'apt-helper is not installed (apt)'
  : !existsSync(AUTO_APT_PROXY)
    ? `auto-apt-proxy is not unpacked at ${AUTO_APT_PROXY} (.ci/run does it)`
    : false;

test('auto-apt-proxy takes the proxy port for an apt-cacher-ng', { skip }, async (t) => {
  const s = await cacheStack(t);
  const pattern = detectorPattern();
  t.diagnostic(`auto-apt-proxy looks for /${pattern.source}/i`);
  // The script's own `hit`: apt-helper, no proxy, no retries, whatever it prints on stdout or stderr.
  const out = await run(
    APT_HELPER,
    [
      '-o',
      'Acquire::http::Proxy=DIRECT',
      '-o',
      'Acquire::Retries=0',
      '-o',
      'APT::Sandbox::User=root',
      'download-file',
      s.proxyUrl,
      join(s.root, 'auto-apt-proxy-probe'),
    ],
    { timeout: 10_000 },
  ).then(
    (r) => r.stdout + r.stderr,
    (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
  );
  assert.match(out, pattern, `apt-helper printed:\n${out}`);

  const res = await fetch(`${s.proxyUrl}/`);
  assert.equal(res.status, 406);
  assert.equal(res.statusText, 'Usage Information');
  assert.match(await res.text(), /Acquire::http::Proxy/, 'the body says how to use the port');
  // Only `/`: anything else that is not a proxy request is still a plain 400 with the same help.
  assert.equal((await fetch(`${s.proxyUrl}/index.html`)).status, 400);
});
