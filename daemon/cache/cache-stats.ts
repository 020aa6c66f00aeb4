/**
 * Traffic statistics: bytes served from the cache vs fetched upstream, hits and misses, in
 * totals and per day (kept 90 days) so the Cache page can chart the bandwidth saved over time.
 */
import { z } from 'zod';

const daySchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  fromCache: z.number().min(0),
  fromUpstream: z.number().min(0),
});
export const statsSchema = z.object({
  fromCache: z.number().min(0),
  fromUpstream: z.number().min(0),
  hits: z.number().int().min(0),
  misses: z.number().int().min(0),
  days: z.array(daySchema),
});
export type StatsData = z.infer<typeof statsSchema>;
export type DayStats = z.infer<typeof daySchema>;

const KEEP_DAYS = 90;

export const dayKey = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class CacheStats {
  private readonly data: StatsData;

  constructor(data?: StatsData) {
    this.data = data ?? { fromCache: 0, fromUpstream: 0, hits: 0, misses: 0, days: [] };
  }

  private day(now: number): DayStats {
    const key = dayKey(now);
    let last = this.data.days[this.data.days.length - 1];
    if (last?.day !== key) {
      last = { day: key, fromCache: 0, fromUpstream: 0 };
      this.data.days.push(last);
      if (this.data.days.length > KEEP_DAYS) this.data.days.splice(0, this.data.days.length - KEEP_DAYS);
    }
    return last;
  }

  /** Bytes sent to a client out of the cache (a hit, or a joiner of someone else's download). */
  servedFromCache(bytes: number, now: number): void {
    this.data.fromCache += bytes;
    this.day(now).fromCache += bytes;
  }

  /** Bytes that crossed the WAN. */
  fetchedUpstream(bytes: number, now: number): void {
    this.data.fromUpstream += bytes;
    this.day(now).fromUpstream += bytes;
  }

  hit(): void {
    this.data.hits++;
  }

  miss(): void {
    this.data.misses++;
  }

  get totals(): { fromCache: number; fromUpstream: number; hits: number; misses: number; hitRatio: number } {
    const { fromCache, fromUpstream, hits, misses } = this.data;
    return { fromCache, fromUpstream, hits, misses, hitRatio: hits + misses ? hits / (hits + misses) : 0 };
  }

  /** The last `n` days, oldest first, with empty days filled in. */
  lastDays(n: number, now: number): DayStats[] {
    const byDay = new Map(this.data.days.map((d) => [d.day, d]));
    const out: DayStats[] = [];
    for (let i = n - 1; i >= 0; i--) {
      const key = dayKey(now - i * 86_400_000);
      out.push(byDay.get(key) ?? { day: key, fromCache: 0, fromUpstream: 0 });
    }
    return out;
  }

  toJSON(): StatsData {
    return this.data;
  }
}
