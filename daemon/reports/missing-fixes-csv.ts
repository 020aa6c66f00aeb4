/** Every missing fix on every host as CSV, for spreadsheets and tickets (WSUS "needed updates"). */
import { missingFixesOf } from '../assess/assess.js';
import type { HostAssessment } from '../assess/types.js';

/** `host` names the machine as the pages do; `host_id` is its stable id in the host directory. */
export const MISSING_FIXES_CSV_HEADER =
  'host,release,severity,package,binaries,installed,fixed,advisory,cves,feed,host_id';

/**
 * One CSV cell. Cells that start with = + - @ (or their full-width forms, a tab or a CR) get a `'` so
 * spreadsheets do not run feed- or host-supplied text as formulas; quotes, commas and newlines quote it.
 */
export const csvCell = (v: string): string => {
  const safe = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
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
