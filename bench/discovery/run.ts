/**
 * Discovery benchmark: a lab /24 with 200 live hosts; Patch Depot's scan against `nmap -sn` and
 * `arp-scan`, all run inside the lab's appliance namespace against the lab subnet only (nothing
 * leaves the namespaces). Each tool runs several times with a cold neighbour cache, the tools
 * taking turns (one run of each per round); the median time and the recall (live hosts found with
 * the right MAC) are reported.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLab } from '../../scripts/lab/lab.js';
import { labUnavailableReason } from '../../scripts/lab/netns.js';
import { liveHosts } from '../../scripts/lab/site.js';
import { measureAssetPage } from './asset-page.js';

const execFileP = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const HOSTS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Result {
  ms: number;
  found: Map<string, string | null>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const main = async (): Promise<void> => {
  const why = labUnavailableReason();
  if (why) {
    console.log(`bench/discovery skipped: ${why}`);
    console.log(`BENCH ${JSON.stringify({ bench: 'discovery', skipped: why })}`);
    return;
  }
  const lab = await createLab({
    name: `${process.env.BENCH_LAB_PREFIX ?? 'b'}${randomBytes(3).toString('hex')}`,
    hosts: liveHosts(HOSTS),
  });
  try {
    const truth = new Map(lab.hosts.map((h) => [h.ip, h.mac]));
    const inApp = (argv: string[]) =>
      execFileP('ip', ['netns', 'exec', lab.applianceNs, ...argv], { cwd: repo, maxBuffer: 16 << 20 });
    const cold = () => inApp(['ip', 'neigh', 'flush', 'all']);

    const timed = async (
      argv: string[],
      parse: (out: string) => Map<string, string | null>,
    ): Promise<Result> => {
      await cold();
      const t0 = performance.now();
      const { stdout } = await inApp(argv);
      return { ms: performance.now() - t0, found: parse(stdout) };
    };
    const ours = (profile: string) => async (): Promise<Result> => {
      await cold();
      const { stdout } = await inApp([
        process.execPath,
        '--import',
        'tsx',
        'bench/discovery/scan-once.ts',
        lab.subnet,
        profile,
      ]);
      const r = JSON.parse(stdout) as { ms: number; hosts: Array<{ ip: string; mac: string | null }> };
      return { ms: r.ms, found: new Map(r.hosts.map((h) => [h.ip, h.mac])) };
    };
    const nmap = () =>
      timed(['nmap', '-sn', '-n', lab.subnet], (out) => {
        const found = new Map<string, string | null>();
        let ip = '';
        for (const line of out.split('\n')) {
          const report = /^Nmap scan report for (\S+)/.exec(line);
          if (report) {
            ip = report[1]!;
            found.set(ip, null);
          }
          const mac = /^MAC Address: ([0-9A-F:]{17})/.exec(line);
          if (mac && ip) found.set(ip, mac[1]!.toLowerCase());
        }
        return found;
      });
    const arpScan = () =>
      timed(['arp-scan', '-I', 'eth0', '-q', '-x', lab.subnet], (out) => {
        const found = new Map<string, string | null>();
        for (const line of out.split('\n')) {
          const m = /^(\d+\.\d+\.\d+\.\d+)\s+([0-9a-f:]{17})/.exec(line);
          if (m) found.set(m[1]!, m[2]!);
        }
        return found;
      });

    const tools: Array<[string, () => Promise<Result>]> = [
      ['patch-depot (sweep)', ours('sweep')],
      ['patch-depot (full scan)', ours('full')],
      ['patch-depot (full, cold)', ours('full-cold')],
      ['nmap -sn', nmap],
      ['arp-scan', arpScan],
    ];
    const rows: Array<{
      tool: string;
      medianMs: number;
      runsMs: number[];
      recall: number;
      macRecall: number;
      extra: number;
    }> = [];
    // Round by round, every tool once per round: a burst of load from other work on the machine
    // then falls on every tool alike, not on whichever ran all its runs during it.
    const results = new Map<string, Result[]>(tools.map(([tool]) => [tool, []]));
    for (let i = 0; i < RUNS; i++) for (const [tool, run] of tools) results.get(tool)!.push(await run());
    for (const [tool] of tools) {
      const runs = results.get(tool)!;
      const worst = runs.reduce(
        (min, r) => Math.min(min, [...truth.keys()].filter((ip) => r.found.has(ip)).length),
        HOSTS,
      );
      const worstMac = runs.reduce(
        (min, r) => Math.min(min, [...truth].filter(([ip, mac]) => r.found.get(ip) === mac).length),
        HOSTS,
      );
      const extra = Math.max(
        ...runs.map(
          (r) => [...r.found.keys()].filter((ip) => !truth.has(ip) && ip !== lab.applianceIp).length,
        ),
      );
      rows.push({
        tool,
        medianMs: Math.round(median(runs.map((r) => r.ms))),
        runsMs: runs.map((r) => Math.round(r.ms)),
        recall: worst / HOSTS,
        macRecall: worstMac / HOSTS,
        extra,
      });
    }
    const nmapMs = rows.find((r) => r.tool === 'nmap -sn')!.medianMs;
    const arpMs = rows.find((r) => r.tool === 'arp-scan')!.medianMs;
    console.log(
      `\n${HOSTS} live hosts in ${lab.subnet} (lab), ${RUNS} runs each, cold neighbour cache, median time; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    console.log(
      `${'tool'.padEnd(26)}${'median'.padStart(9)}${'vs nmap'.padStart(9)}${'vs arp-scan'.padStart(13)}${'recall'.padStart(8)}${'MAC ok'.padStart(8)}  runs (ms)`,
    );
    for (const r of rows) {
      console.log(
        `${r.tool.padEnd(26)}${`${r.medianMs} ms`.padStart(9)}${(r.medianMs / nmapMs).toFixed(2).padStart(9)}${(r.medianMs / arpMs).toFixed(2).padStart(13)}${`${(r.recall * 100).toFixed(1)}%`.padStart(8)}${`${(r.macRecall * 100).toFixed(1)}%`.padStart(8)}  ${r.runsMs.join(' ')}`,
      );
    }
    const goal = (label: string, tool: string, max: number): void => {
      const r = rows.find((x) => x.tool === tool)!;
      const ratio = r.medianMs / nmapMs;
      const met = ratio <= max && r.recall === 1;
      console.log(
        `goal: ${label} at most ${max}x nmap -sn with 100% recall: ${ratio.toFixed(2)}x -> ${met ? 'met' : 'NOT met'}`,
      );
    };
    console.log('');
    goal('sweep', 'patch-depot (sweep)', 0.3);
    goal('full scan (daemon, listening mDNS)', 'patch-depot (full scan)', 1.0);
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const ui = measureAssetPage(5000);
    console.log('\nAssets page at 5,000 assets (query + render of the table fragment, median of 50):');
    for (const u of ui)
      console.log(`  ${u.request.padEnd(34)} ${`${u.medianMs} ms`.padStart(10)}  ${u.bytes} bytes`);
    console.log(
      `BENCH ${JSON.stringify({ bench: 'discovery', hosts: HOSTS, subnet: lab.subnet, runs: RUNS, results: rows.map(({ runsMs: _, ...r }) => ({ ...r, ratioVsNmap: +(r.medianMs / nmapMs).toFixed(3), ratioVsArpScan: +(r.medianMs / arpMs).toFixed(3) })), assetPage5000: ui })}`,
    );
  } finally {
    await lab.down();
  }
};

await main();
