/**
 * The one command-line parser: finds the command (and subcommand), parses its options with
 * node:util's parseArgs, and checks everything the command declared (unknown options with a
 * suggestion, values that need one, duplicates, value checks, required options named one by one,
 * arguments) before the command runs. A mistake comes back as a list of problems, never a throw.
 */
import { parseArgs } from 'node:util';
import type { FlagValues } from '../cli-context.js';
import {
  type CommandSpec,
  dataDirOptions,
  generalOptions,
  type OptionSpec,
  optionLabel,
  optionsOf,
} from './spec.js';
import { suggest } from './suggest.js';

export type Parsed =
  | { kind: 'version' }
  | { kind: 'help'; path: string[] }
  | { kind: 'usage'; path: string[]; problems: string[] }
  | { kind: 'run'; path: string[]; spec: CommandSpec; values: FlagValues; positionals: string[] };

type OptionToken = { name: string; rawName: string; value?: string | undefined; inlineValue?: boolean };

const isHelp = (t: string): boolean => t === '--help' || t === '-h';

/** Index of the first word that is not an option or the value of one (`--data-dir DIR cmd`). */
const firstWord = (args: string[], options: Record<string, OptionSpec>): number => {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (t === '--') return i + 1 < args.length ? i + 1 : -1;
    if (!t.startsWith('-') || t === '-') return i;
    if (t.startsWith('--') && !t.includes('=') && options[t.slice(2)]?.type === 'string') i++;
  }
  return -1;
};

/** A word at `i` taken out of `args`: what is left is parsed as the command's options. */
const without = (args: string[], i: number): string[] => [...args.slice(0, i), ...args.slice(i + 1)];

/** Every string option any subcommand of `spec` has: their values are not subcommand names. */
const allOptions = (spec: CommandSpec): Record<string, OptionSpec> =>
  Object.assign({}, optionsOf(spec), ...Object.values(spec.subcommands ?? {}).map(optionsOf));

/**
 * Which of the other commands take `name`: "(catalog import takes it)" for a subcommand, or
 * "(discover takes it)" for a command (parent: the table of commands).
 */
const whoTakes = (path: string[], parent: CommandSpec | undefined, name: string): string => {
  const others = Object.entries(parent?.subcommands ?? {});
  const label = (sub: string) => (path.length > 1 ? `${path[0]} ${sub}` : sub);
  const takers = others.filter(([, s]) => s.options?.[name]).map(([sub]) => label(sub));
  if (takers.length) return ` (${takers.join(', ')} ${takers.length > 1 ? 'take' : 'takes'} it)`;
  // Near an option of another command: `--exlude` without a command is discover's --exclude.
  const known = others.flatMap(([sub, s]) =>
    Object.keys(s.options ?? {}).map((o) => [`--${o}`, sub] as const),
  );
  const near = suggest(
    `--${name}`,
    known.map(([o]) => o),
  );
  const sub = known.find(([o]) => o === near)?.[1];
  return near && sub ? ` (did you mean \`patch-depot ${label(sub)} ${near}\`?)` : '';
};

/** Unknown options, values missing or given to a flag: the option table's mistakes. */
const tokenProblems = (
  tokens: OptionToken[],
  options: Record<string, OptionSpec>,
  otherTakes: (name: string) => string,
): string[] =>
  tokens.flatMap((t): string[] => {
    const o = options[t.name];
    if (!o) {
      const near = suggest(
        t.rawName,
        Object.keys(options).map((n) => `--${n}`),
      );
      return [`unknown option ${t.rawName}${near ? `; did you mean ${near}?` : otherTakes(t.name)}`];
    }
    if (o.type === 'boolean' && t.inlineValue) return [`${t.rawName} takes no value (got "${t.value}")`];
    const looksLikeOption = !t.inlineValue && t.value !== undefined && /^--?[a-z]/i.test(t.value);
    // `--data-dir=` or `--data-dir "$UNSET"`: no value, not an empty one for a schema to refuse.
    if (o.type === 'string' && (t.value === undefined || t.value === '' || looksLikeOption))
      return [`${t.rawName} needs a value: ${optionLabel(t.name, o)}`];
    return [];
  });

