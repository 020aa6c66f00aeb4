/**
 * Settings: one zod schema is the source of the TypeScript type, the defaults, the environment
 * variable names and the help text. Sources, lowest to highest precedence: defaults, the JSON
 * config file, PATCH_DEPOT_* environment variables, command-line flags. Every problem is reported
 * as `path: message` and the daemon refuses to start.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { feedSpecSchema } from './catalog/feed-config.js';
import { isPublicKey, NOT_A_PUBLIC_KEY } from './catalog/signatures.js';
import { addressOrCidr } from './config-addresses.js';
import { flagOf, formatIssues, lineAndColumn, originOf } from './config-messages.js';
import { deploySettingsSchema } from './deploy/site-settings.js';
import { DepotError, isSystemError, systemErrorReason } from './errors.js';
import { reportsSettingsSchema } from './reports/settings.js';
import { selfUpdateSettingsSchema } from './self-update/settings.js';
import { tftpSettingsSchema } from './tftp/settings.js';

export const configSchema = z
  .object({
    dataDir: z.string().min(1),
    http: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Set when a TLS-terminating proxy sits in front: cookies then carry the Secure flag. */
        secureCookies: z.boolean().default(false),
        /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
        metricsToken: z.string().min(16).optional(),
        /**
         * Names (besides IP addresses, localhost and the machine's own host name) the UI may be
         * reached by, e.g. "depot.branch.example" or ".branch.example"; anything else gets 421.
         */
        allowedHosts: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        /** Coalesce state writes for this long: SD cards wear out. */
        debounceMs: z.number().int().min(0).max(60_000).default(500),
        /** ...but never hold an acknowledged change longer than this. */
        maxDelayMs: z.number().int().min(0).max(300_000).default(5_000),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        sessionTtlHours: z
          .number()
          .min(0.1)
          .max(24 * 30)
          .default(12),
        loginAttemptsPerMinute: z.number().int().min(1).max(1000).default(5),
      })
      .strict()
      .prefault({}),
    site: z
      .object({
        /** How consoles and reports name this site; default: the appliance's host name. */
        name: z.string().trim().min(1).max(80).optional(),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** Requests one API token may make per minute (a full pull of 5,000 hosts takes about 20). */
        requestsPerMinute: z.number().int().min(1).max(100_000).default(600),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        /** Jobs (scans, collections, syncs) running at once; each kind has its own limit too. */
        concurrency: z.number().int().min(1).max(64).default(6),
        /** Finished jobs kept for the Activity page; older records and their logs are removed. */
        keepFinished: z.number().int().min(10).max(100_000).default(1000),
      })
      .strict()
      .prefault({}),
    catalog: z
      .object({
        /** Vendor feeds: Debian tracker JSON, OSV records/zips, apt repositories, signed manifests. */
        feeds: z
          .array(feedSpecSchema)
          .default([])
          .refine(
            (feeds) => new Set(feeds.map((f) => f.id)).size === feeds.length,
            'feed ids must be unique',
          ),
        /** Each enabled feed is synced when its last attempt is older than this. */
        syncIntervalMinutes: z.number().int().min(15).max(10_080).default(360),
        /** Ed25519 public keys (PEM or base64) trusted for signed manifests and offline bundles. */
        trustedKeys: z.array(z.string().refine(isPublicKey, NOT_A_PUBLIC_KEY)).default([]),
        /**
         * Largest single feed download; the full Debian tracker JSON is about 100 MB. Sized for a
         * 2 GB Raspberry Pi: parsing a feed takes several times its size in memory.
         */
        maxFeedMB: z.number().int().min(1).max(4096).default(192),
        /**
         * Most a compressed feed may expand to: an OSV zip dump (all records together), one apt
         * Packages index, an offline bundle. Past it the feed is refused as a decompression bomb.
         */
        maxUnpackedMB: z.number().int().min(1).max(8192).default(512),
        /**
         * Heap limit of the worker thread that parses feeds: a feed too big for it fails alone
         * (the last good snapshot stays) instead of exhausting the appliance's memory.
         */
        workerMemoryMB: z.number().int().min(64).max(16_384).default(1024),
        /** Connect, headers and between-chunk timeout for feed downloads. */
        timeoutSeconds: z.number().int().min(5).max(600).default(60),
      })
      .strict()
      .prefault({}),
    inventory: z
      .object({
        /** SSH sessions open at once during a collection run (a Pi has little CPU for crypto). */
        concurrency: z.number().int().min(1).max(64).default(4),
        /** TCP connect + SSH handshake + login. */
        connectTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
        /** Each remote command; rpm -qa on a slow disk can take a while. */
        commandTimeoutMs: z.number().int().min(1000).max(600_000).default(120_000),
        /** Output cap per command: a host cannot fill the appliance's memory. */
        maxOutputBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .max(256 * 1024 * 1024)
          .default(32 * 1024 * 1024),
        /** A host reporting more installed packages than this is refused (a real one has a few thousand). */
        maxPackages: z.number().int().min(100).max(1_000_000).default(20_000),
        /** Collect every host with credentials this often (0 = only when asked; max 24 days). */
        intervalHours: z
          .number()
          .min(0)
          .max(24 * 24)
          .default(24),
      })
      .strict()
      .prefault({}),
    discovery: z
      .object({
        /** Scopes above this many addresses are refused: no sweeping a /8 by accident. */
        maxScopeAddresses: z.number().int().min(1).max(1_048_576).default(4096),
        /** Cap on probe packets per second (ICMP + TCP SYN) so a scan never floods the LAN. */
        packetsPerSecond: z.number().int().min(10).max(50_000).default(4000),
        /** Probes in flight at once. */
        concurrency: z.number().int().min(1).max(1024).default(256),
        /** First ICMP wait per address; a LAN answers in a few ms, sleepy Wi-Fi devices get the retry. */
        icmpTimeoutMs: z.number().int().min(50).max(10_000).default(150),
        icmpRetries: z.number().int().min(0).max(5).default(1),
        tcpTimeoutMs: z.number().int().min(50).max(10_000).default(800),
        /** Probed on every live host; what is open tells what a device is. */
        ports: z
          .array(z.number().int().min(1).max(65535))
          .max(64)
          .default([22, 23, 80, 443, 445, 515, 554, 631, 1883, 3389, 8009, 8080, 9100, 62078]),
        /** Probed on off-link addresses that do not answer ICMP (no ARP to rely on there). */
        livenessPorts: z.array(z.number().int().min(1).max(65535)).max(16).default([22, 80, 443, 445]),
        mdns: z.boolean().default(true),
        /**
         * mDNS listens all the time on links facing a scope; a scan waits for it (in parallel with the
         * sweep) only until the link has been listened on this long, then just for a quiet spell.
         */
        mdnsWindowMs: z.number().int().min(100).max(30_000).default(2500),
        reverseDns: z.boolean().default(true),
        /** Deadline for one banner read or reverse lookup. */
        enrichTimeoutMs: z.number().int().min(100).max(10_000).default(1500),
        /** Run scopes' scheduled scans (off: on demand only). */
        schedule: z.boolean().default(true),
        /** Coalesce asset-file writes for this long. */
        writeDebounceMs: z.number().int().min(0).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    cache: z
      .object({
        enabled: z.boolean().default(true),
        /** Where blobs and the index live (default: DATA_DIR/cache). */
        dir: z.string().min(1).optional(),
        quotaMB: z.number().int().min(16).default(20_480),
        /** Keep this much free on the volume whatever the quota says. */
        minFreeMB: z.number().int().min(0).default(512),
        /** WAN budget for upstream downloads in KiB/s; 0 = unlimited. */
        wanRateKBps: z.number().int().min(0).default(0),
        /** URL prefixes the cache may fetch from (e.g. a Debian mirror's http URL); nothing else. */
        upstreams: z.array(z.url({ protocol: /^https?$/ })).default([]),
        /** LAN addresses/CIDRs allowed to fetch through the cache; empty = any. */
        clients: z.array(addressOrCidr).default([]),
        /** Another Patch Depot's proxy URL to fetch through (hierarchical caches). */
        parent: z.url({ protocol: /^http$/ }).optional(),
        /** When background downloads may use the WAN, local time, e.g. ["22:00-06:00"]; empty = always. */
        windows: z.array(z.string().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'expected HH:MM-HH:MM')).default([]),
        /** Also refuse client misses outside the windows (otherwise windows gate prefetch only). */
        strictWindows: z.boolean().default(false),
        /**
         * Largest decompressed apt index (Packages.gz/.xz) read for the hashes it lists; real ones
         * are tens of MiB. Past it the index is dropped from the cache as a decompression bomb.
         */
        maxIndexMB: z.number().int().min(1).max(4096).default(256),
        /** Revalidate apt index files (Release, Packages...) older than this. */
        mutableMaxAgeSec: z.number().int().min(0).default(300),
        retries: z.number().int().min(0).max(20).default(5),
        retryBaseMs: z.number().int().min(0).default(1000),
        connectTimeoutMs: z.number().int().min(100).default(10_000),
        headersTimeoutMs: z.number().int().min(100).default(30_000),
        /** Longest silence between two body chunks before the connection counts as dropped. */
        idleTimeoutMs: z.number().int().min(100).default(60_000),
        /** A download every client has left is stopped after this long, unless someone asks again. */
        abandonGraceSec: z.number().int().min(0).max(3600).default(5),
        /** An upstream sending fewer bytes than this per `rateWindowSec` counts as dropped (0 = off). */
        minRateBytes: z.number().int().min(0).default(16_384),
        rateWindowSec: z.number().int().min(1).max(3600).default(60),
        /** No single download may take longer than this, retries included. */
        maxDownloadMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(720),
        proxy: z
          .object({
            enabled: z.boolean().default(true),
            /** Listen address of the proxy port (default: the same as http.host). */
            host: z.string().min(1).optional(),
            /** The apt proxy port (apt-cacher-ng's customary 3142). */
            port: z.number().int().min(0).max(65535).default(3142),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The read-only TFTP server for network devices' firmware and configuration (off by default). */
    tftp: tftpSettingsSchema.prefault({}),
    /** Standing deployment settings: host groups, rings, windows, reboots, auto-approval. */
    deploy: deploySettingsSchema.prefault({}),
    /** The appliance updates its own package in a window, through its cache, with a way back. */
    selfUpdate: selfUpdateSettingsSchema.prefault({}),
    /** Compliance history, patch age, time to remediate and the SLA the Reports page measures. */
    reports: reportsSettingsSchema.prefault({}),
    /** mDNS/DNS-SD announcements of the UI and the apt proxy, only on links inside a scope. */
    mdns: z
      .object({
        /** On by default; nothing is sent until a scope covers one of the appliance's subnets. */
        advertise: z.boolean().default(true),
        /** `<hostname>.local`; when another machine has it, `<hostname>-2`, `-3`, ... */
        hostname: z
          .string()
          .regex(
            /^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/i,
            'expected a DNS label: letters, digits and inner hyphens',
          )
          .default('patch-depot'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Each host of a deployment runs as a job: the job runner's limit caps the site's.
    if (c.deploy.concurrency > c.jobs.concurrency)
      ctx.addIssue({
        code: 'custom',
        path: ['deploy', 'concurrency'],
        message: `${c.deploy.concurrency} hosts at a time needs jobs.concurrency ${c.deploy.concurrency} or more (it is ${c.jobs.concurrency}): each host runs as a job`,
      });
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

type EnvType = 'string' | 'int' | 'bool';
/** Environment variables: name -> [config path, type, help]. */
export const envVars: Record<string, readonly [string, EnvType, string]> = {
  PATCH_DEPOT_DATA_DIR: ['dataDir', 'string', 'where state, host files and the cache live'],
  PATCH_DEPOT_HOST: ['http.host', 'string', 'address the web UI and API listen on'],
  PATCH_DEPOT_PORT: ['http.port', 'int', 'TCP port of the web UI and API'],
  PATCH_DEPOT_SECURE_COOKIES: ['http.secureCookies', 'bool', 'mark cookies Secure (behind HTTPS)'],
  PATCH_DEPOT_METRICS_TOKEN: [
    'http.metricsToken',
    'string',
    'bearer token required by /metrics (default: open)',
  ],
  PATCH_DEPOT_SITE_NAME: ['site.name', 'string', 'how consoles name this site (default: the host name)'],
  PATCH_DEPOT_LOG_LEVEL: ['log.level', 'string', 'debug, info, warn or error'],
  PATCH_DEPOT_LOG_FORMAT: ['log.format', 'string', 'auto (pretty on a terminal), json or pretty'],
  PATCH_DEPOT_CACHE_PROXY_PORT: ['cache.proxy.port', 'int', 'port of the apt proxy / package cache'],
  PATCH_DEPOT_TFTP_ENABLED: ['tftp.enabled', 'bool', 'serve firmware read-only over TFTP'],
  PATCH_DEPOT_TFTP_PORT: ['tftp.port', 'int', 'UDP port of the TFTP server (69)'],
  PATCH_DEPOT_TFTP_ROOT: ['tftp.root', 'string', 'the one directory the TFTP server serves'],
  PATCH_DEPOT_MDNS_ADVERTISE: ['mdns.advertise', 'bool', 'announce the UI and apt proxy over mDNS in scope'],
  PATCH_DEPOT_CACHE_QUOTA_MB: ['cache.quotaMB', 'int', 'disk space the package cache may use, in MiB'],
};

export const defaultDataDir = (env: NodeJS.ProcessEnv): string =>
  // systemd's StateDirectory= sets STATE_DIRECTORY; a checkout keeps its state beside it.
  env.STATE_DIRECTORY?.split(':')[0] ?? resolve('.data');

const setPath = (target: Record<string, unknown>, path: string, value: unknown): void => {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
};

const coerce = (name: string, raw: string, type: EnvType): unknown => {
  if (type === 'string') return raw;
  if (type === 'bool') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new DepotError('CONFIG_INVALID', `${name}: expected true or false, got "${raw}"`);
  }
  if (!/^-?\d+$/.test(raw))
    throw new DepotError('CONFIG_INVALID', `${name}: expected a whole number, got "${raw}"`);
  return Number(raw);
};

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Explicit config file; when absent `<dataDir>/config.json` is read if it exists. */
  file?: string | undefined;
  /** Flag overrides as dotted paths, e.g. {'http.port': 9000}. */
  overrides?: Record<string, unknown>;
  /** The config file's text as it would be (the settings page checks a change before writing it). */
  text?: string;
}

/** Every source merged, before the schema: defaults are not applied yet. */
export const configInput = (opts: LoadConfigOptions) => {
  const merged: Record<string, unknown> = {};
  const envEntries = Object.entries(envVars).filter(([name]) => opts.env[name] !== undefined);
  const flagDir = opts.overrides?.dataDir;
  const envDir = opts.env.PATCH_DEPOT_DATA_DIR;
  const dataDir = typeof flagDir === 'string' ? flagDir : (envDir ?? defaultDataDir(opts.env));
  const file = opts.file ?? resolve(dataDir, 'config.json');
  const read = opts.text !== undefined || opts.file !== undefined || existsSync(file);
  if (read) {
    let parsed: unknown;
    let text = opts.text ?? '';
    try {
      if (opts.text === undefined) text = readFileSync(file, 'utf8');
    } catch (cause) {
      const why = isSystemError(cause) ? systemErrorReason(cause) : (cause as Error).message;
      throw new DepotError('CONFIG_INVALID', `${file}: cannot read: ${why}`, { cause });
    }
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      // Node 24 says "(line 1 column 2)" itself; ours (", column") is the one kept.
      const message = (cause as Error).message.replace(/ \(line \d+ column \d+\)$/, '');
      const why = `${message}${lineAndColumn(text, cause as Error)}`;
      throw new DepotError('CONFIG_INVALID', `${file}: cannot read as JSON: ${why}`, { cause });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DepotError('CONFIG_INVALID', `${file}: expected a JSON object`);
    }
    Object.assign(merged, parsed);
    // A relative dataDir in the file means relative to the file, not to wherever the daemon started.
    const fileDir = (parsed as { dataDir?: unknown }).dataDir;
    if (typeof fileDir === 'string' && !isAbsolute(fileDir)) merged.dataDir = resolve(dirname(file), fileDir);
  }
  merged.dataDir ??= dataDir;
  for (const [name, [path, type]] of envEntries) setPath(merged, path, coerce(name, opts.env[name]!, type));
  for (const [path, value] of Object.entries(opts.overrides ?? {})) setPath(merged, path, value);
  return { merged, envEntries, read, file };
};

export const loadConfig = (opts: LoadConfigOptions): Config => {
  const { merged, envEntries, read, file } = configInput(opts);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const sources: Array<[string, string]> = [
      ...envEntries.map(([name, [path]]): [string, string] => [path, name]),
      ...Object.keys(opts.overrides ?? {}).map((path): [string, string] => [
        path,
        flagOf[path] ?? 'the command line',
      ]),
    ];
    throw new DepotError(
      'CONFIG_INVALID',
      formatIssues(result.error, originOf(sources, read ? file : undefined)),
    );
  }
  return { ...result.data, dataDir: resolve(result.data.dataDir) };
};
