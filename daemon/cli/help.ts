/**
 * `--help` for the whole CLI and for each command and subcommand, written from the same
 * declarations the parser checks against: what an option is, its default, whether it is
 * required, and examples to copy. Usage lines in error messages come from here too.
 */
import { type CommandSpec, dataDirOptions, type OptionSpec, optionLabel, optionsOf } from './spec.js';

export const EXIT_CODES = 'Exit codes: 0 done, 1 failed, 2 usage mistake, 78 bad settings.';

const bracket = (required: boolean, text: string): string => (required ? text : `[${text}]`);

const optionUsage = ([name, o]: [string, OptionSpec]): string => {
  const label = optionLabel(name, o);
  if (!o.multiple) return bracket(o.required === true, label);
  return o.required === true ? `${label} [${label} ...]` : `[${label} ...]`;
};

/** `patch-depot catalog bundle --key FILE ... [--json] ARG`, own options only. */
export const usageLine = (path: string[], spec: CommandSpec): string => {
  const parts = ['patch-depot', ...path];
  for (const a of spec.args ?? []) parts.push(bracket(a.required === true, a.name));
  const options = spec.options ?? {};
  // `--host ADDR` required unless `--public-key`: one choice, `(--host ADDR | --public-key)`.
  const alternatives = new Map<string, string>();
  for (const [name, o] of Object.entries(options))
    if (o.required && o.required !== true) alternatives.set(o.required.unless, name);
  for (const [name, o] of Object.entries(options)) {
    if (alternatives.has(name)) continue;
    const other = o.required && o.required !== true ? o.required.unless : undefined;
    const alt = other ? options[other] : undefined;
    parts.push(
      other && alt ? `(${optionLabel(name, o)} | ${optionLabel(other, alt)})` : optionUsage([name, o]),
    );
  }
  return parts.join(' ');
};

/** One usage line per subcommand, or the command's own. */
export const usageOf = (path: string[], spec: CommandSpec): string[] =>
  spec.subcommands && path.length === 1
    ? Object.entries(spec.subcommands).map(([sub, s]) => usageLine([...path, sub], s))
    : [usageLine(path, spec)];

/** A paragraph in lines of at most 100 characters. */
const wrap = (text: string, width = 100): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
};

const table = (rows: Array<[string, string]>): string[] => {
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) =>
    left.length > width ? `  ${left}\n  ${''.padEnd(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`,
  );
};

const optionRows = (spec: CommandSpec): Array<[string, string]> =>
  Object.entries(optionsOf(spec)).map(([name, o]) => {
    const label = `${o.short ? `-${o.short}, ` : ''}${optionLabel(name, o)}`;
    const notes = [
      o.required === true ? 'required' : o.required ? `required unless --${o.required.unless}` : '',
      o.multiple ? 'repeatable' : '',
      o.default ? `default: ${o.default}` : '',
    ].filter(Boolean);
    return [label, `${o.help}${notes.length ? ` (${notes.join('; ')})` : ''}`];
  });

const argRows = (spec: CommandSpec): Array<[string, string]> =>
  (spec.args ?? []).map((a) => [a.name, `${a.help}${a.required ? '' : ' (optional)'}`]);

/** Help for one command, or for one subcommand (`path` of two). */
export const commandHelp = (path: string[], spec: CommandSpec): string => {
  const lines = [`patch-depot ${path.join(' ')}: ${spec.summary}`, ''];
  const usage = usageOf(path, spec);
  lines.push(...(usage.length === 1 ? [`Usage: ${usage[0]}`] : ['Usage:', ...usage.map((u) => `  ${u}`)]));
  if (spec.details) lines.push('', ...wrap(spec.details));
  if (spec.subcommands) {
    lines.push('', 'Subcommands:');
    lines.push(...table(Object.entries(spec.subcommands).map(([sub, s]) => [sub, s.summary])));
    lines.push(
      '',
      `Run \`patch-depot ${path[0]} SUBCOMMAND --help\` for its options, defaults and examples.`,
    );
  } else {
    if (spec.args?.length) lines.push('', 'Arguments:', ...table(argRows(spec)));
    lines.push('', 'Options:', ...table(optionRows(spec)));
  }
  const examples = spec.examples ?? Object.values(spec.subcommands ?? {}).flatMap((s) => s.examples ?? []);
  if (examples.length) lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  lines.push('', EXIT_CODES);
  return `${lines.join('\n')}\n`;
};

export interface TopHelpInput {
  version: string;
  commands: Record<string, CommandSpec>;
  /** `PATCH_DEPOT_*` variable -> what it sets. */
  env: Array<[string, string]>;
}

export const topHelp = ({ version, commands, env }: TopHelpInput): string => {
  const lines = [
    `patch-depot ${version}: patch management for branch offices`,
    '',
    'Usage: patch-depot COMMAND [OPTIONS]   (options and no command: serve; nothing at all: this help)',
    '',
    'Commands:',
    ...table(Object.entries(commands).map(([name, c]) => [name, c.summary])),
    '',
    'Options every command takes:',
    '  -h, --help     help; `patch-depot COMMAND --help` for its options, defaults and examples',
    '  --debug        on an error, print its stack trace and causes',
    '  --version      print the version',
    '',
    'Options of the commands that read settings or state (see each --help):',
    ...table(
      Object.entries(dataDirOptions).map(([name, o]) => [
        optionLabel(name, o),
        `${o.help} (default: ${o.default})`,
      ]),
    ),
    '',
    'Examples:',
    '  patch-depot serve --data-dir /var/lib/patch-depot --port 8080',
    '  patch-depot catalog status',
    '  patch-depot discover --scope 192.168.1.0/24 --exclude 192.168.1.1',
    '',
    'Settings come from defaults, then DATA_DIR/config.json (or --config FILE), then these',
    'environment variables, then flags:',
    ...table(env),
    '',
    EXIT_CODES,
  ];
  return `${lines.join('\n')}\n`;
};
