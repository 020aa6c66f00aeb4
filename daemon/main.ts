#!/usr/bin/env node
/**
 * The `patch-depot` command line. It parses arguments and hands over; the work lives in the
 * modules each command names (daemon/cli/commands.ts), and every command's mistakes, help and
 * failures go through the same parser, help printer and error report (daemon/cli/).
 */
import { commands } from './cli/commands.js';
import { commandHelp, topHelp, usageOf } from './cli/help.js';
import { type Parsed, parseCommandLine } from './cli/parse.js';
import { errorReport, exitCodeOf, expected } from './cli/report-error.js';
import { settingsLoader } from './cli/running-config.js';
import { type CommandSpec, EXIT } from './cli/spec.js';
import { checkStateDir } from './cli/state-dir.js';
import type { CommandContext, FlagValues } from './cli-context.js';
import { defaultDataDir, envVars } from './config.js';
import { createLogger } from './log.js';
import { DataDirLock } from './store/data-dir-lock.js';

const specAt = (path: string[]): CommandSpec | undefined => {
  const [name, sub] = path;
  const spec = name ? commands[name] : undefined;
  return sub ? spec?.subcommands?.[sub] : spec;
};

/** The version, from package.json through app.ts: loaded only when asked (app.ts brings the UI). */
const packageVersion = async (): Promise<string> => (await import('./app.js')).packageVersion();

const help = async (path: string[]): Promise<string> => {
  const spec = specAt(path);
  if (spec) return commandHelp(path, spec);
  const env = Object.entries(envVars).map(([name, [, , text]]): [string, string] => [name, text]);
  return topHelp({ version: await packageVersion(), commands, env });
};

/** Every problem on its own line, then the usage and where the help is. */
const usageReport = (path: string[], problems: string[]): string => {
  const prefix = ['patch-depot', ...path].join(' ');
  const lines = problems.map((p) => `${prefix}: ${p}`);
  const spec = specAt(path);
  if (spec) {
    const usage = usageOf(path, spec);
    lines.push(
      '',
      ...(usage.length === 1 ? [`Usage: ${usage[0]}`] : ['Usage:', ...usage.map((u) => `  ${u}`)]),
    );
  }
  lines.push(`Run \`${prefix} --help\` for ${spec ? 'options, defaults and examples' : 'the commands'}.`);
  return `${lines.join('\n')}\n`;
};

/** Flags that set config values, as dotted paths (the listen address only for serve). */
const toOverrides = (command: string, values: FlagValues): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (typeof values['data-dir'] === 'string') out.dataDir = values['data-dir'];
  if (typeof values['log-level'] === 'string') out['log.level'] = values['log-level'];
  if (command !== 'serve') return out;
  if (typeof values.host === 'string') out['http.host'] = values.host;
  if (typeof values.port === 'string') out['http.port'] = Number(values.port);
  return out;
};

const contextFor = (path: string[], values: FlagValues, positionals: string[]): CommandContext => {
  const overrides = toOverrides(path[0]!, values);
  const env = process.env;
  const configSource = {
    env,
    file: typeof values.config === 'string' ? values.config : undefined,
    overrides,
  };
  return {
    values,
    positionals,
    configSource,
    config: settingsLoader(path.join(' '), configSource, (line) => process.stderr.write(line)),
    log: (config) =>
      createLogger({
        level: config.log.level,
        format: config.log.format === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.log.format,
      }),
    commandLog: (config, level = 'warn') =>
      createLogger({
        level:
          typeof values['log-level'] === 'string' || env.PATCH_DEPOT_LOG_LEVEL ? config.log.level : level,
        format: 'pretty',
        sink: process.stderr,
      }),
    implicitDataDir: (config) =>
      typeof values['data-dir'] !== 'string' &&
      !env.PATCH_DEPOT_DATA_DIR &&
      !env.STATE_DIRECTORY &&
      config.dataDir === defaultDataDir({}),
  };
};

const runCommand = async (parsed: Extract<Parsed, { kind: 'run' }>): Promise<number | undefined> => {
  const ctx = contextFor(parsed.path, parsed.values, parsed.positionals);
  const run = parsed.spec.run!;
  if (parsed.spec.needsState) checkStateDir(ctx);
  if (!parsed.spec.locksDataDir) return run(ctx);
  const lock = await DataDirLock.acquire(ctx.config().dataDir, parsed.path.join(' '));
  try {
    return await run(ctx);
  } finally {
    await lock.release();
  }
};

export const main = async (argv: string[]): Promise<number | undefined> => {
  const parsed = parseCommandLine(argv, commands, 'serve');
  if (parsed.kind === 'version') {
    process.stdout.write(`${await packageVersion()}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(await help(parsed.path));
    return EXIT.ok;
  }
  if (parsed.kind === 'usage') {
    process.stderr.write(usageReport(parsed.path, parsed.problems));
    return EXIT.usage;
  }
  const report = (err: unknown): number => {
    const code = exitCodeOf(err);
    // The daemon's own bug goes to its journal with the trace: nobody can rerun it with --debug.
    const debug = parsed.values.debug === true || (parsed.path[0] === 'serve' && !expected(err));
    process.stderr.write(
      code === EXIT.usage
        ? usageReport(parsed.path, [(err as Error).message])
        : errorReport(err, { prefix: ['patch-depot', ...parsed.path].join(' '), debug }),
    );
    return code;
  };
  if (parsed.path[0] !== 'serve') {
    // A one-shot command reports a stray failure like any other, never as a raw trace.
    const crash = (err: unknown) => {
      process.exitCode = report(err);
      process.exit();
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
  }
  try {
    return await runCommand(parsed);
  } catch (err) {
    return report(err);
  }
};

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      errorReport(err, { prefix: 'patch-depot', debug: process.argv.includes('--debug') }),
    );
    process.exitCode = exitCodeOf(err);
  },
);
