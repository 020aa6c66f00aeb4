/**
 * The site's standing deployment settings (`deploy` in config.json): host groups with their ring,
 * maintenance window and reboot policy, auto-approval rules, the promotion gate and the site's
 * concurrency. A new deployment takes its placement and policy from here; the admin may still
 * override them per deployment.
 *
 *   "deploy": {
 *     "timeZone": "Europe/Berlin",
 *     "groups": [
 *       { "name": "pilot", "ring": 0, "members": ["10.0.0.10", "10.0.0.11"] },
 *       { "name": "office", "ring": 1, "members": ["10.0.0.0/25"], "window": "Sat 22:00-Sun 04:00", "reboot": "if-required" }
 *     ],
 *     "rules": [{ "kind": "never", "packages": "linux-image-*" }]
 *   }
 */
import { z } from 'zod';
import { ClientAllowList } from '../address-list.js';
import type { DeployPolicy, RebootPolicy } from './deployment.js';
import { REBOOT_POLICIES } from './deployment.js';
import { autoRuleSchema } from './policy/approvals.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GATE } from './policy/rings.js';
import { parseWindow } from './policy/windows.js';

const HOUR = 3_600_000;

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

const memberSchema = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: (iss) =>
    `a group member is an address or CIDR such as 10.0.0.12 or 10.0.0.0/24, got ${JSON.stringify(iss.input)}`,
});

const groupSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a group name is 1-40 lowercase letters, digits and dashes'),
    /** 0 is the pilot ring, then 1, then 2. */
    ring: z.number().int().min(0).max(2),
    /** Hosts whose address is one of these; the first group that matches a host wins. */
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

/** Each host's group and ring: the first group whose members hold its address; else `default`, ring 2. */
export const placeHosts = (
  settings: DeploySettings,
  hosts: readonly PlacedHost[],
): Record<string, { group: string; ring: number }> => {
  const lists = settings.groups.map((g) => ({ g, list: new ClientAllowList(g.members) }));
  const placement: Record<string, { group: string; ring: number }> = {};
  for (const h of hosts) {
    const hit = lists.find(({ g, list }) => g.members.length > 0 && list.allows(h.address));
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
