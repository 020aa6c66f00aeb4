/**
 * Reading what apt-get, dpkg and df print (in the C locale): the simulated transaction of
 * `apt-get -s` as PackageActions, free space, `dpkg --audit`, and why a run failed, as the
 * StepFailure kind the runner retries on (lock held, download failed) or gives up on (postinst
 * failed, no such package or version). Formats read from real runs: test/fixtures/deploy/apt.
 */
import { compareDpkg } from '../../catalog/versions/dpkg-version.js';
import { type PackageAction, StepFailure, type StepRecord } from '../ports.js';

// `Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])`, `Inst new (1.0 ...)`,
// `Remv foo [1.0]`, `Purg foo [1.0]`, `Conf bash (5.2.15-2+b13 ...)`.
const LINE = /^(Inst|Remv|Purg|Conf) (\S+)(?: \[([^\]]+)\])?(?: \((\S+)[^)]*\))?/;

/** Every change `apt-get -s` reports; a package's `Conf` is left out when its `Inst` is there. */
export const parseAptSimulation = (stdout: string): PackageAction[] => {
  const actions: PackageAction[] = [];
  const installed = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, verb, name = '', from, to] = m;
    if (verb === 'Inst') {
      installed.add(name);
      if (from === undefined) actions.push({ action: 'install', name, to });
      else
        actions.push({ action: to && compareDpkg(to, from) < 0 ? 'downgrade' : 'upgrade', name, from, to });
    } else if (verb === 'Remv' || verb === 'Purg') {
      actions.push({ action: 'remove', name, from });
    } else if (!installed.has(name)) {
      actions.push({ action: 'configure', name, to });
    }
  }
  return actions;
};

/** `dpkg --audit` prints nothing (and exits 0 either way) when every package is in order. */
export const parseDpkgAudit = (stdout: string): boolean => stdout.trim().length > 0;

const firstMatch = (text: string, re: RegExp): RegExpExecArray | null => re.exec(text);

const ERROR_LINE = /^E: (.+)$/m;

/** Why an apt-get or dpkg step with a non-zero exit failed, as a StepFailure carrying its record. */
export const classifyAptFailure = (record: StepRecord): StepFailure => {
  const all = `${record.stdout}\n${record.stderr}`;
  const fail = (kind: StepFailure['kind'], reason: string) =>
    new StepFailure(kind, `${record.step}: ${reason}`, record);
  const lock =
    firstMatch(all, /Could not get lock (\S+?)\.? It is held by process (\d+) \(([^)]*)\)/) ??
    firstMatch(all, /Unable to acquire the dpkg frontend lock \(([^)]+)\)/) ??
    firstMatch(all, /dpkg (?:frontend )?lock was locked by another process with pid (\d+)/);
  if (lock) {
    const holder = /held by process (\d+) \(([^)]*)\)/.exec(all);
    return fail(
      'transient',
      `the package database is locked${holder ? ` by ${holder[2]} (pid ${holder[1]})` : ''} and was not released in time`,
    );
  }
  const script =
    /(?:installed |new )?(\S+) package (post-installation|pre-installation|pre-removal|post-removal) script subprocess returned error exit status (\d+)/.exec(
      all,
    );
  if (script) return fail('permanent', `the ${script[2]} script of ${script[1]} failed (exit ${script[3]})`);
  const missing = /Unable to locate package (\S+)/.exec(all);
  if (missing) return fail('permanent', `package ${missing[1]} is not in the host's repositories`);
  const version = /Version '([^']+)' for '([^']+)' was not found/.exec(all);
  if (version)
    return fail('permanent', `version ${version[1]} of ${version[2]} is not in the host's repositories`);
  if (/You don't have enough free space/.test(all))
    return fail('permanent', 'not enough free space to unpack');
  if (/dpkg was interrupted, you must manually run/.test(all)) {
    return fail('transient', 'an earlier dpkg run was interrupted; recover (dpkg --configure -a) and retry');
  }
  const fetch =
    /(?:Failed to fetch|Unable to fetch some archives|Could not connect to|Temporary failure resolving)[^\n]*/.exec(
      all,
    );
  if (fetch) return fail('transient', `downloading failed: ${fetch[0].slice(0, 300)}`);
  if (record.exitCode === null)
    return fail('transient', 'the command was cut off (signal or connection lost)');
  const error = ERROR_LINE.exec(record.stderr)?.[1] ?? record.stderr.trim().split('\n').pop() ?? '';
  return fail('permanent', `exit ${record.exitCode}: ${error.slice(0, 300) || 'no error message'}`);
};
