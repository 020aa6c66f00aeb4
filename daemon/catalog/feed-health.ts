/**
 * Feed health: a feed whose last good snapshot is older than twice the sync interval is stale
 * (assessment is then working from old advisories), and a feed that never synced because its
 * syncs fail is a problem too. Feeds that are disabled or only came from a bundle are not judged.
 */
import type { Problem } from '../observability/health.js';
import type { FeedStatus } from './feed-status.js';

const hours = (ms: number): string => `${Math.round(ms / 3_600_000)} h`;

export const staleFeeds = (feeds: FeedStatus[], intervalMs: number, now: number): Problem[] => {
  const problems: Problem[] = [];
  for (const f of feeds) {
    if (!f.configured || !f.enabled) continue;
    const failed =
      f.lastAttempt?.outcome === 'failed' ? `; the last attempt failed: ${f.lastAttempt.message}` : '';
    if (!f.snapshot) {
      if (failed) problems.push({ source: 'catalog', message: `feed ${f.id} has never synced${failed}` });
      continue;
    }
    const age = now - Date.parse(f.snapshot.syncedAt);
    if (age > 2 * intervalMs) {
      problems.push({
        source: 'catalog',
        message: `feed ${f.id} is stale: last synced ${f.snapshot.syncedAt} (${hours(age)} ago), more than twice its ${hours(intervalMs)} interval${failed}`,
      });
    }
  }
  return problems;
};
