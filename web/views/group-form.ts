/**
 * The host-group form (deploy.groups): what a technician posts becomes a group entry, checked by the
 * deploy settings schema itself (daemon/deploy/site-settings.ts) so the form and config.json agree
 * on every rule. Machines are picked from the host directory by name; the form posts them as
 * `host:<id>`, which is what the schema stores (a machine stays a member whatever its address),
 * plus any addresses or CIDRs typed by hand for subnets.
 */
import { parseWindow } from '../../daemon/deploy/policy/windows.js';
import { deploySettingsSchema, memberHostId, systemTimeZone } from '../../daemon/deploy/site-settings.js';
import { splitLines } from './form-lines.js';

/** A machine the member picker offers: its id in the host directory, its name as pages show it. */
export interface KnownHost {
  id: string;
  name: string;
  /** Where it answers now, if known. */
  address?: string | undefined;
  /** Why it is no deployment target (the appliance, a printer, a TV...): listed only once ticked. */
  notTarget?: string | undefined;
}

/** The form's fields as typed, kept whole on a bad submit. */
export interface GroupDraft {
  name: string;
  ring: string;
  /** The machines ticked, as members (`host:<id>`). */
  hosts: string[];
  /** Other members, one address or CIDR per line. */
  others: string;
  window: string;
  reboot: string;
}

/** What the editor shows besides the list: the draft, its problems and which group it edits. */
export interface GroupFormState {
  draft: GroupDraft;
  errors: Partial<Record<GroupField | '', string>>;
  /** The name of the group being edited; none: adding. */
  editing?: string | undefined;
}

export const GROUP_FIELDS = ['name', 'ring', 'hosts', 'others', 'window', 'reboot'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

/** The group entry as the file stores it. */
export type GroupEntry = Record<string, unknown> & { name: string };

export const emptyDraft = (): GroupDraft => ({
  name: '',
  ring: '1',
  hosts: [],
  others: '',
  window: '',
  reboot: 'if-required',
});

const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/** A posted body (parsed with `all: true`) as a draft, and the names of fields no group has. */
export const draftOf = (
  body: Record<string, unknown>,
  control: ReadonlySet<string>,
): { draft: GroupDraft; unknown: string[] } => ({
  draft: {
    name: text(body.name).trim(),
    ring: text(body.ring).trim(),
    hosts: list(body.hosts),
    others: text(body.others),
    window: text(body.window).trim(),
    reboot: text(body.reboot).trim(),
  },
  unknown: Object.keys(body).filter((k) => !GROUP_FIELDS.includes(k as GroupField) && !control.has(k)),
});

/** A draft from a stored group: every host member ticked (known or not), the rest as typed lines. */
export const draftFromEntry = (entry: Record<string, unknown>): GroupDraft => {
  const members = list(entry.members);
  const isHost = (m: string) => memberHostId(m) !== undefined;
  return {
    name: text(entry.name),
    ring: entry.ring === undefined ? '' : String(entry.ring),
    hosts: members.filter(isHost),
    others: members.filter((m) => !isHost(m)).join('\n'),
    window: text(entry.window),
    reboot: text(entry.reboot) || 'if-required',
  };
};

const RING_ERROR = 'choose ring 0 (pilot), 1 or 2';

/** The entry a draft stands for; a ring that is not a whole number is the form's own error. */
export const entryOf = (d: GroupDraft): { entry: GroupEntry } | { errors: Record<string, string> } => {
  if (!/^\d+$/.test(d.ring)) return { errors: { ring: RING_ERROR } };
  const members = [...new Set([...d.hosts, ...splitLines(d.others)])];
  const entry: GroupEntry = { name: d.name, ring: Number(d.ring), members, reboot: d.reboot };
  if (d.window) entry.window = d.window;
  return { entry };
};

/** Which form field shows a schema issue at `groups[index]...`; members typed by hand are `others`. */
const fieldOf = (
  rest: readonly PropertyKey[],
  entry: GroupEntry,
  hosts: readonly string[],
): GroupField | '' => {
  const key = rest[0];
  if (key === 'members') {
    const member = (entry.members as string[])[Number(rest[1])];
    return member !== undefined && hosts.includes(member) ? 'hosts' : 'others';
  }
  return GROUP_FIELDS.includes(key as GroupField) ? (key as GroupField) : '';
};

/**
 * The schema's problems with the group at `index` of `groups`, field by field ('' for the rest).
 * `deploy` is the file's deploy section (its time zone reads the window).
 */
export const groupErrors = (
  deploy: Record<string, unknown>,
  groups: readonly Record<string, unknown>[],
  index: number,
  hosts: readonly string[] = [],
): Record<string, string> => {
  const result = deploySettingsSchema.safeParse({ ...deploy, groups });
  if (result.success) return {};
  const entry = groups[index] as GroupEntry;
  const errors: Record<string, string> = {};
  // The schema names the later of two groups of one name: a group renamed to an earlier one's
  // name would get the issue at the other entry, not beside the field just typed.
  if (groups.some((g, i) => i !== index && g.name === entry.name))
    errors.name = 'a group with this name exists already';
  // The schema reads windows only once the rest is valid: the form names every problem at once.
  const zone = typeof deploy.timeZone === 'string' ? deploy.timeZone : systemTimeZone();
  if (typeof entry.window === 'string')
    try {
      parseWindow(entry.window, zone);
    } catch (err) {
      if (!/unknown time zone/.test((err as Error).message)) errors.window = (err as Error).message;
    }
  for (const issue of result.error.issues) {
    const [top, at, ...rest] = issue.path;
    if (top !== 'groups' || at !== index) {
      if (top !== 'groups') errors[''] ??= `deploy.${issue.path.join('.')}: ${issue.message}`;
      continue;
    }
    const field = fieldOf(rest, entry, hosts);
    errors[field] ??= /named twice/.test(issue.message)
      ? 'a group with this name exists already'
      : field === 'ring'
        ? RING_ERROR
        : issue.message;
  }
  return errors;
};