/** Duplicates, value checks, required options and arguments: what the values break. */
const valueProblems = (
  spec: CommandSpec,
  tokens: OptionToken[],
  values: FlagValues,
  positionals: string[],
): string[] => {
  const options = optionsOf(spec);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    const o = options[t.name]!;
    if (!o.multiple && seen.has(t.name)) problems.push(`--${t.name} given more than once`);
    seen.add(t.name);
    const why = o.check && typeof t.value === 'string' ? o.check(t.value) : undefined;
    if (why) problems.push(`--${t.name} ${t.value}: ${why}`);
  }
  for (const [name, o] of Object.entries(options)) {
    if (!o.required || values[name] !== undefined) continue;
    const unless = o.required === true ? undefined : o.required.unless;
    if (unless && values[unless] !== undefined) continue;
    problems.push(`missing ${optionLabel(name, o)}: ${o.help}${unless ? ` (or give --${unless})` : ''}`);
  }
  if (spec.anyOf && !spec.anyOf.some((n) => values[n] !== undefined)) {
    const names = spec.anyOf.map((n) => `--${n}`);
    problems.push(`give at least one of ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
  }
  const args = spec.args ?? [];
  for (const extra of positionals.slice(args.length)) problems.push(`unexpected argument "${extra}"`);
  for (const a of args.slice(positionals.length))
    if (a.required) problems.push(`missing ${a.name}: ${a.help}`);
  return problems;
};

const parseOptions = (
  path: string[],
  spec: CommandSpec,
  parent: CommandSpec | undefined,
  args: string[],
): Parsed => {
  if (args.some(isHelp)) return { kind: 'help', path };
  const options = optionsOf(spec);
  const config = Object.fromEntries(
    Object.entries(options).map(([n, o]) => [
      n,
      { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  const parsed = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const tokens = parsed.tokens.filter((t) => t.kind === 'option') as OptionToken[];
  const early = tokenProblems(tokens, options, (name) => whoTakes(path, parent, name));
  if (early.length) return { kind: 'usage', path, problems: early };
  const values = parsed.values as FlagValues;
  const problems = valueProblems(spec, tokens, values, parsed.positionals);
  if (problems.length) return { kind: 'usage', path, problems };
  return { kind: 'run', path, spec, values, positionals: parsed.positionals };
};

const pickSubcommand = (name: string, spec: CommandSpec, args: string[]): Parsed => {
  const subs = spec.subcommands!;
  const at = firstWord(args, allOptions(spec));
  if (at === -1) {
    if (args.some(isHelp)) return { kind: 'help', path: [name] };
    return { kind: 'usage', path: [name], problems: [`give a subcommand: ${Object.keys(subs).join(', ')}`] };
  }
  const word = args[at]!;
  const sub = subs[word];
  // `console --data-dir X pull`: X is the value of an option no subcommand takes; name that option.
  const before = at > 0 ? args[at - 1]! : '';
  if (!sub && /^--[^=]+$/.test(before) && !allOptions(spec)[before.slice(2)])
    return { kind: 'usage', path: [name], problems: [`unknown option ${before} (before "${word}")`] };
  if (!sub) {
    const near =
      Object.keys(subs).find((k) => subs[k]!.meantBy?.includes(word.toLowerCase())) ??
      suggest(word, Object.keys(subs));
    const hint = near ? `did you mean ${near}?` : `expected ${Object.keys(subs).join(', ')}`;
    return { kind: 'usage', path: [name], problems: [`unknown subcommand "${word}"; ${hint}`] };
  }
  const parsed = parseOptions([name, word], sub, spec, without(args, at));
  // Commands see the subcommand as their first positional.
  return parsed.kind === 'run' ? { ...parsed, positionals: [word, ...parsed.positionals] } : parsed;
};

/**
 * `argv` without node and the script. With options but no command word, the command is `fallback`
 * (serve). With nothing at all it is the help: someone typing the bare name wants to learn what it
 * does, not to start a second daemon in ./.data (systemd and the scripts all say `serve`).
 */
export const parseCommandLine = (
  argv: string[],
  commands: Record<string, CommandSpec>,
  fallback: string,
): Parsed => {
  if (argv.length === 0) return { kind: 'help', path: [] };
  if (argv.includes('--version')) return { kind: 'version' };
  // `patch-depot help [COMMAND [SUBCOMMAND]]`, as git and systemctl take it: that help.
  if (argv[0] === 'help' && !commands.help)
    return parseCommandLine([...argv.slice(1), '--help'], commands, fallback);
  const front = { ...dataDirOptions, ...generalOptions, ...commands[fallback]?.options };
  let at = firstWord(argv, front);
  if (at === -1 && argv.some(isHelp)) return { kind: 'help', path: [] };
  // `--scope 10.0.0.0/24` with no command: the word is the value of an option serve does not
  // know, and the mistake to name is that option ("discover takes it"), not a command "10.0.0.0/24".
  const before = at > 0 ? argv[at - 1]! : '';
  if (at > 0 && !commands[argv[at]!] && /^--[^=]+$/.test(before) && !front[before.slice(2)]) at = -1;
  const name = at === -1 ? fallback : argv[at]!;
  const spec = commands[name];
  if (!spec) {
    const near = suggest(name, Object.keys(commands));
    const hint = near ? `; did you mean ${near}?` : '';
    return { kind: 'usage', path: [], problems: [`unknown command "${name}"${hint}`] };
  }
  const rest = at === -1 ? argv : without(argv, at);
  if (spec.subcommands) return pickSubcommand(name, spec, rest);
  return parseOptions([name], spec, { summary: 'every command', subcommands: commands }, rest);
};
