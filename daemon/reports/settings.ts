/** Report settings (config key `reports`): how long history is kept and the remediation SLA. */
import { z } from 'zod';

const days = z.number().int().min(1).max(3650);

export const reportsSettingsSchema = z
  .object({
    /** Daily compliance snapshots and fixed findings are kept this many days. */
    keepDays: z.number().int().min(30).max(3650).default(400),
    /** Mean time to remediate and "fixed within SLA" count the fixes of this many recent days. */
    windowDays: z.number().int().min(1).max(3650).default(90),
    /** Days a fix of each severity may stay missing ("critical fixed within 7 days"). */
    slaDays: z
      .object({
        critical: days.default(7),
        high: days.default(30),
        medium: days.default(90),
        low: days.default(180),
        negligible: days.default(365),
        /** Fixes no feed rates: treated like high until someone rates them. */
        unknown: days.default(30),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type ReportsSettings = z.infer<typeof reportsSettingsSchema>;
