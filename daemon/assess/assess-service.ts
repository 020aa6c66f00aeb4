/**
 * Site-wide assessment on demand: every host's inventory against the current catalog index,
 * cached until the catalog changes or a collection finishes (both invalidate it), and refreshed in
 * the background once older than `maxAgeMs` (15 min): a safety net for inventories written by
 * another process (the CLI), not the way changes arrive. At 5,000 hosts a refresh is seconds of
 * CPU and a burst of garbage; once a minute it was most of an idle appliance's work. Also the per-advisory view the Patches page lists: which hosts miss what.
 */
import type { CatalogService } from '../catalog/catalog-service.js';
import type { Severity } from '../catalog/model.js';
import type { HostInventory } from '../inventory/types.js';
import { type Clock, dateOf, systemClock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { HealthReporter, Problem } from '../observability/health.js';
import { AssessMemo, assessHost, missingFixesOf, siteCompliance } from './assess.js';
import { type HostIds, packHostIds } from './host-ids.js';
import type { InventorySource } from './ports.js';
import type { FindingGroup, HostAssessment, MissingFix, SiteCompliance } from './types.js';

export interface AdvisoryImpact {
  advisoryId: string;
  feedId: string;
  cves: string[];
  severity: Severity;
  summary: string;
  url?: string | undefined;
  packages: string[];
  /** Ids of the hosts missing this fix (`fixOn` gives the fix on one of them). */
  hosts: HostIds;
  /** Per package: the hosts missing the fix in that package (the `hosts` set itself for one). */
  hostsByPackage: Map<string, HostIds>;
}

export interface SiteAssessment {
  computedAt: string;
  catalogGeneration: number;
  hosts: HostAssessment[];
  compliance: SiteCompliance;
  advisories: AdvisoryImpact[];
  ms: number;
}

export interface AssessServiceOptions {
  catalog: CatalogService;
  inventories: InventorySource;
  log: Logger;
  maxAgeMs?: number;
  clock?: Clock;
}

/** An assessment given up because the service stopped: not a failure, never logged as one. */
export class AssessmentStopped extends Error {
  constructor() {
    super('the assessment was stopped');
  }
}

const NO_HOSTS: HostIds = new Set<string>();

/** An advisory's impact while it is gathered: host indexes, packed once every host is noted. */
interface Gathering {
  impact: AdvisoryImpact;
  hosts: number[];
  byPackage: Map<string, number[]>;
}

const noteHost = (g: Gathering, pkg: string, host: number): void => {
  let list = g.byPackage.get(pkg);
  if (!list) {
    g.impact.packages.push(pkg);
    list = [];
    g.byPackage.set(pkg, list);
  }
  list.push(host);
  g.hosts.push(host);
};

const packImpact = (g: Gathering, ids: readonly string[]): AdvisoryImpact => {
  const imp = g.impact;
  imp.hosts = packHostIds(ids, g.hosts);
  // One package (nearly every advisory): its hosts are the advisory's, one set for both.
  for (const [pkg, list] of g.byPackage)
    imp.hostsByPackage.set(pkg, g.byPackage.size === 1 ? imp.hosts : packHostIds(ids, list));
  return imp;
};

/**
 * Which hosts miss what, per advisory. Hosts share finding groups (a fleet runs the same versions),
 * so each group's fixes are walked once with every host that has it.
 */
export const impactByAdvisory = (hosts: HostAssessment[]): AdvisoryImpact[] => {
  const map = new Map<string, Gathering>();
  const impactOf = (m: MissingFix): Gathering => {
    const key = `${m.feedId}\0${m.advisoryId}`;
    let g = map.get(key);
    if (!g) {
      const { advisoryId, feedId, cves, severity, summary, url } = m;
      const impact: AdvisoryImpact = {
        advisoryId,
        feedId,
        cves,
        severity,
        summary,
        url,
        packages: [],
        hosts: NO_HOSTS,
        hostsByPackage: new Map(),
      };
      g = { impact, hosts: [], byPackage: new Map() };
      map.set(key, g);
    }
    return g;
  };
  const byGroup = new Map<FindingGroup, number[]>();
  hosts.forEach((h, i) => {
    for (const m of h.findings.own) noteHost(impactOf(m), m.package, i);
    for (const g of h.findings.groups) {
      const list = byGroup.get(g);
      if (list) list.push(i);
      else byGroup.set(g, [i]);
    }
  });
  for (const [g, list] of byGroup)
    for (const m of g.fixes) {
      const imp = impactOf(m);
      for (const i of list) noteHost(imp, m.package, i);
    }
  const ids = hosts.map((h) => h.hostId);
  return Array.from(map.values(), (g) => packImpact(g, ids));
};

/** The fix for one advisory on one host, as its missing fixes list it (undefined when none). */
export const fixOn = (h: HostAssessment, feedId: string, advisoryId: string): MissingFix | undefined =>
  missingFixesOf(h).findLast((m) => m.feedId === feedId && m.advisoryId === advisoryId);

const DEFAULT_MAX_AGE_MS = 15 * 60_000;
/** Inventories read ahead of the host being assessed. */
const READS_AHEAD = 4;

/** A computation and the state it is of (`stateKey`): the one it started from, once started. */
interface Computing {
  key: string;
  started: boolean;
  promise: Promise<SiteAssessment>;
}

/**
 * How long a page (Dashboard, Patches) waits for a reassessment before it shows the last result
 * instead, marked as being reassessed: the pages agree on a small site, and a 5,000-host one is
 * not held for the seconds a reassessment takes.
 */
export const PAGE_WAIT_MS = 2_000;

export class AssessService implements HealthReporter {
  readonly name = 'assess';
  private cached: SiteAssessment | undefined;
  /** The newest result, kept when `cached` is invalidated. */
  private last: SiteAssessment | undefined;
  /** The newest computation, running or waiting for the one before it to end. */
  private computing: Computing | undefined;
  /** The last computation failed (cleared by the next that succeeds), with the state it read. */
  private failure: { at: string; message: string; key: string } | undefined;
  /** Bumped by `invalidate`: a result computed from before it is not the current one. */
  private epoch = 0;
  private readonly clock: Clock;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(site: SiteAssessment) => void>();
  /** Set by stop(): a running computation gives up at its next host (5,000 hosts take seconds). */
  private stopped = false;

  constructor(private readonly opts: AssessServiceOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  async start(): Promise<void> {
    // A new catalog makes the old result wrong, not just old: recompute in the background now so
    // the next page load finds it ready.
    this.unsubscribe = this.opts.catalog.onChange(() => {
      this.invalidate();
      this.refresh();
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopped = true;
    await this.computing?.promise.catch(() => {});
  }

  /** Called with every new result (the reports record history from it); returns an unsubscribe. */
  onComputed(fn: (site: SiteAssessment) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The last result, without computing one (for /metrics: a scrape never starts an assessment). */
  latest(): SiteAssessment | undefined {
    return this.last;
  }

  /**
   * The last assessment of the current state failed and none has succeeded since: pages say so
   * instead of "Assessing…" for ever. A collection or a feed sync changes the state (and a new run
   * is tried), which ends this until that one fails too.
   */
  failed(): { at: string; message: string } | undefined {
    const f = this.failure;
    return f && f.key === this.stateKey() && !this.computing ? { at: f.at, message: f.message } : undefined;
  }

  /** A failed assessment makes the appliance degraded: its figures are no longer current. */
  health(): Problem[] {
    const f = this.failed();
    return f
      ? [{ source: 'assess', message: `the assessment of the hosts failed at ${f.at}: ${f.message}` }]
      : [];
  }

  /** Forget the cached result (after a collection or a catalog change). */
  invalidate(): void {
    this.epoch++;
    this.cached = undefined;
  }

  /**
   * The site assessment. A result for the current catalog is returned at once even when older
   * than `maxAgeMs` (its `computedAt` says how old), and a fresh one is computed in the background
   * for the next caller: on a 5,000-host site nobody waits seconds for a page. Only a missing or
   * outdated-catalog result is awaited.
   */
  async current(): Promise<SiteAssessment> {
    const index = this.opts.catalog.index();
    const cached = this.cached;
    if (cached && cached.catalogGeneration === index.generation) {
      if (
        this.clock.now() - new Date(cached.computedAt).getTime() >=
        (this.opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS)
      ) {
        this.refresh();
      }
      return cached;
    }
    return this.run();
  }

  /**
   * For pages: the current result if it is ready within `waitMs`; else the last one, marked
   * stale (it is for an older catalog, or none was computed yet), while the new one finishes in
   * the background. A small site never sees a stale page; a 5,000-host one is not held for the
   * seconds a reassessment takes after a feed sync. Undefined: there never was a result.
   */
  async currentWithin(waitMs: number): Promise<{ site: SiteAssessment; stale: boolean } | undefined> {
    const next = this.current();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    // A failure is logged and the page shows the last result with it (see `failed`).
    const settled = next.catch((err: unknown) => {
      this.logFailure(err);
      return undefined;
    });
    const site = await Promise.race([settled, late]).finally(() => clearTimeout(timer));
    if (site && site === this.cached) return { site, stale: false };
    if (site) {
      // Done, but a collection or a feed sync landed while it ran: not the current figures. The
      // next assessment starts (the page's poll only reads `latest()`), and the page says so.
      this.refresh();
      return { site, stale: true };
    }
    return this.last && { site: this.last, stale: true };
  }

  /** What a result must have been computed from to be current: the catalog and the inventories. */
  private stateKey(): string {
    return `${this.opts.catalog.index().generation}/${this.epoch}`;
  }

  /**
   * A computation of the current state: the one running if it started from it, else a new one.
   * One started before a catalog change or a collection is not awaited as current (its result
   * would be stale at once); the new one starts when it ends, so two never run at once. One
   * waiting to start reads the state when it starts, so it serves any later state too: collections
   * landing during a long run queue one more run, not one each.
   */
  private run(): Promise<SiteAssessment> {
    const key = this.stateKey();
    const running = this.computing;
    if (running?.key === key) return running.promise;
    if (running && !running.started) {
      running.key = key;
      return running.promise;
    }
    // The callbacks run later, once `entry` is set.
    const promise = (running?.promise.catch(() => {}) ?? Promise.resolve())
      .then(() => {
        entry.started = true;
        entry.key = this.stateKey();
        return this.compute();
      })
      .then(
        (site) => {
          this.failure = undefined;
          return site;
        },
        (err: unknown) => {
          if (err instanceof AssessmentStopped) throw err;
          const message = err instanceof Error ? err.message : String(err);
          this.failure = { at: dateOf(this.clock).toISOString(), message, key: entry.key };
          throw err;
        },
      )
      .finally(() => {
        if (this.computing === entry) this.computing = undefined;
      });
    const entry: Computing = { key, started: false, promise };
    this.computing = entry;
    return promise;
  }

  /** Compute the current state in the background (joining a computation of it already running). */
  refresh(): void {
    this.run().catch((err: unknown) => this.logFailure(err));
  }

  private logFailure(err: unknown): void {
    if (!(err instanceof AssessmentStopped)) this.opts.log.error('assessment failed', { err });
  }

  async host(hostId: string): Promise<HostAssessment | undefined> {
    return (await this.current()).hosts.find((h) => h.hostId === hostId);
  }

  /** The inventory behind a host's assessment (installed packages for the host page). */
  inventory(hostId: string): Promise<HostInventory | undefined> {
    return this.opts.inventories.get(hostId);
  }

  private async compute(): Promise<SiteAssessment> {
    const t0 = performance.now();
    const key = this.stateKey();
    const index = this.opts.catalog.index();
    // The memo lives for one computation: kept between them it held 14 MB at 5,000 hosts (the
    // site's package table and per-release entries) to save little: each run reads and interns
    // every inventory again anyway. The finding groups the results share do not refer to it.
    const memo = new AssessMemo(index.generation);
    const hosts: HostAssessment[] = [];
    // A few reads in flight while one host is assessed: each read waits on the thread pool
    // (open, stat, read, close) more than it works, and hosts are assessed in order.
    const ids = await this.opts.inventories.ids();
    const reads: (Promise<HostInventory | undefined> | undefined)[] = [];
    const read = (i: number) => {
      if (i < ids.length) reads[i] = this.opts.inventories.get(ids[i]!);
    };
    for (let i = 0; i < READS_AHEAD; i++) read(i);
    for (let i = 0; i < ids.length; i++) {
      const inv = await reads[i];
      if (this.stopped) throw new AssessmentStopped();
      reads[i] = undefined;
      read(i + READS_AHEAD);
      if (inv) hosts.push(assessHost(inv, index, memo));
    }
    index.forgetMade();
    const result: SiteAssessment = {
      computedAt: dateOf(this.clock).toISOString(),
      catalogGeneration: index.generation,
      hosts,
      compliance: siteCompliance(hosts),
      advisories: impactByAdvisory(hosts),
      ms: Math.round(performance.now() - t0),
    };
    // Kept as current only if nothing changed meanwhile; the next caller computes again otherwise.
    if (this.stateKey() === key) this.cached = result;
    this.last = result;
    for (const fn of this.listeners) {
      try {
        fn(result);
      } catch (err) {
        this.opts.log.error('an assessment listener failed', { err });
      }
    }
    this.opts.log.debug('assessment computed', {
      hosts: hosts.length,
      ms: result.ms,
      missing: result.compliance.missingFixes,
    });
    return result;
  }
}
