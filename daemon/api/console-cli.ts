/**
 * `patch-depot console pull --sites sites.json`: the reference console for a small MSP, with no
 * other server. It pulls every site's signed summary (304 when unchanged), keeps the last verified
 * one per site in a state file beside sites.json (replaced atomically), and prints one table: site,
 * compliance, hosts at risk, failed deployments, last contact. `--json` prints the rows as JSON;
 * `--serve ADDR:PORT` serves the table as a page (and /sites.json) and pulls again every
 * `--interval` seconds. Exit 1 when a site could not be pulled (its last summary is still shown).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type CommandContext, UsageError } from '../cli-context.js';
import { DepotError } from '../errors.js';
import { HttpServer } from '../http-server.js';
import { createLogger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { checkDocument } from '../store/json-file-adapter.js';
import { terminalText } from '../terminal-text.js';
import { consoleApp } from './console-page.js';
import {
  type ConsoleRow,
  type ConsoleState,
  consoleRows,
  consoleStateSchema,
  pullSite,
  readSitesFile,
  type SiteEntry,
} from './console-pull.js';

const PARALLEL = 16;

const loadState = async (file: string): Promise<ConsoleState> => {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new DepotError('BAD_INPUT', `cannot read the console state ${file} (${err.code})`);
  });
  if (text === undefined) return { version: 1, sites: {} };
  try {
    return checkDocument(file, consoleStateSchema, JSON.parse(text));
  } catch (err) {
    throw new DepotError(
      'BAD_INPUT',
      `${(err as Error).message} (delete it to start over: the next pull rebuilds it)`,
    );
  }
};

/** Pull every site, a few at a time, and save what was learnt. */
export const pullAll = async (sites: readonly SiteEntry[], stateFile: string, state: ConsoleState) => {
  const queue = [...sites];
  const worker = async () => {
    for (let site = queue.shift(); site; site = queue.shift()) {
      state.sites[site.url] ??= {};
      await pullSite(site, state.sites[site.url]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, sites.length) }, worker));
  // Sites removed from sites.json are forgotten.
  for (const url of Object.keys(state.sites)) if (!sites.some((s) => s.url === url)) delete state.sites[url];
  await writeFileAtomic(stateFile, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
};

/**
 * `pull` made to skip a call while the last one still runs: with many slow sites a pull can last
 * longer than --interval, and two at once would ask every site twice and race on the state file.
 * Resolves to whether this call pulled.
 */
export const onePullAtATime = (pull: () => Promise<void>): (() => Promise<boolean>) => {
  let running = false;
  return async () => {
    if (running) return false;
    running = true;
    try {
      await pull();
      return true;
    } finally {
      running = false;
    }
  };
};

const ago = (iso: string | null, now: number): string => {
  if (!iso) return 'never';
  const min = Math.round((now - Date.parse(iso)) / 60_000);
  if (min < 1) return 'just now';
  if (min < 120) return `${min} min ago`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} d ago`;
};

/** The combined table as aligned text; what a site said is escaped before it reaches a terminal. */
export const formatTable = (rows: readonly ConsoleRow[], now = Date.now()): string => {
  const head = ['SITE', 'COMPLIANCE', 'AT RISK', 'FAILED DEPLOYMENTS', 'LAST CONTACT', 'STATUS'];
  const n = (v: number | null, suffix = '') => (v === null ? '-' : `${v}${suffix}`);
  const body = rows.map((r) => [
    terminalText(r.site),
    n(r.compliancePercent, ' %'),
    n(r.hostsAtRisk),
    n(r.failedDeployments),
    ago(r.lastContact, now),
    r.error ? `stale: ${terminalText(r.error)}` : r.problems ? `${r.problems} problem(s) on the site` : 'ok',
  ]);
  // A loop, not Math.max(...): one argument per site overflows the stack past some 100,000 rows.
  const widths = head.map((h, i) => body.reduce((w, b) => Math.max(w, b[i]!.length), h.length));
  return `${[head, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
};

const listenOn = (text: string): { host: string; port: number } => {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new UsageError(`--serve: give ADDR:PORT or PORT, not ${JSON.stringify(text)}`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1'), port };
};

export const consoleCommand = async (ctx: CommandContext): Promise<number | undefined> => {
  const [sub] = ctx.positionals;
  // The option table (daemon/cli/commands.ts) has checked the subcommand and the options.
  if (sub !== 'pull') throw new UsageError(`unknown subcommand "${sub}"`);
  const sitesFile = ctx.values.sites;
  if (typeof sitesFile !== 'string') throw new UsageError('missing --sites FILE');
  const stateFile =
    typeof ctx.values.state === 'string'
      ? ctx.values.state
      : join(dirname(sitesFile), `${basename(sitesFile, '.json')}.state.json`);
  const interval = Number(ctx.values.interval ?? 60);
  if (!Number.isInteger(interval) || interval < 10 || interval > 86_400)
    throw new UsageError('--interval: whole seconds from 10 to 86400');
  const sites = await readSitesFile(sitesFile);
  const state = await loadState(stateFile);
  await pullAll(sites, stateFile, state);
  const rows = () => consoleRows(sites, state);
  if (typeof ctx.values.serve !== 'string') {
    process.stdout.write(ctx.values.json ? `${JSON.stringify(rows(), null, 2)}\n` : formatTable(rows()));
    return rows().some((r) => r.error) ? 1 : 0;
  }
  const { host, port } = listenOn(ctx.values.serve);
  const log = createLogger({ level: 'info', format: 'pretty', sink: process.stderr }, 'console');
  const allowed =
    typeof ctx.values['allowed-hosts'] === 'string' ? ctx.values['allowed-hosts'].split(',') : [];
  const app = consoleApp(rows, interval, allowed.map((h) => h.trim()).filter(Boolean));
  const server = new HttpServer({ host, port, fetch: app.fetch, log });
  await server.start();
  process.stdout.write(
    `serving the console on http://${host.includes(':') ? `[${host}]` : host}:${server.address?.port}/\n`,
  );
  const pull = onePullAtATime(() => pullAll(sites, stateFile, state));
  const timer = setInterval(() => {
    pull()
      .then((pulled) => {
        if (!pulled) log.warn('the last pull is still running: this one is skipped', { interval });
      })
      .catch((err: unknown) => log.error('pull failed', { err }));
  }, interval * 1000);
  const stop = () => {
    clearInterval(timer);
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
};
