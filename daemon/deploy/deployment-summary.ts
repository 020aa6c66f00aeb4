/**
 * What the lists, the host page, the reports and the metrics need of a deployment: its heading,
 * rings, breakers and every host's outcome, without the hosts' step records and apt output. A
 * deployment still moving is summarised from its record on each call; a finished one at rest
 * (`FinishedSummary`) keeps only this, in columns: a 5,000-host deployment whose record takes
 * ~10-27 MiB of heap is ~100 KiB here. Its whole record is read from disk when a page needs it.
 */
import { type Deployment, HOST_PHASES, type HostState } from './deployment.js';
import { HOST_OUTCOMES, type HostOutcome } from './ports.js';

/** One host of a deployment, as a summary gives it (a live record's HostState is one). */
export type HostRow = Pick<HostState, 'hostId' | 'group' | 'ring' | 'phase' | 'outcome' | 'reason'> & {
  change: Pick<HostState['change'], 'upgrades'>;
};

/** Hosts by outcome; those not ended by whether they moved (`in-progress`) or not (`pending`). */
export type OutcomeCounts = Record<HostOutcome | 'in-progress' | 'pending', number>;

export interface DeploymentSummary
  extends Pick<
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
  > {
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
  private readonly groups: string[] = [];
  private readonly group: Uint16Array;
  private readonly ring: Uint8Array;
  private readonly phase: Uint8Array;
  /** Index in HOST_OUTCOMES + 1; 0: none. */
  private readonly outcome: Uint8Array;
  private readonly reasons = new Map<number, string>();
  private readonly upgradeLists: Upgrades[] = [];
  private readonly upgrades: Uint32Array;
  private readonly outcomeCounts = noCounts();
  private readonly perRing = [0, 0, 0];

  constructor(d: Deployment, strings: Strings) {
    this.id = d.id;
    this.title = d.title;
    this.createdAt = d.createdAt;
    this.createdBy = d.createdBy;
    this.state = d.state;
    if (d.note !== undefined) this.note = d.note;
    this.advisories = d.advisories;
    this.rings = d.rings;
    this.breakers = d.breakers;
    this.haltedUpdates = d.haltedUpdates;
    const n = d.hosts.length;
    this.hostCount = n;
    this.hostIds = new Array<string>(n);
    this.group = new Uint16Array(n);
    this.ring = new Uint8Array(n);
    this.phase = new Uint8Array(n);
    this.outcome = new Uint8Array(n);
    this.upgrades = new Uint32Array(n);
    const groupIndex = new Map<string, number>();
    const listIndex = new Map<string, number>();
    d.hosts.forEach((h, i) => {
      this.hostIds[i] = strings.of(h.hostId);
      this.group[i] = slot(groupIndex, this.groups, h.group, () => strings.of(h.group));
      this.ring[i] = h.ring;
      this.phase[i] = HOST_PHASES.indexOf(h.phase);
      this.outcome[i] = h.outcome === undefined ? NO_OUTCOME : HOST_OUTCOMES.indexOf(h.outcome) + 1;
      if (h.reason !== undefined) this.reasons.set(i, strings.of(h.reason));
      const key = JSON.stringify(h.change.upgrades);
      this.upgrades[i] = slot(listIndex, this.upgradeLists, key, () => h.change.upgrades);
      this.outcomeCounts[countOf(h)]++;
      this.perRing[h.ring] = (this.perRing[h.ring] ?? 0) + 1;
    });
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
