/**
 * `patch-depot discover --scope CIDR [--scope ...] [--exclude ...] [--json]`: a one-shot scan that
 * prints what it found. It does not touch the appliance's asset list; the daemon's scheduled and
 * on-demand scans do that.
 */

import { type CommandContext, UsageError } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { terminalText } from '../terminal-text.js';
import { scanSettingsFrom } from './discovery-service.js';
import { type Observation, runScan } from './scanner.js';
import { expandScope, scopeRanges, splitEntries } from './scope.js';
import { systemPorts } from './system-ports.js';

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => splitEntries(String(x)));

export const toJson = (o: Observation) => ({
  ip: o.ip,
  mac: o.mac,
  vendor: o.vendor,
  hostnames: o.hostnames,
  services: o.services.map((s) => ({
    name: s.name,
    type: s.type,
    protocol: s.protocol,
    port: s.port,
    txt: s.txt,
  })),
  openPorts: o.openPorts,
  banners: o.banners,
  class: o.deviceClass,
  os: o.os,
  model: o.model,
  seenBy: o.seenBy,
  evidence: o.evidence,
});

/**
 * A table cell made terminal-safe: names come from the network (mDNS, reverse DNS), and a name
 * must neither steer the terminal nor break its row to forge another device's line.
 */
const cell = (text: string): string => terminalText(text).replaceAll('\n', '\\n').replaceAll('\t', '\\t');

/** The human format, one row per device, columns aligned on what is actually printed. */
export const scanTable = (found: Observation[]): string => {
  const rows = [
    ['IP', 'MAC', 'VENDOR', 'CLASS', 'NAME', 'PORTS'],
    ...found.map((o) =>
      [
        o.ip,
        o.mac ?? '-',
        (o.vendor ?? '-').slice(0, 28),
        o.deviceClass,
        (o.hostnames[0] ?? o.services[0]?.name ?? '-').slice(0, 30),
        o.openPorts.join(',') || '-',
      ].map(cell),
    ),
  ];
  // A loop, not Math.max(...): one argument per asset overflows the stack past some 100,000 rows.
  const widths = rows[0]!.map((_, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** A --scope or --exclude that is no address, range or CIDR is a usage mistake (exit 2), like a bad flag. */
const scopeFromFlags = (include: string[], exclude: string[], max: number) => {
  try {
    return expandScope({ include, exclude }, max);
  } catch (err) {
    if (err instanceof DepotError && err.code === 'BAD_INPUT') throw new UsageError(err.message);
    throw err;
  }
};

export const discoverCommand = async (ctx: CommandContext): Promise<number> => {
  const include = list(ctx.values.scope);
  const exclude = list(ctx.values.exclude);
  // No scope, no probe: --scope is required by the option table; an empty one is refused here.
  if (include.length === 0)
    throw new UsageError('give at least one --scope (e.g. --scope 192.168.1.0/24); no scope, no probe');
  const config = ctx.config();
  const addresses = scopeFromFlags(include, exclude, config.discovery.maxScopeAddresses);
  const t0 = performance.now();
  const progress = process.stderr.isTTY
    ? (p: { phase: string; done: number; total: number; alive: number }) =>
        process.stderr.write(`\r${p.phase.padEnd(10)} ${p.done}/${p.total}  alive ${p.alive}   `)
    : () => {};
  const ranges = config.discovery.mdns ? scopeRanges([{ include, exclude }]) : [];
  const ports = systemPorts(() => ranges, ctx.commandLog(config));
  // A one-shot scan has heard nothing yet: its listener's first window is the whole mDNS wait.
  await ports.mdns.start?.();
  const found = await runScan(
    addresses,
    ports,
    scanSettingsFrom(config.discovery),
    progress,
    undefined,
    (m, err) =>
      process.stderr.write(
        `patch-depot discover: warning: ${terminalText(`${m}: ${(err as Error)?.message ?? err}`)}\n`,
      ),
  ).finally(() => ports.mdns.stop?.());
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (ctx.values.json) {
    process.stdout.write(`${JSON.stringify(found.map(toJson), null, 2)}\n`);
  } else {
    process.stdout.write(`${scanTable(found)}\n`);
    process.stdout.write(
      `\n${found.length} device(s) in ${addresses.length} address(es), ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  }
  return 0;
};
