/** Jobs that failed in the last day: the appliance is up, but work is not getting done. */
import type { Problem } from '../observability/health.js';
import type { JobRecord } from './job.js';

const WINDOW_MS = 24 * 3_600_000;

export const failedRecently = (failed: JobRecord[], now: number): Problem[] => {
  const recent = failed
    .filter((j) => j.state === 'failed' && j.finishedAt && Date.parse(j.finishedAt) >= now - WINDOW_MS)
    .sort((a, b) => b.finishedAt!.localeCompare(a.finishedAt!));
  const last = recent[0];
  if (!last) return [];
  return [
    {
      source: 'jobs',
      message: `${recent.length} job${recent.length === 1 ? '' : 's'} failed in the last 24 h; latest: ${last.title} (${last.id}): ${last.error ?? 'failed'}`,
    },
  ];
};
