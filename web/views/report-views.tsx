/**
 * Report tables and charts. Charts are inline SVG drawn on the server (no script, they print),
 * each with a title and a description for screen readers; the table under each one holds the
 * same figures.
 */
import type { DaySnapshot } from '../../daemon/reports/history.js';
import { dayBefore } from '../../daemon/reports/history.js';
import type { Cell, Column, ReportTable } from '../../daemon/reports/report-table.js';
import { formatBytes } from './bytes.js';
import { TableScroll } from './table-scroll.js';
import { When } from './when.js';

/** The CSV and JSON links of a table. */
export const Exports = (props: { name: string }) => (
  <span class="exports">
    Export <a href={`/reports/${props.name}.csv`} hx-boost="false" download>{`CSV`}</a> ·{' '}
    <a href={`/reports/${props.name}.json`} hx-boost="false">
      JSON
    </a>
  </span>
);

/** A cell's text: called, not a component (a report page has hundreds of cells). */
const cellText = (v: Cell | undefined, col: Column) => {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return col.key.endsWith('_bytes') ? formatBytes(v) : String(v);
  if (col.time) return <When at={v} />;
  return v;
};

/**
 * A report table as the page shows it; `rows` may be a page of the table's rows. On a phone each
 * row stacks into labelled lines (a host's twelve columns scrolled sideways, its release cut off).
 */
