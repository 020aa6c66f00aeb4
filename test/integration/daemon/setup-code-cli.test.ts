/** `patch-depot setup-code`: prints the code the daemon made, and says why when there is none. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SetupCode } from '../../../daemon/auth/setup-code.js';
import { tempDir } from '../../temp-dir.js';

const cli = (dataDir: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'daemon/main.ts', 'setup-code', '--data-dir', dataDir], {
    encoding: 'utf8',
  });

test('setup-code prints the one-time code, or says setup is done or not started', async (t) => {
  const dir = await tempDir(t);
  const notDaemons = cli(dir);
  assert.equal(notDaemons.status, 2);
  assert.match(notDaemons.stderr, /is not a Patch Depot data directory \(it has no state\.json\)/);
  writeFileSync(join(dir, 'state.json'), '{}');
  const none = cli(dir);
  assert.equal(none.status, 1);
  assert.match(
    none.stderr,
    /no setup code in .*: setup is already done \(sign in\), or the daemon has not started/,
  );
  assert.doesNotMatch(none.stderr, /\n\s+at /, 'no stack trace');
  // A data directory that is not there is a typo, not a finished setup: said so.
  const typo = cli(`${dir}/nope`);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /the data directory .*\/nope does not exist/);
  const code = await new SetupCode(dir).ensure();
  const shown = cli(dir);
  assert.equal(shown.status, 0, shown.stderr);
  assert.equal(shown.stdout, `${code}\n`);
});
