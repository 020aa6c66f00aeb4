/**
 * Compliance over time: one snapshot per site-local day, the last figures seen that day, kept
 * `keepDays` (400 by default: a year and its same month the year before). A day the appliance
 * was off has no snapshot; charts show the gap rather than invent a figure.
 */
import { z } from 'zod';
import { type Severity, severities } from '../catalog/model.js';

const count = z.number().int().min(0);

export const daySnapshotSchema = z.object({
  /** Site-local date, YYYY-MM-DD. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** When these figures were taken (ISO). */
  at: z.string().min(1),
  hosts: count,
  assessed: count,
  compliant: count,
  /** compliant / assessed; absent when nothing could be assessed. */
  ratio: z.number().min(0).max(1).optional(),
  missingFixes: count,
  bySeverity: z.partialRecord(z.enum(severities), count),
  hostsAtRisk: count,
  rebootRequired: count,
  /** The cache's byte counters since it was created (days subtract to give traffic per day). */
  cache: z.object({ fromCache: z.number().min(0), fromUpstream: z.number().min(0) }).optional(),
});
export type DaySnapshot = z.infer<typeof daySnapshotSchema>;

export const historySchema = z.object({ version: z.literal(1), days: z.array(daySnapshotSchema) });
export type History = z.infer<typeof historySchema>;

export const emptyHistory = (): History => ({ version: 1, days: [] });

// Building an Intl.DateTimeFormat costs about a millisecond: one per zone, kept.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The site-local date of `ms` in `zone`, as YYYY-MM-DD. */
export const localDay = (ms: number, zone: string): string => {
  let f = dayFormats.get(zone);
  if (!f) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(zone, f);
  }
  return f.format(new Date(ms));
};

/** The day `n` days before `day` (calendar arithmetic, no zone involved). */
export const dayBefore = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/**
 * Put `snap` in as its day's snapshot (replacing an earlier one of that day) and drop days more
 * than `keepDays` before it. Returns whether the figures changed (`at` alone does not count: the
 * file is not rewritten every minute to say the same thing).
 */
export const recordDay = (history: History, snap: DaySnapshot, keepDays: number): boolean => {
  const oldest = dayBefore(snap.day, keepDays - 1);
  const before = history.days.length;
  history.days = history.days.filter((d) => d.day >= oldest);
  let changed = history.days.length !== before;
  const i = history.days.findIndex((d) => d.day === snap.day);
  if (i < 0) {
    history.days.push(snap);
    history.days.sort((a, b) => a.day.localeCompare(b.day));
    return true;
  }
  const same = JSON.stringify({ ...history.days[i], at: '' }) === JSON.stringify({ ...snap, at: '' });
  if (!same) {
    history.days[i] = snap;
    changed = true;
  }
  return changed;
};

/** Severity counts with zeros filled in. */
export const fullSeverities = (s: Partial<Record<Severity, number>>): Record<Severity, number> =>
  Object.fromEntries(severities.map((k) => [k, s[k] ?? 0])) as Record<Severity, number>;
