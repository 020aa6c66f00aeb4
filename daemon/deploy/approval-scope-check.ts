/**
 * Whether an approval typed on the deployment page names something in that deployment: an
 * approval that matches no host or upgrade would be recorded and do nothing (a typo, a wrong
 * group), so it is refused with what the deployment does hold. Names are echoed cut short.
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