export const TableView = (props: {
  table: ReportTable;
  rows?: ReportTable['rows'];
  link?: (row: Record<string, Cell>, key: string) => string | undefined;
}) => {
  const columns = props.table.columns.filter((c) => !c.exportOnly);
  return (
    <TableScroll label={props.table.title}>
      <table class="stack">
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.numeric ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(props.rows ?? props.table.rows).map((row) => (
            <tr>
              {columns.map((c, i) => {
                const href = props.link?.(row, c.key);
                const text = cellText(row[c.key], c);
                return (
                  <td class={c.numeric ? 'num' : undefined} data-label={i === 0 ? undefined : c.label}>
                    {href ? <a href={href}>{text}</a> : text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
};

const W = 720;
const H = 180;
const PAD = { left: 40, right: 8, top: 8, bottom: 22 };

const dayIndex = (day: string, first: string): number =>
  Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000);

/** Month starts inside [first, last], for the x axis. */
const monthTicks = (first: string, span: number): Array<{ i: number; label: string }> => {
  const out: Array<{ i: number; label: string }> = [];
  const step = span > 200 ? 2 : 1;
  const d = new Date(`${first}T00:00:00Z`);
  d.setUTCDate(1);
  for (let m = 0; m < 15; m++) {
    d.setUTCMonth(d.getUTCMonth() + 1);
    const i = dayIndex(d.toISOString().slice(0, 10), first);
    if (i > span) break;
    if (m % step === 0) out.push({ i, label: d.toLocaleString('en', { month: 'short', timeZone: 'UTC' }) });
  }
  return out;
};

/**
 * Compliance % per day over `spanDays` ending at `today`; a day without a snapshot breaks the
 * line, so a week the appliance was off is not drawn as a week of steady figures.
 */
export const ComplianceChart = (props: { days: readonly DaySnapshot[]; today: string; spanDays: number }) => {
  const first = dayBefore(props.today, props.spanDays - 1);
  const x = (i: number) => PAD.left + (i / Math.max(1, props.spanDays - 1)) * (W - PAD.left - PAD.right);
  const y = (ratio: number) => PAD.top + (1 - ratio) * (H - PAD.top - PAD.bottom);
  let path = '';
  let prev = -2;
  for (const d of props.days) {
    if (d.ratio === undefined || d.day < first) continue;
    const i = dayIndex(d.day, first);
    path += `${i === prev + 1 ? 'L' : 'M'}${x(i).toFixed(1)},${y(d.ratio).toFixed(1)}`;
    prev = i;
  }
  const shown = props.days.filter((d) => d.ratio !== undefined && d.day >= first);
  const last = shown[shown.length - 1];
  const desc = last
    ? `${shown.length} days with figures; latest ${last.day}: ${Math.round((last.ratio ?? 0) * 100)} % of assessed hosts fully patched`
    : 'No figures yet';
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="cc-title cc-desc">
      <title id="cc-title">{`Compliance over the last ${props.spanDays} days`}</title>
      <desc id="cc-desc">{desc}</desc>
      {[0, 0.5, 1].map((r) => (
        <g>
          <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(r)} y2={y(r)} />
          <text class="axis" x={PAD.left - 4} y={y(r) + 4} text-anchor="end">{`${r * 100} %`}</text>
        </g>
      ))}
      {monthTicks(first, props.spanDays - 1).map((t) => (
        <text class="axis" x={x(t.i)} y={H - 6} text-anchor="middle">
          {t.label}
        </text>
      ))}
      <path class="line" d={path || 'M0,0'} />
      {/* A single day has no line to draw: mark it. */}
      {shown.length === 1 && last ? (
        <circle class="dot" cx={x(dayIndex(last.day, first))} cy={y(last.ratio ?? 0)} r="3" />
      ) : null}
    </svg>
  );
};

type TrafficDay = { day: string; fromCache: number; fromUpstream: number };

/** Fewest days the traffic chart spans: one day of traffic is a bar, not a wall across the card. */
export const MIN_TRAFFIC_DAYS = 7;

/**
 * The days the traffic chart draws: from the first day with traffic (as the table and CSV start),
 * not 90 days of empty axis before it; at least the last MIN_TRAFFIC_DAYS.
 */
export const trafficSpan = (days: readonly TrafficDay[]): TrafficDay[] => {
  const first = days.findIndex((d) => d.fromCache > 0 || d.fromUpstream > 0);
  const start = Math.max(0, Math.min(first === -1 ? days.length : first, days.length - MIN_TRAFFIC_DAYS));
  return days.slice(start);
};

/** Bytes per day as bars, served from the cache on top of what crossed the WAN, from where traffic starts. */
export const TrafficChart = (props: { days: readonly TrafficDay[] }) => {
  const days = trafficSpan(props.days);
  const max = Math.max(1, ...days.map((d) => d.fromCache + d.fromUpstream));
  const bw = (W - PAD.left - PAD.right) / Math.max(1, days.length);
  const h = (bytes: number) => (bytes / max) * (H - PAD.top - PAD.bottom);
  const total = days.reduce((a, d) => a + d.fromCache, 0);
  const wan = days.reduce((a, d) => a + d.fromUpstream, 0);
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="tc-title tc-desc">
      <title id="tc-title">{`Traffic per day over the last ${days.length} days`}</title>
      <desc id="tc-desc">{`${formatBytes(total)} served from the cache, ${formatBytes(wan)} fetched over the WAN`}</desc>
      {/* Inside the plot: "1.0 MiB" is wider than the left margin, which cut it to "..0 MiB". */}
      <text class="axis" x={PAD.left + 4} y={PAD.top + 8} text-anchor="start">
        {max > 1 ? `${formatBytes(max)} a day` : 'no traffic yet'}
      </text>
      <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} />
      {days.map((d, i) => {
        const x = PAD.left + i * bw;
        const base = H - PAD.bottom;
        return (
          <g>
            <rect
              class="bar-wan"
              x={x}
              y={base - h(d.fromUpstream)}
              width={Math.max(1, bw - 1)}
              height={h(d.fromUpstream)}
            />
            <rect
              class="bar-saved"
              x={x}
              y={base - h(d.fromUpstream) - h(d.fromCache)}
              width={Math.max(1, bw - 1)}
              height={h(d.fromCache)}
            />
          </g>
        );
      })}
      <text class="axis" x={PAD.left} y={H - 6}>
        {days[0]?.day ?? ''}
      </text>
      <text class="axis" x={W - PAD.right} y={H - 6} text-anchor="end">
        {days[days.length - 1]?.day ?? ''}
      </text>
    </svg>
  );
};
