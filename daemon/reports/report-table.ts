/**
 * A report table: what the page shows and what its CSV and JSON exports carry, from one
 * definition, so an export never says something the page does not.
 */
import { csvCell } from './missing-fixes-csv.js';

export type Cell = string | number | null;

export interface Column {
  key: string;
  label: string;
  /** Right-aligned on the page. */
  numeric?: boolean;
  /** An ISO time: the page shows it in the site's local time, the exports keep the ISO text. */
  time?: boolean;
  /** Only in the CSV and JSON exports (ids, the less urgent severities): the page stays readable. */
  exportOnly?: boolean;
}

export interface ReportTable {
  /** File name stem of the exports: `compliance-history` → compliance-history.csv. */
  name: string;
  title: string;
  columns: readonly Column[];
  rows: ReadonlyArray<Record<string, Cell>>;
}

/**
 * One CSV value: numbers stay numbers (a negative one too, so spreadsheets can sum it); text goes
 * through csvCell, which defuses formulas (`= + - @`, also after leading white space; tab, CR, LF)
 * and quotes.
 */
export const csvValue = (v: Cell | undefined): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return csvCell(v);
};

export const tableCsv = (t: ReportTable): string => {
  const lines = [t.columns.map((c) => csvCell(c.key)).join(',')];
  for (const row of t.rows) lines.push(t.columns.map((c) => csvValue(row[c.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
};

/** The JSON export: the same rows, keyed as the CSV header, with what the columns mean. */
export const tableJson = (t: ReportTable, generatedAt: string) => ({
  report: t.name,
  title: t.title,
  generatedAt,
  columns: t.columns.map((c) => ({ key: c.key, label: c.label })),
  rows: t.rows.map((r) => Object.fromEntries(t.columns.map((c) => [c.key, r[c.key] ?? null]))),
});

/** A ratio as a percentage with one decimal, or null when there is nothing to divide. */
export const percent = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;

/** Days with one decimal. */
export const days1 = (d: number): number => Math.round(d * 10) / 10;
