/**
 * Self-update settings (config key `selfUpdate`): the appliance updates its own package from one
 * apt repository, through its own cache, inside a weekly window.
 *
 *   "selfUpdate": { "enabled": true, "window": "Sun 03:00-Sun 05:00",
 *                   "sources": "/etc/apt/sources.list.d/patch-depot.sources" }
 */
import { z } from 'zod';
import { parseWindow } from '../deploy/policy/windows.js';
import { zoneSchema } from '../deploy/site-settings.js';

export const selfUpdateSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** A weekly window in site-local time (1 to 24 h); `patch-depot self-update --now` ignores it. */
    window: z.string().default('Sun 03:00-Sun 05:00'),
    /** Where "Sun 03:00" is; default: deploy.timeZone, else the appliance's zone. */
    timeZone: zoneSchema.optional(),
    /** The package to update: this appliance's own. */
    package: z
      .string()
      .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name such as patch-depot')
      .default('patch-depot'),
    /** The apt sources file (deb822 .sources or one-line .list) naming the repository, and only it. */
    sources: z.string().min(1).default('/etc/apt/sources.list.d/patch-depot.sources'),
    /** The new version must answer /healthz, with no new problems, within this long, or it is rolled back. */
    healthTimeoutSec: z.number().int().min(10).max(3600).default(120),
  })
  .strict()
  .superRefine((s, ctx) => {
    try {
      parseWindow(s.window, s.timeZone ?? 'UTC');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['window'], message: (err as Error).message });
    }
  });

export type SelfUpdateSettings = z.infer<typeof selfUpdateSettingsSchema>;
