/** Every missing fix on every host as CSV, for spreadsheets and tickets (WSUS "needed updates"). */
import { missingFixesOf } from '../assess/assess.js';
import type { HostAssessment } from '../assess/types.js';

/** `host` names the machine as the pages do; `host_id` is its stable id in the host directory. */
export const MISSING_FIXES_CSV_HEADER =
  'host,release,severity,package,binaries,installed,fixed,advisory,cves,feed,host_id';

/**
 * What a spreadsheet may run as a formula (OWASP, CSV injection): a cell starting with = + - @ (or
 * their full-width forms), tab, CR or LF, or with any of = + - @ after leading white space (" =1+1",
 * "\n=1+1": spreadsheets trim it before they look).
 */
const FORMULA_LIKE = /^(?:[\t\r\n]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

/**
 * One CSV cell. A formula-like cell gets a leading `'` so spreadsheets do not run feed- or
 * host-supplied text; quotes, commas, semicolons (the separator of many locales: "a;=1+1" must not
 * become a cell of its own there), tabs and line breaks quote it.
 */
export const csvCell = (v: string): string => {
  const safe = FORMULA_LIKE.test(v) ? `'${v}` : v;
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** `label` names a host as the pages show it. */
export const missingFixesCsv = (
  hosts: readonly HostAssessment[],
  label: (hostId: string) => string,
): string => {
  const lines = [MISSING_FIXES_CSV_HEADER];
  for (const h of hosts) {
    for (const m of missingFixesOf(h)) {
      const cells = [
        label(h.hostId),
        h.release,
        m.severity,
        m.package,
        m.binaries.join(' '),
        m.installed,
        m.fixed,
        m.advisoryId,
        m.cves.join(' '),
        m.feedId,
        h.hostId,
      ];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
};
