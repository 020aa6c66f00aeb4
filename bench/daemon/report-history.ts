/**
 * A year of the site's remediation history, as the daemon would have written it: `months` monthly
 * patch rounds in which every host was found missing `perRound` fixes and a week later fixed them
 * all. Built with the daemon's own ledger code (observe, then its writers), so the files are the
 * real format and the daemon holds what a year-old appliance holds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batchJson, ledgerJson } from '../../daemon/reports/ledger-file.js';
import { emptyLedger, type ObservedHost, observe } from '../../daemon/reports/remediation.js';

const DAY = 86_400_000;

export const seedReportHistory = async (
  dataDir: string,
  hostIds: readonly string[],
  packages: readonly string[],
  months: number,
  perRound = 40,
): Promise<{ fixed: number; fixedFilesMB: number }> => {
  const ledger = emptyLedger();
  const severities = ['critical', 'high', 'medium', 'low'] as const;
  const end = Date.now() - 14 * DAY;
  for (let r = 0; r < months; r++) {
    const missing = Array.from({ length: perRound }, (_, k) => ({
      feedId: 'debian',
      advisoryId: `DSA-${5000 + r * perRound + k}-1`,
      package: packages[(r * perRound + k) % packages.length]!,
      severity: severities[k % severities.length]!,
    }));
    const seen = end - (months - 1 - r) * 30 * DAY;
    // Hosts report a few seconds apart, as a collection round does.
    const at = (t: number, i: number) => new Date(t + i * 2000).toISOString();
    const round = (t: number, miss: ObservedHost['missing']) =>
      hostIds.map(
        (hostId, i): ObservedHost => ({ hostId, covered: true, collectedAt: at(t, i), missing: miss }),
      );
    observe(ledger, round(seen, missing), seen + DAY, 400);
    observe(ledger, round(seen + 7 * DAY, []), seen + 8 * DAY, 400);
  }
  const dir = join(dataDir, 'reports');
  await mkdir(join(dir, 'fixed'), { recursive: true });
  let bytes = 0;
  let fixed = 0;
  for (const batch of ledger.fixed) {
    const text = [...batchJson(batch)].join('');
    bytes += text.length;
    for (const i of batch.list) fixed += batch.lists[i]!.length;
    await writeFile(join(dir, 'fixed', `${batch.name}.json`), text);
  }
  await writeFile(join(dir, 'remediation.json'), [...ledgerJson(ledger)].join(''));
  return { fixed, fixedFilesMB: bytes / 1e6 };
};
