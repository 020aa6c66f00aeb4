/**
 * `patch-depot assess --inventory FILE --os-release FILE --feed FILE [--feed FILE...] [--json]`:
 * a one-shot offline assessment. The inventory is `dpkg-query -W` output (2 to 5 columns, with
 * ${source:Package} ${source:Version} when available), `rpm -qa` or `apk info -v` output as the
 * os-release says; feeds are Debian tracker JSON, OSV records/zips or signed manifests. Prints one
 * line (or one JSON object with --json) per missing fix; exit 0 = assessed, 1 = no feed covers
 * the host's release (or a file is unreadable), 2 = usage (daemon/cli/ checks the options).
 */
import { CatalogIndex } from '../catalog/catalog-index.js';
import { severityRank } from '../catalog/model.js';
import { asPacked } from '../catalog/pack-feed.js';
import { readInputFile } from '../cli/input-file.js';
import type { CommandContext } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { ecosystemFromOsRelease } from '../inventory/collector.js';
import { parseApkList } from '../inventory/parse-apk.js';
import { parseDpkgQuery } from '../inventory/parse-dpkg.js';
import { parseOsRelease } from '../inventory/parse-os-release.js';
import { parseRpmQuery } from '../inventory/parse-rpm.js';
import { type HostInventory, hostInventorySchema } from '../inventory/types.js';
import { assessHost, missingFixesOf } from './assess.js';
import { loadFeedFile } from './load-feed-file.js';
import type { HostAssessment } from './types.js';

const readText = async (flag: string, path: string): Promise<string> =>
  (await readInputFile(flag, path)).toString('utf8');

export const loadInventory = async (
  inventoryPath: string,
  osReleasePath: string,
  hostId: string,
): Promise<HostInventory> => {
  const osText = await readText('os-release', osReleasePath);
  let os: HostInventory['os'];
  try {
    os = parseOsRelease(osText);
  } catch (cause) {
    throw new DepotError('BAD_INPUT', `${osReleasePath}: ${(cause as Error).message}`, { cause });
  }
  const ecosystem = ecosystemFromOsRelease(osText, os.id) ?? 'dpkg';
  const text = await readText('inventory', inventoryPath);
  const parse = ecosystem === 'dpkg' ? parseDpkgQuery : ecosystem === 'rpm' ? parseRpmQuery : parseApkList;
  let packages: HostInventory['packages'];
  try {
    packages = parse(text);
  } catch (cause) {
    throw new DepotError('BAD_INPUT', `${inventoryPath}: ${(cause as Error).message}`, { cause });
  }
  if (packages.length === 0) throw new DepotError('BAD_INPUT', `${inventoryPath}: no packages listed`);
  return hostInventorySchema.parse({
    hostId,
    collectedAt: new Date().toISOString(),
    os,
    kernel: '',
    packages,
    ecosystem,
    rebootRequired: false,
  });
};

export const formatAssessment = (a: HostAssessment): string => {
  const rows = missingFixesOf(a).sort(
    (x, y) => severityRank[x.severity] - severityRank[y.severity] || x.package.localeCompare(y.package),
  );
  const w = (f: (m: (typeof rows)[number]) => string, min: number) =>
    Math.max(min, ...rows.map((r) => f(r).length));
  const wp = w((m) => m.package, 7);
  const wi = w((m) => m.installed, 9);
  const wf = w((m) => m.fixed, 5);
  const lines = [
    `${'SEVERITY'.padEnd(10)} ${'PACKAGE'.padEnd(wp)} ${'INSTALLED'.padEnd(wi)} ${'FIXED'.padEnd(wf)} ADVISORY  CVES`,
    ...rows.map((m) =>
      `${m.severity.padEnd(10)} ${m.package.padEnd(wp)} ${m.installed.padEnd(wi)} ${m.fixed.padEnd(wf)} ${m.advisoryId}  ${m.cves.filter((c) => c !== m.advisoryId).join(' ')}`.trimEnd(),
    ),
  ];
  return `${lines.join('\n')}\n`;
};

export const assessCommand = async (ctx: CommandContext): Promise<number> => {
  const v = ctx.values;
  // Required by the option table (daemon/cli/commands.ts): the parser has checked they are there.
  const inventory = String(v.inventory);
  const osRelease = String(v['os-release']);
  const feeds = Array.isArray(v.feed) ? v.feed.filter((f): f is string => typeof f === 'string') : [];
  const trusted = Array.isArray(v['trusted-key'])
    ? v['trusted-key'].filter((k): k is string => typeof k === 'string')
    : [];
  const hostId = typeof v['host-id'] === 'string' ? v['host-id'] : 'host';
  const inv = await loadInventory(inventory, osRelease, hostId);
  const index = new CatalogIndex(1);
  const maxUnpackedBytes = ctx.config().catalog.maxUnpackedMB * 1024 * 1024;
  for (const [i, path] of feeds.entries()) {
    const { content } = await loadFeedFile(path, maxUnpackedBytes, trusted);
    index.addPacked(`feed${i + 1}`, asPacked(content));
  }
  const result = assessHost(inv, index);
  if (!result.covered) {
    const have = [...index.releases.keys()].sort().join(', ') || 'none';
    process.stderr.write(
      `patch-depot assess: no feed entry covers ${result.release} (${inv.os.prettyName}); the feeds cover: ${have}\n`,
    );
    return 1;
  }
  if (v.json) {
    for (const m of missingFixesOf(result)) {
      process.stdout.write(`${JSON.stringify({ host: hostId, release: result.release, ...m })}\n`);
    }
  } else {
    if (result.findings.count) process.stdout.write(formatAssessment(result));
    const counts = Object.entries(result.bySeverity)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    process.stderr.write(
      `${hostId} (${inv.os.prettyName}, ${result.packages} packages): ${result.findings.count} missing fixes${counts ? ` (${counts})` : ''}; ${result.unfixed} known vulnerabilities without a fix yet\n`,
    );
  }
  return 0;
};
