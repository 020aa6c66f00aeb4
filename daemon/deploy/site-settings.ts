/**
 * The site's standing deployment settings (`deploy` in config.json): host groups with their ring,
 * maintenance window and reboot policy, auto-approval rules, the promotion gate and the site's
 * concurrency. A new deployment takes its placement and policy from here; the admin may still
 * override them per deployment.
 *
 *   "deploy": {
 *     "timeZone": "Europe/Berlin",
 *     "groups": [
 *       { "name": "pilot", "ring": 0, "members": ["host:h-3f9a01c2d4", "host:h-77b0e15a90"] },
 *       { "name": "office", "ring": 1, "members": ["10.0.0.0/25"], "window": "Sat 22:00-Sun 04:00", "reboot": "if-required" }
 *     ],
 *     "rules": [{ "kind": "never", "packages": "linux-image-*" }]
 *   }
 *
 * A member is a host (`host:<id>`, its id in the host directory: it stays in the group whatever
 * address DHCP gives it), an address, or a CIDR for a subnet (hosts yet to come).
 */
import { z } from 'zod';
import { ClientAllowList } from '../address-list.js';
import { isHostId } from '../hosts/host-record.js';
import type { DeployPolicy, RebootPolicy } from './deployment.js';
import { REBOOT_POLICIES } from './deployment.js';
import { autoRuleSchema } from './policy/approvals.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GATE } from './policy/rings.js';
import { parseWindow } from './policy/windows.js';

const HOUR = 3_600_000;
/** Days a finished deployment's record is kept after its last change (`deploy.keepDays`). */
export const DEFAULT_KEEP_DAYS = 400;

/** The appliance's own zone: where "Sat 22:00" means when config.json names none. */
export const systemTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export const zoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  {
    error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}: use an IANA name such as Europe/Berlin`,
  },
);

/** How a host member is written: `host:` and the host's directory id. */
export const HOST_MEMBER_PREFIX = 'host:';
export const hostMember = (hostId: string): string => `${HOST_MEMBER_PREFIX}${hostId}`;
/** The host id a member names, if it names a host. */
export const memberHostId = (member: string): string | undefined =>
  member.startsWith(HOST_MEMBER_PREFIX) ? member.slice(HOST_MEMBER_PREFIX.length) : undefined;

const hostMemberSchema = z.string().refine((m) => isHostId(memberHostId(m) ?? ''));

const memberSchema = z.union([hostMemberSchema, z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: (iss) =>
    `a group member is an address or CIDR such as 10.0.0.12 or 10.0.0.0/24, or a host as host:<id> ` +
    `(e.g. host:h-0123456789), got ${JSON.stringify(iss.input)}`,
});

const groupSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a group name is 1-40 lowercase letters, digits and dashes'),
    /** 0 is the pilot ring, then 1, then 2. */
    ring: z.number().int().min(0).max(2),
    /** Hosts named here or whose address is one of these; the first group that matches a host wins. */
    members: z.array(memberSchema).default([]),
    /** A weekly window in site-local time, e.g. `Sat 22:00-Sun 04:00` (1 to 24 h); none: any time. */
    window: z.string().optional(),
    reboot: z.enum(REBOOT_POLICIES).default('if-required'),
  })
  .strict();

export const deploySettingsSchema = z
  .object({
    /** Deploy over SSH to the hosts the Inventory page has access to (false: no deployments). */
    enabled: z.boolean().default(true),
    timeZone: zoneSchema.optional(),
    concurrency: z.number().int().min(1).max(100).default(DEFAULT_CONCURRENCY),
    /** More failed hosts than this in one batch halts the ring before its next batch. */
    batchFailureThreshold: z.number().int().min(0).default(0),
    gate: z
      .object({
        /** Share of a ring's hosts that must succeed before the next ring starts (0 to 1). */
        minSuccessRate: z.number().min(0).max(1).default(DEFAULT_GATE.minSuccessRate),
        minVerified: z.number().int().min(0).default(DEFAULT_GATE.minVerified),
        soakHours: z
          .number()
          .min(0)
          .max(24 * 30)
          .default(DEFAULT_GATE.soakMs / HOUR),
      })
      .strict()
      .prefault({}),
    groups: z.array(groupSchema).default([]),
    rules: z.array(autoRuleSchema).default([]),
    /**
     * Finished deployments (records with every host's steps) are removed this many days after
     * their last change; the newest ten, and any holding an open breaker or a halted update, stay.
     */
    keepDays: z.number().int().min(30).max(3650).default(DEFAULT_KEEP_DAYS),
  })
  .strict()
  .superRefine((s, ctx) => {
    const zone = s.timeZone ?? systemTimeZone();
    const seen = new Set<string>();
    s.groups.forEach((g, i) => {
      if (seen.has(g.name))
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'name'],
          message: `group ${g.name} is named twice`,
        });
      seen.add(g.name);
      if (g.window === undefined) return;
      try {
        parseWindow(g.window, zone);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'window'], message: (err as Error).message });
      }
    });
  });
export type DeploySettings = z.infer<typeof deploySettingsSchema>;

/** A host as placement sees it: its id and its current address, if known. */
export interface PlacedHost {
  hostId: string;
  address?: string | undefined;
}

/**
 * Each host's group and ring: the first group that names the host (`host:<id>`), else the first
 * whose addresses hold its current address, else `default`, ring 2. Naming a machine is the more
 * specific choice: a pilot host stays in the pilot when DHCP moves it into another group's subnet.
 */
export const placeHosts = (
  settings: DeploySettings,
  hosts: readonly PlacedHost[],
): Record<string, { group: string; ring: number }> => {
  const lists = settings.groups.map((g) => {
    const ids = new Set(g.members.flatMap((m) => memberHostId(m) ?? []));
    const addresses = g.members.filter((m) => memberHostId(m) === undefined);
    // An empty allow-list admits every address: a group of hosts only holds no address.
    return { g, ids, list: addresses.length ? new ClientAllowList(addresses) : undefined };
  });
  const placement: Record<string, { group: string; ring: number }> = {};
  for (const h of hosts) {
    const hit =
      lists.find(({ ids }) => ids.has(h.hostId)) ??
      lists.find(({ list }) => list?.allows(h.address) ?? false);
    placement[h.hostId] = hit ? { group: hit.g.name, ring: hit.g.ring } : { group: 'default', ring: 2 };
  }
  return placement;
};

/** The policy a new deployment starts from. */
export const sitePolicy = (settings: DeploySettings): Partial<DeployPolicy> => {
  const zone = settings.timeZone ?? systemTimeZone();
  const windows: DeployPolicy['windows'] = {};
  const reboot: Record<string, RebootPolicy> = {};
  for (const g of settings.groups) {
    if (g.window !== undefined) windows[g.name] = { text: g.window, zone };
    reboot[g.name] = g.reboot;
  }
  return {
    concurrency: settings.concurrency,
    batchSize: settings.concurrency,
    batchFailureThreshold: settings.batchFailureThreshold,
    gate: {
      minSuccessRate: settings.gate.minSuccessRate,
      minVerified: settings.gate.minVerified,
      soakMs: Math.round(settings.gate.soakHours * HOUR),
    },
    windows,
    reboot,
    rules: settings.rules,
  };
};
