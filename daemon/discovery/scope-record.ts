/**
 * A saved scope of management as kept in the state file, and the form/flag input that creates
 * or edits one (validated here, so the UI and the CLI give the same messages).
 */
import { z } from 'zod';
import { DepotError } from '../errors.js';
import { splitEntries, validateScope } from './scope.js';

export interface ScopeRecord {
  id: string;
  name: string;
  include: string[];
  exclude: string[];
  /** Minutes between scheduled scans; null scans on demand only. */
  everyMinutes: number | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastScanAt: string | null;
  lastScanId: string | null;
}

export const SCHEDULE_CHOICES: ReadonlyArray<[number | null, string]> = [
  [null, 'on demand only'],
  [15, 'every 15 minutes'],
  [60, 'every hour'],
  [360, 'every 6 hours'],
  [1440, 'daily'],
];

/** A form field is one line of text; a missing one, a list or an uploaded file is named. */
const text = (field: string) => z.string({ error: `${field}: expected one text value` });

const inputSchema = z.object({
  name: z
    .string({ error: 'give the scope a name' })
    .trim()
    .min(1, 'give the scope a name')
    .max(80, 'name: at most 80 characters'),
  include: text('include').max(20_000, 'include: at most 20,000 characters').default(''),
  exclude: text('exclude').max(20_000, 'exclude: at most 20,000 characters').default(''),
  everyMinutes: z
    .string({ error: 'schedule: every 5 minutes to every 7 days, or on demand' })
    .default('')
    .transform((v, ctx) => {
      if (v === '' || v === 'off') return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 5 || n > 10_080) {
        ctx.addIssue({ code: 'custom', message: 'schedule: every 5 minutes to every 7 days, or on demand' });
        return z.NEVER;
      }
      return n;
    }),
  enabled: text('enabled')
    .optional()
    .transform((v) => v === 'on' || v === 'true'),
});

export interface ScopeInput {
  name: string;
  include: string[];
  exclude: string[];
  everyMinutes: number | null;
  enabled: boolean;
}

/** Parse a form post (textareas of entries) into a validated scope, or throw BAD_INPUT. */
export const parseScopeForm = (form: Record<string, unknown>, maxAddresses: number): ScopeInput => {
  const r = inputSchema.safeParse(form);
  if (!r.success) throw new DepotError('BAD_INPUT', r.error.issues.map((i) => i.message).join('; '));
  const include = splitEntries(r.data.include);
  const exclude = splitEntries(r.data.exclude);
  validateScope({ include, exclude }, maxAddresses);
  return { name: r.data.name, include, exclude, everyMinutes: r.data.everyMinutes, enabled: r.data.enabled };
};
