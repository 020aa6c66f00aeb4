/**
 * The settings a technician changes from the UI: which config paths, in which form section, as
 * which kind of input. The values are checked by the config schema itself (daemon/config.ts), the
 * one source of truth; here a form's text only becomes the JSON value the schema judges.
 */
import type { Child } from 'hono/jsx';
import type { ConfigFileState, SettingChange } from '../../daemon/settings/config-file.js';
import { splitLines } from './form-lines.js';
import type { GroupFormState, KnownHost } from './group-form.js';

export type FieldKind = 'text' | 'number' | 'lines' | 'bool' | 'keys';

export interface FieldSpec {
  /** The config path, also the form field's name. */
  path: string;
  label: string;
  kind: FieldKind;
  hint: string;
  /** Changes who or what the appliance trusts: asks first. */
  trust?: boolean;
}

export interface SectionSpec {
  id: string;
  title: string;
  intro: string;
  fields: FieldSpec[];
}

/**
 * A section's title inside a sentence ("Save package cache"): its first letter lowered, unless
 * the first word is an acronym ("Save TFTP for network devices", never "Save tftp ...").
 */
export const titleInSentence = (title: string): string =>
  /^\p{Lu}\p{Lu}/u.test(title) ? title : title.charAt(0).toLowerCase() + title.slice(1);

export const SECTIONS: readonly SectionSpec[] = [
  {
    id: 'site',
    title: 'Site',
    intro: 'How consoles, reports and the signed site summary name this appliance.',
    fields: [
      {
        path: 'site.name',
        label: 'Site name',
        kind: 'text',
        hint: 'Up to 80 characters; empty: the appliance’s host name.',
      },
    ],
  },
  {
    id: 'catalog',
    title: 'Feed schedule and trust',
    intro: 'When feeds are synchronised, and which Ed25519 keys may sign manifests and offline bundles.',
    fields: [
      {
        path: 'catalog.syncIntervalMinutes',
        label: 'Sync every (minutes)',
        kind: 'number',
        hint: '15 to 10080; empty: 360.',
      },
      {
        path: 'catalog.trustedKeys',
        label: 'Trusted signing keys',
        kind: 'keys',
        hint: 'Public keys in PEM (one block each) or base64 (one per line). A key here can vouch for any feed content.',
        trust: true,
      },
    ],
  },
  {
    id: 'cache',
    title: 'Package cache',
    intro: 'Where the cache may download from, how fast, when, and which LAN hosts may use it.',
    fields: [
      {
        path: 'cache.upstreams',
        label: 'Upstream URLs',
        kind: 'lines',
        hint: 'One URL prefix per line, e.g. a Debian mirror’s /debian and the security archive’s /debian-security.',
      },
      {
        path: 'cache.wanRateKBps',
        label: 'WAN rate (KiB/s)',
        kind: 'number',
        hint: 'Budget for upstream downloads; 0 or empty: unlimited.',
      },
      {
        path: 'cache.windows',
        label: 'Download windows',
        kind: 'lines',
        hint: 'Local time, one per line as HH:MM-HH:MM (e.g. 22:00-06:00); empty: any time.',
      },
      {
        path: 'cache.strictWindows',
        label: 'Refuse uncached downloads outside the windows',
        kind: 'bool',
        hint: 'Off: windows only hold back prefetching.',
      },
      {
        path: 'cache.clients',
        label: 'Allowed clients',
        kind: 'lines',
        hint: 'Addresses or CIDRs, one per line, that may fetch through the proxy; empty: any host.',
        trust: true,
      },
      {
        path: 'cache.quotaMB',
        label: 'Disk quota (MiB)',
        kind: 'number',
        hint: 'At least 16; empty: 20480.',
      },
    ],
  },
  {
    id: 'proxy',
    title: 'Apt proxy port',
    intro: 'Where LAN hosts reach the cache (apt’s Acquire::http::Proxy).',
    fields: [
      {
        path: 'cache.proxy.port',
        label: 'Proxy port',
        kind: 'number',
        hint: '0 to 65535; empty: 3142. After a change, hosts set to use the old port must be set to the new one.',
      },
      {
        path: 'cache.proxy.host',
        label: 'Proxy listen address',
        kind: 'text',
        hint: 'An address of this appliance; empty: the same as the web UI’s.',
        trust: true,
      },
    ],
  },
  {
    id: 'tftp',
    title: 'TFTP for network devices',
    intro:
      'A read-only TFTP server for the firmware and configuration files of IP phones, access points and switches (see Devices).',
    fields: [
      {
        path: 'tftp.enabled',
        label: 'Serve files over TFTP',
        kind: 'bool',
        hint: 'Off by default; takes effect at the next start.',
      },
      {
        path: 'tftp.clients',
        label: 'Devices that may fetch',
        kind: 'lines',
        hint: 'Addresses or CIDRs, one per line; empty: any device inside the discovery scopes.',
        trust: true,
      },
    ],
  },
  {
    id: 'deploy',
    title: 'Deployments',
    intro:
      'How many hosts install at once, in which time zone maintenance windows are read, and the gate a ring must pass before the next one starts. Host groups, their rings and windows are edited in their own card below. The next deployment planned uses what is saved here (deployments already planned keep theirs); hosts at a time and the time zone apply after a restart.',
    fields: [
      {
        path: 'deploy.timeZone',
        label: 'Time zone of maintenance windows',
        kind: 'text',
        hint: 'An IANA zone such as Europe/London; empty: the appliance’s own.',
      },
      {
        path: 'deploy.concurrency',
        label: 'Hosts at a time',
        kind: 'number',
        hint: '1 to 100, at most the job runner’s limit; empty: 5.',
      },
      {
        path: 'deploy.batchFailureThreshold',
        label: 'Failed hosts a batch may have',
        kind: 'number',
        hint: 'More than this halts the ring before its next batch; empty: 0.',
      },
      {
        path: 'deploy.gate.minVerified',
        label: 'Verified hosts a ring needs',
        kind: 'number',
        hint: 'Before the next ring starts; empty: 1.',
      },
      {
        path: 'deploy.gate.soakHours',
        label: 'Soak time (hours)',
        kind: 'number',
        hint: 'How long a ring that passed waits before the next starts; 0 to 720; empty: 24.',
      },
    ],
  },
];

