/**
 * A one-shot command on the data directory of a daemon started with its own settings file (the
 * lab's `--config`) reads that file: `deploy plan --data-dir` once put every lab host in group
 * `default`, ring 2, while the daemon had pilots in ring 0.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { settingsLoader } from '../../../daemon/cli/running-config.js';
import { DataDirLock } from '../../../daemon/store/data-dir-lock.js';
import { tempDir } from '../../temp-dir.js';

const GROUPS = { deploy: { groups: [{ name: 'pilot', ring: 0, members: ['10.0.0.5'] }] } };

const site = async (t: TestContext) => {
  const dataDir = await tempDir(t);
  const file = join(await tempDir(t), 'lab-config.json');
  await writeFile(file, JSON.stringify(GROUPS));
  const source = (f?: string) => ({ env: {}, file: f, overrides: { dataDir } });
  return { dataDir, file, source };
};

test("without --config or DATA_DIR/config.json, a command reads the running daemon's file and says so", async (t) => {
  const s = await site(t);
  const lock = await DataDirLock.acquire(s.dataDir, 'serve', undefined, s.file);
  t.after(() => lock.release());
  const said: string[] = [];
  const load = settingsLoader('deploy plan', s.source(), (l) => said.push(l));
  assert.deepEqual(
    load().deploy.groups.map((g) => [g.name, g.ring]),
    [['pilot', 0]],
  );
  load();
  assert.equal(said.length, 1, 'said once');
  assert.match(said[0]!, new RegExp(`settings from ${s.file}, the file the daemon running on`));
  // setup-code reads one file of the data directory: the note would be noise there.
  const quiet: string[] = [];
  settingsLoader('setup-code', s.source(), (l) => quiet.push(l))();
  assert.deepEqual(quiet, []);
  // serve itself, an explicit --config and a config.json of the data directory win.
  assert.deepEqual(settingsLoader('serve', s.source(), () => {})().deploy.groups, []);
  const other = join(s.dataDir, 'other.json');
  await writeFile(other, '{}');
  assert.deepEqual(settingsLoader('deploy plan', s.source(other), () => {})().deploy.groups, []);
  await writeFile(join(s.dataDir, 'config.json'), '{}');
  assert.deepEqual(settingsLoader('deploy plan', s.source(), () => {})().deploy.groups, []);
});

test('no daemon running, or one without a settings file of its own: the defaults, silently', async (t) => {
  const s = await site(t);
  const said: string[] = [];
  assert.deepEqual(settingsLoader('deploy plan', s.source(), (l) => said.push(l))().deploy.groups, []);
  const lock = await DataDirLock.acquire(s.dataDir, 'serve');
  t.after(() => lock.release());
  assert.deepEqual(settingsLoader('deploy plan', s.source(), (l) => said.push(l))().deploy.groups, []);
  await lock.release();
  // A dead holder's file is not read (its pid is gone).
  await writeFile(
    join(s.dataDir, '.lock'),
    JSON.stringify({ pid: 2 ** 22 + 7, startTime: null, command: 'serve', since: 'x', config: s.file }),
  );
  assert.deepEqual(settingsLoader('deploy plan', s.source(), (l) => said.push(l))().deploy.groups, []);
  assert.deepEqual(said, []);
});
