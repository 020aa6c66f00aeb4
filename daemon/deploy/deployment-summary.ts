/**
 * What the lists, the host page, the reports and the metrics need of a deployment: its heading,
 * rings, breakers and every host's outcome, without the hosts' step records and apt output. A
 * deployment still moving is summarised from its record on each call; a finished one at rest
 * (`FinishedSummary`) keeps only this, in columns: a 5,000-host deployment whose record takes
 * ~10-27 MiB of heap is ~100 KiB here. Its whole record is read from disk when a page needs it.
 */
import { z } from 'zod';
import {
  type Deployment,
  deploymentSchema,
  HOST_PHASES,
  type HostState,
  upgradeSchema,
} from './deployment.js';
import { HOST_OUTCOMES, type HostOutcome } from './ports.js';

/** One host of a deployment, as a summary gives it (a live record's HostState is one). */
export type HostRow = Pick<HostState, 'hostId' | 'group' | 'ring' | 'phase' | 'outcome' | 'reason'> & {
  change: Pick<HostState['change'], 'upgrades'>;
};

/** Hosts by outcome; those not ended by whether they moved (`in-progress`) or not (`pending`). */
export type OutcomeCounts = Record<HostOutcome | 'in-progress' | 'pending', number>;

/** A deployment's own fields a summary keeps (all but its plan, policy, approvals and hosts). */
type Heading = Pick<
  Deployment,
  | 'id'
  | 'title'
  | 'createdAt'
  | 'createdBy'
  | 'state'
  | 'note'
  | 'advisories'
  | 'rings'
  | 'breakers'
  | 'haltedUpdates'
>;

export interface DeploymentSummary extends Heading {
  readonly hostCount: number;
  counts(): Readonly<OutcomeCounts>;
  /** Hosts placed in ring `ring`. */
  ringHosts(ring: number): number;
  host(hostId: string): HostRow | undefined;
}

const noCounts = (): OutcomeCounts => ({
  verified: 0,
  'reboot-pending': 0,
  failed: 0,
  unreachable: 0,
  'not-applicable': 0,
  'in-progress': 0,
  pending: 0,
});

const countOf = (h: Pick<HostState, 'outcome' | 'phase'>): keyof OutcomeCounts =>
  h.outcome ?? (h.phase === 'pending' ? 'pending' : 'in-progress');

/** States a deployment does not leave by itself: its record stops changing. */
const FINISHED: ReadonlySet<Deployment['state']> = new Set(['completed', 'cancelled']);

/**
 * Finished, and no host mid-step: nothing will write the record again unless an admin acts
 * (a cancelled deployment's host that was installing finishes its step first).
 */
export const atRest = (d: Deployment): boolean =>
  FINISHED.has(d.state) &&
  d.hosts.every(
    (h) => h.outcome !== undefined || (!h.intent && (h.phase === 'pending' || h.phase === 'queued')),
  );

/** A deployment still moving: read from its record at each call. */
export const liveSummary = (d: Deployment): DeploymentSummary => ({
  id: d.id,
  title: d.title,
  createdAt: d.createdAt,
  createdBy: d.createdBy,
  state: d.state,
  ...(d.note === undefined ? {} : { note: d.note }),
  advisories: d.advisories,
  rings: d.rings,
  breakers: d.breakers,
  haltedUpdates: d.haltedUpdates,
  hostCount: d.hosts.length,
  counts() {
    const counts = noCounts();
    for (const h of d.hosts) counts[countOf(h)]++;
    return counts;
  },
  ringHosts: (ring) => d.hosts.reduce((n, h) => n + (h.ring === ring ? 1 : 0), 0),
  host: (hostId) => d.hosts.find((h) => h.hostId === hostId),
});

/** The outcome column's value for a host that has none (others: index in HOST_OUTCOMES + 1). */
const NO_OUTCOME = 0;
type Upgrades = HostRow['change']['upgrades'];

/** Equal strings as one (host ids across deployments, groups, reasons), across every summary. */
export class Strings {
  private readonly held = new Map<string, string>();
  of(s: string): string {
    const held = this.held.get(s);
    if (held !== undefined) return held;
    this.held.set(s, s);
    return s;
  }
}

