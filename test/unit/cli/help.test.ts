/** `--help` of every command and subcommand: usage, every option with its default, examples. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../../daemon/cli/commands.js';
import { commandHelp, topHelp } from '../../../daemon/cli/help.js';
import { type CommandSpec, optionsOf } from '../../../daemon/cli/spec.js';

const leaves = (): Array<[string[], CommandSpec]> =>
  Object.entries(commands).flatMap(
    ([name, spec]): Array<[string[], CommandSpec]> => [
      [[name], spec],
      ...Object.entries(spec.subcommands ?? {}).map(([sub, s]): [string[], CommandSpec] => [[name, sub], s]),
    ],
  );

test('every --help has usage, examples and the exit codes; each option its default', () => {
  for (const [path, spec] of leaves()) {
    const help = commandHelp(path, spec);
    const where = `patch-depot ${path.join(' ')} --help`;
    assert.match(help, /^Usage: patch-depot |^Usage:\n {2}patch-depot /m, where);
    assert.match(
      help,
      /\nExamples:\n {2}(sudo |\S+=\S+ |dpkg-query )?(.*; )?patch-depot /,
      `${where}: examples`,
    );
    assert.match(help, /Exit codes: 0 done, 1 failed, 2 usage mistake, 78 bad settings\./, where);
    if (spec.subcommands) continue;
    for (const [name, o] of Object.entries(optionsOf(spec))) {
      assert.ok(help.includes(`--${name}`), `${where} lists --${name}`);
      if (o.default) assert.ok(help.includes(`default: ${o.default}`), `${where}: default of --${name}`);
    }
  }
});

test('the overall --help names every command, where settings live and the exit codes', () => {
  const help = topHelp({ version: '1.2.3', commands, env: [['PATCH_DEPOT_PORT', 'TCP port']] });
  for (const name of Object.keys(commands)) assert.match(help, new RegExp(`^ {2}${name} `, 'm'));
  assert.match(
    help,
    /--data-dir DIR +.*default: \$PATCH_DEPOT_DATA_DIR, else \$STATE_DIRECTORY, else \.\/\.data/,
  );
  assert.match(help, /--config FILE +.*default: DATA_DIR\/config\.json/);
  assert.match(help, /PATCH_DEPOT_PORT +TCP port/);
  assert.match(help, /Exit codes: 0 done, 1 failed, 2 usage mistake, 78 bad settings\./);
});

test('the command list names the subcommands a command takes, so `deploy list` is not a guess', () => {
  const help = topHelp({ version: '1.2.3', commands, env: [] });
  for (const [name, spec] of Object.entries(commands)) {
    const line = help.split('\n').find((l) => l.startsWith(`  ${name} `)) ?? '';
    for (const sub of Object.keys(spec.subcommands ?? {}))
      assert.match(line, new RegExp(`\\b${sub}\\b`), `patch-depot --help: ${name} names ${sub}`);
  }
});
