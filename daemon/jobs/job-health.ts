/** Jobs that failed in the last day: the appliance is up, but work is not getting done. */
import type { Problem } from '../observability/health.js';
import type { JobRecord } from './job.js';

const WINDOW_MS = 24 * 3_600_000;
/** A failed job's error in the sentence: its first line, cut here; the job's page has it whole. */
const ERROR_CHARS = 160;

const firstLine = (error: string): string => {
  const text = error.trim();
  const line = text.split('\n', 1)[0] ?? '';
  if (line.length > ERROR_CHARS) {
    // Never half of a character outside the Basic Multilingual Plane (an emoji): it would show as �.
    const cut = /[\uD800-\uDBFF]/.test(line[ERROR_CHARS - 2] ?? '') ? ERROR_CHARS - 2 : ERROR_CHARS - 1;
    return `${line.slice(0, cut)}…`;
  }
  return line.length < text.length ? `${line} …` : line;
};

export const failedRecently = (failed: JobRecord[], now: number): Problem[] => {
  const recent = failed
    .filter((j) => j.state === 'failed' && j.finishedAt && Date.parse(j.finishedAt) >= now - WINDOW_MS)
    .sort((a, b) => b.finishedAt!.localeCompare(a.finishedAt!));
  const last = recent[0];
  if (!last) return [];
  return [
    {
      source: 'jobs',
      message: `${recent.length} job${recent.length === 1 ? '' : 's'} failed in the last 24 h; latest: ${last.title} (${last.id}): ${firstLine(last.error ?? 'failed')}`,
      jobId: last.id,
    },
  ];
};