export const sectionById = (id: string): SectionSpec | undefined => SECTIONS.find((s) => s.id === id);

/** A config path in words, as its form labels it (the path itself where no form edits it). */
export const labelOf = (path: string): string =>
  path === 'catalog.feeds'
    ? 'Vendor feeds'
    : path === 'deploy.groups'
      ? 'Host groups'
      : (SECTIONS.flatMap((s) => s.fields).find((f) => f.path === path)?.label ?? path);

/** Every path the forms edit: the read-only list shows the rest. */
export const EDITED_PATHS = new Set([
  ...SECTIONS.flatMap((s) => s.fields.map((f) => f.path)),
  'catalog.feeds',
  'deploy.groups',
]);

const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;

/** Keys from a textarea: each PEM block whole, and any other non-empty line. */
export const splitKeys = (text: string): string[] => {
  const blocks = (text.match(PEM) ?? []).map((b) => b.trim());
  const rest = text
    .replace(PEM, '\n')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return [...blocks, ...rest];
};

export { splitLines } from './form-lines.js';

/** A form value as the schema's JSON; a string the field cannot read becomes an error. */
const jsonOf = (kind: FieldKind, raw: string | undefined): { value: unknown } | { error: string } => {
  const text = raw ?? '';
  switch (kind) {
    case 'bool':
      // A hidden "off" goes first, the checkbox's "on" after it when ticked.
      return { value: text === 'on' || text === 'true' };
    case 'lines':
      return { value: splitLines(text) };
    case 'keys':
      return { value: splitKeys(text) };
    case 'number':
      if (text.trim() === '') return { value: undefined };
      return /^-?\d+$/.test(text.trim()) ? { value: Number(text.trim()) } : { error: 'enter a whole number' };
    default:
      return { value: text.trim() === '' ? undefined : text.trim() };
  }
};

/** Form fields that are not settings. */
export const CONTROL_FIELDS = new Set(['_csrf', 'version', 'confirm']);

export type ParsedSection =
  | { changes: SettingChange[]; values: Record<string, string> }
  | { errors: Record<string, string>; values: Record<string, string>; unknown?: string[] };

/** A section's posted form: its changes, or what is wrong field by field. */
export const parseSection = (section: SectionSpec, body: Record<string, unknown>): ParsedSection => {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') values[k] = v;
  const known = new Set(section.fields.map((f) => f.path));
  const unknown = Object.keys(body).filter((k) => !known.has(k) && !CONTROL_FIELDS.has(k));
  if (unknown.length) return { errors: {}, values, unknown };
  const errors: Record<string, string> = {};
  const changes: SettingChange[] = [];
  for (const f of section.fields) {
    // Absent (a field set elsewhere is shown disabled, so the browser sends nothing): unchanged.
    if (values[f.path] === undefined) continue;
    const v = jsonOf(f.kind, values[f.path]);
    if ('error' in v) errors[f.path] = v.error;
    else changes.push({ path: f.path, value: v.value });
  }
  return Object.keys(errors).length ? { errors, values } : { changes, values };
};

/** A config value as the text its field shows. */
export const fieldText = (kind: FieldKind, value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (kind === 'lines') return (value as string[]).join('\n');
  if (kind === 'keys') return (value as string[]).join('\n\n');
  return String(value);
};

/** The feed form's values as typed (see settings-feeds.tsx). */
export type FeedDraft = Partial<Record<string, string>>;

/** Everything the Appliance settings page shows. */
export interface SettingsView {
  csrf: string;
  state: ConfigFileState;
  file: string;
  /** Settings saved in the file that the running services do not use yet. */
  restart: string[];
  overriddenBy: (path: string) => string | undefined;
  /** A message at the top: what was saved, applied, refused. */
  notice?: { kind: 'error' | 'ok' | 'info'; text: Child } | undefined;
  /** The section posted: its values as typed and its problems by field. */
  posted?: { section: string; values: Record<string, string>; errors: Record<string, string> } | undefined;
  feed?: { draft: FeedDraft; errors: Record<string, string> } | undefined;
  /** Whether the signed-in account may sync feeds (operator or admin). */
  canSync: boolean;
  /** Machines the host-group editor offers as members, by name. */
  knownHosts: KnownHost[];
  /** The host-group form as posted (with its problems), or the group asked for with ?group=. */
  group?: GroupFormState | undefined;
  editGroup?: string | undefined;
}