/** The index of `key`'s value in `list`, the value added first if `key` is new. */
const slot = <V>(index: Map<string, number>, list: V[], key: string, value: () => V): number => {
  let i = index.get(key);
  if (i === undefined) {
    i = list.push(value()) - 1;
    index.set(key, i);
  }
  return i;
};

/** A column of whole numbers in [0, max], checked in one plain loop (zod per element is ~10x slower). */
const intColumn = (max: number) =>
  z.custom<number[]>(
    (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= max),
    `a list of whole numbers from 0 to ${max}`,
  );

/** A column of strings, checked in one plain loop (a start reads 5,000 ids per deployment). */
const stringColumn = z.custom<string[]>(
  (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  'a list of strings',
);

/** A finished deployment's hosts, one column per field (the saved form's too). */
const columnsSchema = z.object({
  ids: stringColumn,
  groups: stringColumn,
  group: intColumn(0xffff),
  ring: intColumn(2),
  phase: intColumn(HOST_PHASES.length - 1),
  /** Index in HOST_OUTCOMES + 1; 0: none. */
  outcome: intColumn(HOST_OUTCOMES.length),
  reasons: z.array(z.tuple([z.number().int().min(0), z.string()])),
  upgradeLists: z.array(z.array(upgradeSchema)),
  upgrades: intColumn(0xffffffff),
});
type Columns = z.infer<typeof columnsSchema>;

/**
 * A summary as saved beside the records, so a start reads it instead of the whole record: `of`
 * names the record file it was made from (inode, size, change time), and it is used only while that
 * file is the same one. Anything else (damage, a record restored or changed) reads the record.
 */
export const savedSummarySchema = z.object({
  version: z.literal(1),
  of: z.object({ ino: z.number(), size: z.number(), mtimeMs: z.number() }),
  heading: deploymentSchema.pick({
    id: true,
    title: true,
    createdAt: true,
    createdBy: true,
    state: true,
    note: true,
    advisories: true,
    rings: true,
    breakers: true,
    haltedUpdates: true,
  }),
  hosts: columnsSchema,
});
export type SavedSummary = z.infer<typeof savedSummarySchema>;
export type RecordFile = SavedSummary['of'];

const columnsOf = (d: Deployment): Columns => {
  const c: Columns = {
    ids: [],
    groups: [],
    group: [],
    ring: [],
    phase: [],
    outcome: [],
    reasons: [],
    upgradeLists: [],
    upgrades: [],
  };
  const groupIndex = new Map<string, number>();
  const listIndex = new Map<string, number>();
  d.hosts.forEach((h, i) => {
    c.ids.push(h.hostId);
    c.group.push(slot(groupIndex, c.groups, h.group, () => h.group));
    c.ring.push(h.ring);
    c.phase.push(HOST_PHASES.indexOf(h.phase));
    c.outcome.push(h.outcome === undefined ? NO_OUTCOME : HOST_OUTCOMES.indexOf(h.outcome) + 1);
    if (h.reason !== undefined) c.reasons.push([i, h.reason]);
    const key = JSON.stringify(h.change.upgrades);
    c.upgrades.push(slot(listIndex, c.upgradeLists, key, () => h.change.upgrades));
  });
  return c;
};

const badColumns = (c: Columns): string | undefined => {
  const n = c.ids.length;
  if ([c.group, c.ring, c.phase, c.outcome, c.upgrades].some((col) => col.length !== n))
    return 'columns of different lengths';
  if (c.group.some((g) => g >= c.groups.length)) return 'a group index out of range';
  if (c.upgrades.some((u) => u >= c.upgradeLists.length)) return 'an upgrade list index out of range';
  if (c.reasons.some(([i]) => i >= n)) return 'a reason for no host';
  return undefined;
};

/** A finished deployment at rest: one column per host field; equal upgrade lists held once. */
export class FinishedSummary implements DeploymentSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly state: Deployment['state'];
  readonly note?: string;
  readonly advisories: Deployment['advisories'];
  readonly rings: Deployment['rings'];
  readonly breakers: Deployment['breakers'];
  readonly haltedUpdates: Deployment['haltedUpdates'];
  readonly hostCount: number;
  private readonly hostIds: string[];
  private readonly groups: string[];
  private readonly group: Uint16Array;
  private readonly ring: Uint8Array;
  private readonly phase: Uint8Array;
  private readonly outcome: Uint8Array;
  private readonly reasons: Map<number, string>;
  private readonly upgradeLists: Upgrades[];
  private readonly upgrades: Uint32Array;
  private readonly outcomeCounts = noCounts();
  private readonly perRing = [0, 0, 0];

  private constructor(heading: Heading, c: Columns, strings: Strings) {
    this.id = heading.id;
    this.title = heading.title;
    this.createdAt = heading.createdAt;
    this.createdBy = heading.createdBy;
    this.state = heading.state;
    if (heading.note !== undefined) this.note = heading.note;
    this.advisories = heading.advisories;
    this.rings = heading.rings;
    this.breakers = heading.breakers;
    this.haltedUpdates = heading.haltedUpdates;
    this.hostCount = c.ids.length;
    this.hostIds = c.ids.map((id) => strings.of(id));
    this.groups = c.groups.map((g) => strings.of(g));
    this.group = Uint16Array.from(c.group);
    this.ring = Uint8Array.from(c.ring);
    this.phase = Uint8Array.from(c.phase);
    this.outcome = Uint8Array.from(c.outcome);
    this.reasons = new Map(c.reasons.map(([i, r]) => [i, strings.of(r)]));
    this.upgradeLists = c.upgradeLists;
    this.upgrades = Uint32Array.from(c.upgrades);
    for (let i = 0; i < this.hostCount; i++) {
      const o = this.outcome[i]!;
      this.outcomeCounts[
        o === NO_OUTCOME ? countOf({ phase: HOST_PHASES[this.phase[i]!]! }) : HOST_OUTCOMES[o - 1]!
      ]++;
      this.perRing[this.ring[i]!]!++;
    }
  }

  static of(d: Deployment, strings: Strings): FinishedSummary {
    return new FinishedSummary(d, columnsOf(d), strings);
  }

  /** A saved summary, if it is one (valid, and made from `file`); otherwise undefined. */
  static fromSaved(v: unknown, file: RecordFile, strings: Strings): FinishedSummary | undefined {
    const saved = savedSummarySchema.safeParse(v);
    if (!saved.success) return undefined;
    const { of, heading, hosts } = saved.data;
    if (of.ino !== file.ino || of.size !== file.size || of.mtimeMs !== file.mtimeMs) return undefined;
    if (badColumns(hosts)) return undefined;
    return new FinishedSummary(heading, hosts, strings);
  }

  /** The form saved beside the record `file`. */
  saved(file: RecordFile): SavedSummary {
    const heading: Heading = {
      id: this.id,
      title: this.title,
      createdAt: this.createdAt,
      createdBy: this.createdBy,
      state: this.state,
      ...(this.note === undefined ? {} : { note: this.note }),
      advisories: this.advisories,
      rings: this.rings,
      breakers: this.breakers,
      haltedUpdates: this.haltedUpdates,
    };
    const hosts: Columns = {
      ids: this.hostIds,
      groups: this.groups,
      group: [...this.group],
      ring: [...this.ring],
      phase: [...this.phase],
      outcome: [...this.outcome],
      reasons: [...this.reasons],
      upgradeLists: this.upgradeLists,
      upgrades: [...this.upgrades],
    };
    return { version: 1, of: file, heading, hosts };
  }

  counts(): Readonly<OutcomeCounts> {
    return this.outcomeCounts;
  }

  ringHosts(ring: number): number {
    return this.perRing[ring] ?? 0;
  }

  host(hostId: string): HostRow | undefined {
    const i = this.hostIds.indexOf(hostId);
    if (i < 0) return undefined;
    const o = this.outcome[i]!;
    const reason = this.reasons.get(i);
    return {
      hostId: this.hostIds[i]!,
      group: this.groups[this.group[i]!]!,
      ring: this.ring[i]!,
      phase: HOST_PHASES[this.phase[i]!]!,
      ...(o === NO_OUTCOME ? {} : { outcome: HOST_OUTCOMES[o - 1]! }),
      ...(reason === undefined ? {} : { reason }),
      change: { upgrades: this.upgradeLists[this.upgrades[i]!]! },
    };
  }
}
