/**
 * What an approval typed on the deployment page may say. It must name something in that
 * deployment: an approval that matches no host or upgrade would be recorded and do nothing (a
 * typo, a wrong group), so it is refused with what the deployment does hold (names echoed cut
 * short). Its deadline must be a real time to come.
 */
import { DepotError } from '../errors.js';
import type { Deployment } from './deployment.js';
import { type ApprovalScope, globMatch } from './policy/approvals.js';

/** Longest name an approval may give (an advisory id, a package glob, a group). */
export const MAX_APPROVAL_NAME = 200;

const shown = (v: string) => (v.length > 80 ? `${v.slice(0, 80)}…` : v);
const listed = (names: Iterable<string>) => [...new Set(names)].slice(0, 10).join(', ');

/** Throws BAD_INPUT when `scope` approves nothing in `d`. */
export const checkApprovalScope = (d: Deployment, scope: ApprovalScope): void => {
  const name = scope.kind === 'advisory' ? scope.id : scope.kind === 'package' ? scope.name : scope.group;
  const refuse = (why: string) => {
    throw new DepotError('BAD_INPUT', `approve: ${why}`);
  };
  if (name.length > MAX_APPROVAL_NAME)
    refuse(`${shown(name)} is longer than ${MAX_APPROVAL_NAME} characters`);
  if (scope.kind === 'advisory' && !Object.hasOwn(d.advisories, scope.id))
    refuse(`advisory ${shown(name)} is not in this deployment (it has ${listed(Object.keys(d.advisories))})`);
  const upgrades = d.hosts.flatMap((h) => h.change.upgrades.map((u) => u.name));
  if (scope.kind === 'package' && !upgrades.some((u) => globMatch(scope.name, u)))
    refuse(`no package of this deployment matches ${shown(name)} (it upgrades ${listed(upgrades)})`);
  if (scope.kind === 'group' && !d.hosts.some((h) => h.group === scope.group))
    refuse(
      `no host of this deployment is in the group ${shown(name)} (its groups: ${listed(d.hosts.map((h) => h.group))})`,
    );
};

/**
 * A UTC `datetime-local` value as an ISO timestamp, or undefined when empty. A date the calendar
 * lacks (30 February, which Date.parse rolls into March), a year past 9999 and a time already gone
 * are refused: a past deadline would send the hosts at once, outside their maintenance windows.
 */
export const deadlineOf = (value: string, now = Date.now()): string | undefined => {
  if (!value) return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)?$/.exec(value);
  const ms = m ? Date.parse(m[6] ? value : `${value}Z`) : Number.NaN;
  // The day as written must be the day parsed (in UTC, offsets aside: 24:00 and 30 Feb are not).
  const asWritten = m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!));
  const real = asWritten && asWritten.getUTCDate() === +m[3]! && asWritten.getUTCHours() === +m[4]!;
  if (Number.isNaN(ms) || !real)
    throw new DepotError(
      'BAD_INPUT',
      `deadline: ${JSON.stringify(value.slice(0, 40))} is not a date and time`,
    );
  if (ms <= now)
    throw new DepotError(
      'BAD_INPUT',
      `deadline: ${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC is in the past; give a time to come`,
    );
  return new Date(ms).toISOString();
};
