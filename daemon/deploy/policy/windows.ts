/**
 * Maintenance windows in site-local time: "Sat 22:00–Sun 04:00" in an IANA zone, 1 to 24 hours
 * long. Open means the site's wall clock is inside the window, so a window across a DST change is
 * an hour shorter or longer in real time, as people expect; a start that falls in the skipped
 * hour opens when the clock jumps past it. Starts are spread at random over the first minutes so
 * a site's machines do not all hit the cache and the WAN in the same second.
 */
import { DepotError } from '../../errors.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEK_MIN = 7 * 24 * 60;
const MINUTE = 60_000;

export interface MaintenanceWindow {
  /** As written, for display: `Sat 22:00–Sun 04:00`. */
  text: string;
  zone: string;
  /** Minutes after Sunday 00:00 local time. */
  startMinute: number;
  /** 60..1440. */
  durationMinutes: number;
}

const POINT = /^([A-Za-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})$/;

const parsePoint = (text: string, whole: string): number => {
  const m = POINT.exec(text.trim());
  const day = m ? DAYS.indexOf(m[1]!.toLowerCase() as (typeof DAYS)[number]) : -1;
  const hour = Number(m?.[2]);
  const minute = Number(m?.[3]);
  if (!m || day < 0 || hour > 23 || minute > 59) {
    throw new DepotError(
      'BAD_INPUT',
      `window "${whole}": write each end as a day and a time, e.g. Sat 22:00`,
    );
  }
  return day * 1440 + hour * 60 + minute;
};

const assertZone = (zone: string): void => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new DepotError('BAD_INPUT', `unknown time zone "${zone}": use an IANA name such as Europe/Berlin`);
  }
};

/** Parse "Sat 22:00–Sun 04:00" (an en dash or a hyphen) in `zone`; 1 to 24 hours. */
export const parseWindow = (text: string, zone: string): MaintenanceWindow => {
  assertZone(zone);
  const ends = text.split(/\s*[\u2013-]\s*/);
  if (ends.length !== 2) {
    throw new DepotError('BAD_INPUT', `window "${text}": write it as start–end, e.g. Sat 22:00–Sun 04:00`);
  }
  const start = parsePoint(ends[0]!, text);
  const end = parsePoint(ends[1]!, text);
  const duration = (((end - start) % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;
  if (duration < 60 || duration > 24 * 60) {
    throw new DepotError('BAD_INPUT', `window "${text}" lasts ${duration} minutes: it must be 1 to 24 hours`);
  }
  return { text, zone, startMinute: start, durationMinutes: duration };
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after Sunday 00:00 on the site's wall clock at instant `at`. */
export const localMinuteOfWeek = (at: number, zone: string): number => {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const day = DAYS.indexOf(String(parts.weekday).toLowerCase() as (typeof DAYS)[number]);
  return day * 1440 + Number(parts.hour) * 60 + Number(parts.minute);
};

const sinceStart = (w: MaintenanceWindow, at: number): number =>
  (((localMinuteOfWeek(at, w.zone) - w.startMinute) % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;

export const isOpen = (w: MaintenanceWindow, at: number): boolean => sinceStart(w, at) < w.durationMinutes;

/** The first instant at or after `at` when the window is open (`at` itself while it is open). */
export const nextOpen = (w: MaintenanceWindow, at: number): number => {
  if (isOpen(w, at)) return at;
  const floor = at - (at % MINUTE);
  // Aim at the local start, then correct for offset changes between now and then (DST).
  let t = floor + (WEEK_MIN - sinceStart(w, floor)) * MINUTE;
  for (let i = 0; i < 3 && !isOpen(w, t); i++) {
    const off = sinceStart(w, t);
    t += (off > WEEK_MIN / 2 ? WEEK_MIN - off : -off) * MINUTE;
  }
  // A start inside a skipped hour: open when the clock jumps past it.
  for (let i = 0; i < 180 && !isOpen(w, t); i++) t += MINUTE;
  // Or the clock jumped ahead before the start: the window opened earlier in real time.
  for (let i = 0; i < 180 && t - MINUTE >= at && isOpen(w, t - MINUTE); i++) t -= MINUTE;
  if (!isOpen(w, t)) throw new Error(`window "${w.text}" found no opening after ${at}`);
  return Math.max(t, at);
};

/** When the window that is open at `at` closes (undefined when it is closed). */
export const closesAt = (w: MaintenanceWindow, at: number): number | undefined => {
  if (!isOpen(w, at)) return undefined;
  let t = at - (at % MINUTE) + (w.durationMinutes - sinceStart(w, at)) * MINUTE;
  // The wall clock may jump inside the window (DST): move to the first closed minute.
  for (let i = 0; i < 180 && isOpen(w, t); i++) t += MINUTE;
  for (let i = 0; i < 180 && t - MINUTE > at && !isOpen(w, t - MINUTE); i++) t -= MINUTE;
  return t;
};

export const DEFAULT_SPREAD_MS = 10 * MINUTE;

/**
 * When a host should start: the next opening plus a random delay within the first `spreadMs`
 * (`random` in [0, 1) is injected so tests choose it), never before `at`.
 */
export const spreadStart = (
  w: MaintenanceWindow,
  at: number,
  random: () => number,
  spreadMs = DEFAULT_SPREAD_MS,
): number => Math.max(at, nextOpen(w, at) + Math.floor(random() * spreadMs));
