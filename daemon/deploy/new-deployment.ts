/**
 * What an admin asks for when starting a deployment (selected advisories, packages or hosts, and
 * packages the transaction may remove), turned into the plan preview and the `CreateDeployment`
 * input: the plan from the assessment, each host's group and ring and the policy from the site's
 * `deploy` settings. The web page, the API and `patch-depot deploy plan` all go through here.
 */
import type { HostAssessment } from '../assess/types.js';
import { DepotError } from '../errors.js';
import { UNSAFE_TEXT } from '../terminal-text.js';
import type { CreateDeployment } from './deploy-service.js';
import { buildPlan, type Plan, type PlanSelection } from './plan.js';
import { type DeploySettings, placeHosts, sitePolicy } from './site-settings.js';

export interface DeployRequest {
  advisories: string[];
  packages: string[];
  hosts: string[];
  /** Packages the admin allows the transaction to remove, by exact name. */
  allowRemove: string[];
  title?: string | undefined;
}

export interface PlanPreview {
  plan: Plan;
  placement: Record<string, { group: string; ring: number }>;
}

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:~-]{0,127}$/;
const ITEM = /^[A-Za-z0-9][A-Za-z0-9+._:~/-]{0,127}$/;

/** Split, trim and check a list of names (comma, space or newline separated); says which is bad. */
export const nameList = (what: string, values: readonly string[], pattern = ITEM): string[] => {
  const out: string[] = [];
  for (const v of values.flatMap((x) => x.split(/[\s,]+/))) {
    if (!v) continue;
    if (!pattern.test(v))
      throw new DepotError('BAD_INPUT', `${what}: ${JSON.stringify(v.slice(0, 80))} is not a valid name`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
};

/** A request from raw lists (form fields, CLI flags), validated. */
export const deployRequest = (raw: {
  advisories?: readonly string[];
  packages?: readonly string[];
  hosts?: readonly string[];
  allowRemove?: readonly string[];
  title?: string | undefined;
}): DeployRequest => {
  const title = raw.title?.trim().slice(0, 200);
  if (title && UNSAFE_TEXT.test(title))
    throw new DepotError('BAD_INPUT', 'title: no control characters or direction overrides');
  return {
    advisories: nameList('advisory', raw.advisories ?? []),
    packages: nameList('package', raw.packages ?? [], PACKAGE_NAME),
    hosts: nameList('host', raw.hosts ?? []),
    allowRemove: nameList('allowed removal', raw.allowRemove ?? [], PACKAGE_NAME),
    ...(title ? { title } : {}),
  };
};

export const selectionOf = (r: DeployRequest): PlanSelection => ({
  advisories: r.advisories,
  packages: r.packages,
  hosts: r.hosts,
});

/** The plan for the request and where each planned host sits (group and ring). */
export const previewPlan = (
  settings: DeploySettings,
  assessments: readonly HostAssessment[],
  request: DeployRequest,
  addressOf: (hostId: string) => string | undefined,
): PlanPreview => {
  if (request.advisories.length + request.packages.length + request.hosts.length === 0)
    throw new DepotError('BAD_INPUT', 'select at least one advisory, package or host to deploy');
  const plan = buildPlan(assessments, selectionOf(request), request.allowRemove);
  const placement = placeHosts(
    settings,
    plan.changes.map((c) => ({ hostId: c.hostId, address: addressOf(c.hostId) })),
  );
  return { plan, placement };
};

const defaultTitle = (r: DeployRequest, plan: Plan): string => {
  const ids = Object.keys(plan.advisories);
  const what = ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
  const hosts = plan.changes.length;
  return `${what || r.packages.join(', ')} on ${hosts} host${hosts === 1 ? '' : 's'}`;
};

/** The service's input for a new draft deployment of this request. */
export const createInput = (
  settings: DeploySettings,
  assessments: readonly HostAssessment[],
  request: DeployRequest,
  addressOf: (hostId: string) => string | undefined,
): CreateDeployment => {
  const { plan, placement } = previewPlan(settings, assessments, request, addressOf);
  return {
    title: request.title ?? defaultTitle(request, plan),
    assessments,
    selection: selectionOf(request),
    allowRemove: request.allowRemove,
    placement,
    policy: sitePolicy(settings),
  };
};
