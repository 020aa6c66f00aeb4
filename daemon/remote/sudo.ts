/**
 * Running one program as root on a host the appliance logs in to as an ordinary user, through
 * `sudo -n` (non-interactive). The appliance never types a password into sudo: a prompt would
 * hang the channel, and a stored sudo password would be a root password on the appliance's disk.
 * So the host grants exactly the programs deployment needs without one, and when it does not,
 * the error gives the sudoers line to add.
 *
 * The program runs as an argument vector, never through `sh -c`: a sudoers rule limited to
 * `/usr/bin/apt-get` does not allow `/bin/sh`, and must not have to.
 */
import type { ExecLimits, ExecResult, RemoteSession } from './ports.js';
import { RemoteError } from './remote-error.js';
import { shellQuote } from './shell-quote.js';

/** What deployment on a Debian-family host runs as root: the package tools and reboot. */
export const DEBIAN_ROOT_PROGRAMS = ['/usr/bin/apt-get', '/usr/bin/dpkg', '/sbin/reboot'] as const;
/** The same on dnf hosts (RHEL, Fedora, Rocky, Alma...). */
export const RPM_ROOT_PROGRAMS = ['/usr/bin/dnf', '/sbin/reboot'] as const;
/** The same on Alpine. */
export const APK_ROOT_PROGRAMS = ['/sbin/apk', '/sbin/reboot'] as const;

export interface RootOptions {
  /** The login user; `root` runs the program directly. */
  username: string;
  /** `user@host:port`, for messages. */
  label: string;
  /** Absolute paths of every program the caller will run as root (for the sudoers line). */
  programs: readonly string[];
  /**
   * The programs are run with variables on sudo's command line (`DEBIAN_FRONTEND=noninteractive`):
   * sudo's env_reset drops them unless the rule carries SETENV. It adds no power to a rule for a
   * package tool, which as root can already run anything (`apt-get -o DPkg::Pre-Invoke::=...`).
   */
  setenv?: boolean | undefined;
  /** Exact sudoers command specs instead of `programs` (a program limited to one argument list). */
  grant?: readonly string[] | undefined;
}

/** The /etc/sudoers.d line that lets `username` run exactly `programs` as root without a password. */
export const sudoersLine = (username: string, programs: readonly string[], setenv = false): string =>
  `${username} ALL=(root) NOPASSWD:${setenv ? 'SETENV:' : ''} ${programs.join(', ')}`;

/** What a root command gets besides its argument vector. */
export interface RootExtras {
  /** Environment for the program (names `[A-Z_][A-Z0-9_]*`), through sudo's command line. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Text on the program's standard input (a file's content for `tee`). */
  input?: string | undefined;
}

/** `NAME='value'` words: the name bare (a quoted name is no assignment to sh), the value quoted. */
const envWords = (env: RootExtras['env']): string[] =>
  Object.entries(env ?? {}).map(([name, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`runAsRoot: bad variable name ${name}`);
    return `${name}=${shellQuote(value)}`;
  });

const withInput = (line: string, input: string | undefined): string =>
  input === undefined ? line : `printf '%s' ${shellQuote(input)} | ${line}`;

const MISSING = 'patch-depot: sudo is not installed';

/** The command line: under /bin/sh and the C locale whatever the login shell, sudo's absence said plainly. */
export const sudoCommand = (argv: readonly string[], extras: RootExtras = {}): string => {
  // sudo reads VAR=value words between its options and `--`; after `--` one would be the command.
  const words = [...envWords(extras.env), '--', ...argv.map(shellQuote)].join(' ');
  const sudo = withInput(`sudo -n ${words}`, extras.input);
  const script = `command -v sudo >/dev/null 2>&1 || { echo ${shellQuote(MISSING)} >&2; exit 127; }; ${extras.input === undefined ? 'exec ' : ''}${sudo}`;
  return `LC_ALL=C /bin/sh -c ${shellQuote(script)}`;
};

/** The same for a root login: no sudo, the variables set by the shell. */
export const rootCommand = (argv: readonly string[], extras: RootExtras = {}): string =>
  withInput([...envWords(extras.env), ...argv.map(shellQuote)].join(' '), extras.input);

const howToAllow = (opts: RootOptions): string =>
  `Allow exactly what the appliance runs as root, without a password, in /etc/sudoers.d/patch-depot ` +
  `(check it with visudo -cf): ${sudoersLine(opts.username, opts.grant ?? opts.programs, opts.setenv)}`;

/** sudo's own refusals (with LC_ALL=C); a program's own failure is left to the caller. */
const sudoRefusal = (result: ExecResult, program: string, opts: RootOptions): RemoteError | undefined => {
  const err = result.stderr;
  if (result.exitCode === 127 && err.includes(MISSING)) {
    return new RemoteError(
      'privilege',
      `${opts.label}: sudo is not installed on the host, so ${opts.username} cannot run ${program} as root. ` +
        `Install it (apt-get install sudo, dnf install sudo or apk add sudo). ${howToAllow(opts)}`,
    );
  }
  if (/^sudo: (a password is required|a terminal is required)|you must have a tty/m.test(err)) {
    return new RemoteError(
      'privilege',
      `${opts.label}: sudo wants a password before ${opts.username} may run ${program} as root ` +
        `(or does not allow it at all). ${howToAllow(opts)}`,
    );
  }
  if (
    /is not allowed to execute|is not in the sudoers file|not allowed to set the following environment/.test(
      err,
    )
  ) {
    return new RemoteError(
      'privilege',
      `${opts.label}: sudo does not allow ${opts.username} to run ${program} as root. ${howToAllow(opts)}`,
    );
  }
  return undefined;
};

/**
 * Run `argv` (argv[0] an absolute path from `opts.programs`) as root: directly when logged in as
 * root, else through `sudo -n --`. Resolves with the program's own result, whatever its exit
 * status; rejects with a `privilege` RemoteError when sudo is missing or refuses.
 */
export const runAsRoot = async (
  session: RemoteSession,
  argv: readonly string[],
  limits: ExecLimits,
  opts: RootOptions,
  extras: RootExtras = {},
): Promise<ExecResult> => {
  const program = argv[0];
  if (!program?.startsWith('/') || !opts.programs.includes(program)) {
    throw new Error(`runAsRoot: ${program} is not one of the declared programs ${opts.programs.join(', ')}`);
  }
  if (opts.username === 'root') return session.exec(rootCommand(argv, extras), limits);
  const result = await session.exec(sudoCommand(argv, extras), limits);
  const refused = sudoRefusal(result, program, opts);
  if (refused) throw refused;
  return result;
};
