/**
 * kill -9 child for report-kill9.test.ts: from round START on, each round one assessment of HOSTS
 * hosts whose new inventory (collected at round time) misses that round's three advisories, so the
 * previous round's are fixed: a batch file and remediation.json written. Prints `ack N` once round
 * N is on disk (the service stopped, its writes done), then goes on until killed.
 */
import type { SiteAssessment } from '../../../daemon/assess/assess-service.js';
import { ReportsService } from '../../../daemon/reports/reports-service.js';
import { reportsSettingsSchema } from '../../../daemon/reports/settings.js';
import { memoryLogger } from '../../fakes/log.js';
import { roundSite, roundTime } from './ledger-rounds.js';

const [dataDir, start] = process.argv.slice(2) as [string, string];
for (let round = Number(start); ; round++) {
  // A round re-run after a kill happens at another moment: its batch gets another name.
  const now = roundTime(round) + Math.floor(Math.random() * 60_000);
  const s = new ReportsService({
    dataDir,
    settings: reportsSettingsSchema.parse({ keepDays: 30 }),
    timeZone: 'UTC',
    assess: { current: async () => roundSite(round), onComputed: () => () => {} },
    clock: { now: () => now } as never,
    log: memoryLogger(),
  });
  await s.start();
  await s.record(roundSite(round) as SiteAssessment);
  await s.stop();
  process.stdout.write(`ack ${round}\n`);
}
