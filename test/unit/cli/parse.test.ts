/**
 * The one command-line parser against the real command table: every mistake comes back as the
 * problems a technician reads (one per line), never as a throw, and a good line as what runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commands } from '../../../daemon/cli/commands.js';
import { type Parsed, parseCommandLine } from '../../../daemon/cli/parse.js';
import { suggest } from '../../../daemon/cli/suggest.js';

const parse = (...argv: string[]): Parsed => parseCommandLine(argv, commands, 'serve');
const problems = (...argv: string[]): string[] => {
  const p = parse(...argv);
  assert.equal(p.kind, 'usage', `${argv.join(' ')}: expected a usage mistake, got ${p.kind}`);
  return p.kind === 'usage' ? p.problems : [];
};

describe('suggest', () => {
  it('names the nearest known name, or nothing when none is near', () => {
    const known = ['--scope', '--exclude', '--json'];
    assert.equal(suggest('--exlude', known), '--exclude');
    assert.equal(suggest('--Exclude', known), '--exclude');
    assert.equal(suggest('--jsno', known), '--json', 'a swapped pair');
    assert.equal(suggest('--frobnicate', known), undefined);
    assert.equal(suggest('--in', ['--out']), undefined, 'short names need a close match');
    assert.equal(suggest('--pub', ['--public-key', '--port']), '--public-key', 'the one name it starts');
    assert.equal(suggest('--p', ['--public-key', '--port']), undefined, 'too short, and two names start so');
  });
});

describe('parseCommandLine', () => {
  it('an unknown option gets the nearest one of its command', () => {
    assert.deepEqual(problems('discover', '--scope', '10.0.0.0/24', '--exlude', '10.0.0.1'), [
      'unknown option --exlude; did you mean --exclude?',
    ]);
  });

  it("an option of another command is named as that command's", () => {
    assert.deepEqual(problems('catalog', 'status', '--bundle', 'x.zip'), [
      'unknown option --bundle (catalog import takes it)',
    ]);
    assert.deepEqual(problems('--scope', '10.0.0.0/24'), ['unknown option --scope (discover takes it)']);
    assert.deepEqual(problems('--exlude', '10.0.0.1'), [
      'unknown option --exlude (did you mean `patch-depot discover --exclude`?)',
    ]);
  });

  it('names every missing required option on its own line', () => {
    const p = problems('catalog', 'bundle', '--out', 'b.zip');
    assert.deepEqual(
      p.map((line) => line.split(':')[0]),
      ['missing --key FILE', 'missing --sequence N', 'missing --feed ID=PATH'],
    );
    assert.deepEqual(
      problems('assess', '--feed', 'f.json').map((line) => line.split(':')[0]),
      ['missing --inventory FILE', 'missing --os-release FILE'],
    );
    assert.match(problems('inventory')[0]!, /^missing --host ADDR: .*\(or give --public-key\)$/);
    assert.deepEqual(problems('deploy', 'plan'), ['give at least one of --advisory, --package or --host']);
    assert.match(problems('restore')[0]!, /^missing FILE: /);
  });

  it('says what is wrong with a value, a repeated option, a flag with a value, an extra argument', () => {
    assert.deepEqual(problems('serve', '--port', 'http'), ['--port http: expected a port from 0 to 65535']);
    assert.deepEqual(problems('catalog', 'import', '--bundle', 'a', '--bundle', 'b'), [
      '--bundle given more than once',
    ]);
    assert.deepEqual(problems('discover', '--scope', '10.0.0.1', '--json=yes'), [
      '--json takes no value (got "yes")',
    ]);
    assert.deepEqual(problems('discover', '--scope'), ['--scope needs a value: --scope CIDR|RANGE|IP']);
    // An empty value (`--data-dir=`, or `--data-dir "$UNSET"`) is no value: said so, not a schema's
    // "dataDir: Too small: expected string to have >=1 characters" with exit code 78.
    assert.deepEqual(problems('serve', '--data-dir='), ['--data-dir needs a value: --data-dir DIR']);
    assert.deepEqual(problems('serve', '--host', ''), ['--host needs a value: --host ADDR']);
    assert.deepEqual(problems('serve', '--port='), ['--port needs a value: --port N']);
    assert.deepEqual(problems('catalog', 'status', 'now'), ['unexpected argument "now"']);
  });

  it('an unknown command or subcommand gets the nearest one', () => {
    assert.deepEqual(problems('discovr'), ['unknown command "discovr"; did you mean discover?']);
    assert.deepEqual(problems('catalog', 'statu'), ['unknown subcommand "statu"; did you mean status?']);
    // A word another tool uses for it: list and show are status here.
    assert.deepEqual(problems('deploy', 'list'), ['unknown subcommand "list"; did you mean status?']);
    assert.deepEqual(problems('deploy', 'Show', 'dep-1'), [
      'unknown subcommand "Show"; did you mean status?',
    ]);
    assert.deepEqual(problems('catalog', 'ls'), ['unknown subcommand "ls"; did you mean status?']);
    assert.deepEqual(problems('admin'), ['give a subcommand: reset-password, accounts']);
  });

  it('an option no subcommand takes is named, not its value taken for a subcommand', () => {
    // console takes no --data-dir: /d is that option's value, not a subcommand "/d".
    assert.deepEqual(problems('console', '--data-dir', '/d'), ['unknown option --data-dir (before "/d")']);
    assert.deepEqual(problems('console', '--data-dir', '/d', 'pull', '--sites', 's.json'), [
      'unknown option --data-dir (before "/d")',
    ]);
    // an option a subcommand takes still carries its value: --sites s.json pull is pull.
    assert.equal(parse('console', '--sites', 's.json', 'pull').kind, 'run');
  });

  it("`help COMMAND` is that command's --help, as git and systemctl take it", () => {
    assert.deepEqual(parse('help'), { kind: 'help', path: [] });
    assert.deepEqual(parse('help', 'deploy'), { kind: 'help', path: ['deploy'] });
    assert.deepEqual(parse('help', 'deploy', 'plan'), { kind: 'help', path: ['deploy', 'plan'] });
    assert.deepEqual(problems('help', 'deplyo'), ['unknown command "deplyo"; did you mean deploy?']);
  });

  it('a good line runs, options anywhere around the command; --help and --version win', () => {
    const p = parse('--data-dir', '/d', 'catalog', '--config', '/c.json', 'status');
    assert.equal(p.kind, 'run');
    if (p.kind !== 'run') return;
    assert.deepEqual(p.path, ['catalog', 'status']);
    assert.deepEqual(p.positionals, ['status'], 'the subcommand comes first');
    assert.equal(p.values['data-dir'], '/d');
    assert.equal(p.values.config, '/c.json');
    const serve = parse('--port', '9000');
    assert.equal(serve.kind === 'run' && serve.path[0], 'serve', 'no command: serve');
    assert.deepEqual(parse('catalog', 'bundle', '--help'), { kind: 'help', path: ['catalog', 'bundle'] });
    assert.deepEqual(parse('--help'), { kind: 'help', path: [] });
    // The bare name is how a newcomer asks what it is: help, not a daemon started in ./.data.
    assert.deepEqual(parse(), { kind: 'help', path: [] });
    assert.deepEqual(parse('discover', '--version'), { kind: 'version' });
  });
});
