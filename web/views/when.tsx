/**
 * A moment as people read it, in the appliance's own time zone: "today 14:02", "yesterday 09:15",
 * "3 Dec 14:02", "3 Dec 2025 14:02". The exact ISO time is in `datetime` and shown on hover.
 */

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const dayOf = (d: Date, tz: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);

/** The words for `iso` seen at `now` (both in `tz`); the ISO text back when it is not a time. */
export const whenText = (iso: string, now = Date.now(), tz = zone()): string => {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit' }).format(
    at,
  );
  const day = dayOf(at, tz);
  if (day === dayOf(new Date(now), tz)) return `today ${time}`;
  if (day === dayOf(new Date(now - 86_400_000), tz)) return `yesterday ${time}`;
  if (day === dayOf(new Date(now + 86_400_000), tz)) return `tomorrow ${time}`;
  const sameYear = day.slice(0, 4) === dayOf(new Date(now), tz).slice(0, 4);
  const date = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(at);
  return `${date} ${time}`;
};

export const When = (props: { at: string | null | undefined; never?: string }) =>
  props.at ? (
    <time datetime={props.at} title={props.at}>
      {whenText(props.at)}
    </time>
  ) : (
    <>{props.never ?? 'never'}</>
  );
