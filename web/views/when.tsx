/**
 * A moment as people read it, in the appliance's own time zone: "today 14:02", "yesterday 09:15",
 * "3 Dec 14:02", "3 Dec 2025 14:02". The exact ISO time is in `datetime` and shown on hover.
 */

import { localDay } from '../../daemon/reports/history.js';

/** The appliance's zone, read once: it changes only with the system's settings. */
let systemZone: string | undefined;
const zone = () => {
  systemZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return systemZone;
};

// Building an Intl.DateTimeFormat costs about a millisecond: one of each per zone, kept.
const formats = new Map<string, Intl.DateTimeFormat>();
const format = (tz: string, kind: 'time' | 'date' | 'dateYear'): Intl.DateTimeFormat => {
  const key = `${kind} ${tz}`;
  let f = formats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit' }
        : { day: 'numeric', month: 'short', ...(kind === 'dateYear' ? { year: 'numeric' } : {}) };
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...options });
    formats.set(key, f);
  }
  return f;
};

/**
 * Today, yesterday and tomorrow in `tz` as seen at `now`, worked out once a minute (day boundaries
 * fall on minutes), not three times per time shown: a report page shows a hundred.
 */
let around: { key: string; today: string; yesterday: string; tomorrow: string } | undefined;
const daysAround = (now: number, tz: string) => {
  const key = `${tz} ${Math.floor(now / 60_000)}`;
  if (around?.key !== key) {
    around = {
      key,
      today: localDay(now, tz),
      yesterday: localDay(now - 86_400_000, tz),
      tomorrow: localDay(now + 86_400_000, tz),
    };
  }
  return around;
};

/** The words for `iso` seen at `now` (both in `tz`); the ISO text back when it is not a time. */
export const whenText = (iso: string, now = Date.now(), tz = zone()): string => {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const time = format(tz, 'time').format(at);
  const day = localDay(at.getTime(), tz);
  const { today, yesterday, tomorrow } = daysAround(now, tz);
  if (day === today) return `today ${time}`;
  if (day === yesterday) return `yesterday ${time}`;
  if (day === tomorrow) return `tomorrow ${time}`;
  return `${format(tz, day.slice(0, 4) === today.slice(0, 4) ? 'date' : 'dateYear').format(at)} ${time}`;
};

export const When = (props: { at: string | null | undefined; never?: string }) =>
  props.at ? (
    <time datetime={props.at} title={props.at}>
      {whenText(props.at)}
    </time>
  ) : (
    <>{props.never ?? 'never'}</>
  );
