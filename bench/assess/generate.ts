/**
 * Synthetic but realistic inputs for the assessment benchmark, built from a real package list (a
 * sample of Debian bookworm's Packages index in test/fixtures/assess): a tracker JSON in the real
 * format sized like the full Debian tracker, and host inventories whose versions are the real ones
 * or plausibly older security revisions of them.
 */
import { readFileSync } from 'node:fs';
import type { HostInventory } from '../../daemon/inventory/types.js';
import { Rng } from '../../test/support/prng.js';

export interface RealPackage {
  name: string;
  source: string;
  sourceVersion: string;
  version: string;
  arch: string;
}

export const realPackages = (): RealPackage[] =>
  readFileSync(new URL('../../test/fixtures/assess/bookworm-packages.tsv', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, source, sourceVersion, version, arch] = l.split('\t') as [
        string,
        string,
        string,
        string,
        string,
      ];
      return { name, source, sourceVersion, version, arch };
    });

/** An older Debian revision of `v`: what an unpatched host still runs. */
const older = (v: string, r: Rng): string => {
  const u = /\+deb12u(\d+)$/.exec(v);
  if (u && Number(u[1]) > 1) return v.replace(/\+deb12u\d+$/, `+deb12u${1 + r.int(Number(u[1]) - 1)}`);
  if (u) return v.replace(/\+deb12u\d+$/, '');
  return `${v}~old${r.int(3)}`;
};

/** A version from an earlier upstream release than `v` (epoch kept): fixed long ago. */
const ancient = (v: string, r: Rng): string => {
  const m = /^(\d+:)?(\d+)(.*)$/.exec(v);
  if (!m || Number(m[2]) === 0) return `${m?.[1] ?? ''}0~${r.int(9)}`;
  return `${m[1] ?? ''}${Number(m[2]) - 1}.${r.int(20)}-${1 + r.int(5)}`;
};

/**
 * Tracker JSON shaped like the real one: ~`cves` CVE entries spread over the source packages with
 * a long tail (a few packages such as the kernel carry thousands), each with bookworm, trixie and
 * sid release entries in the real status/urgency vocabulary.
 */
export const trackerJson = (pkgs: RealPackage[], cves: number, seed = 7): string => {
  const r = new Rng(seed);
  const sources = new Map<string, string>();
  for (const p of pkgs) sources.set(p.source, p.sourceVersion);
  const names = [...sources.keys()];
  const doc: Record<string, Record<string, unknown>> = {};
  const urgencies = ['low', 'medium', 'high', 'unimportant', 'not yet assigned', 'medium**', 'low*'];
  for (let i = 0; i < cves; i++) {
    // Zipf-ish: low indexes are picked far more often.
    const name = names[Math.floor(names.length * r.next() ** 3)]!;
    const current = sources.get(name)!;
    const roll = r.next();
    // Most fixes are long past (fixed in an upstream release older than anything installed); some
    // are recent bookworm security revisions that outdated hosts miss. A fully updated host has
    // them all: fixed_version never exceeds the archive's current version.
    const bookworm =
      roll < 0.6
        ? { status: 'resolved', fixed_version: ancient(current, r), urgency: r.pick(urgencies) }
        : roll < 0.7
          ? { status: 'resolved', fixed_version: older(current, r), urgency: r.pick(urgencies) }
          : roll < 0.85
            ? { status: 'resolved', fixed_version: '0', urgency: 'not yet assigned' }
            : { status: 'open', urgency: r.pick(urgencies) };
    const entry = {
      description: `Synthetic issue ${i} in ${name}`,
      scope: r.next() < 0.7 ? 'remote' : 'local',
      releases: {
        bookworm: { ...bookworm, repositories: { bookworm: current } },
        trixie: {
          status: 'resolved',
          fixed_version: `${current.replace(/\+deb12u\d+$/, '')}+b1`,
          urgency: 'medium',
          repositories: {},
        },
        sid: {
          status: 'resolved',
          fixed_version: `${current.replace(/\+deb12u\d+$/, '')}+b1`,
          urgency: 'medium',
          repositories: {},
        },
      },
    };
    const id = `CVE-${2014 + (i % 12)}-${String(10000 + i).padStart(5, '0')}`;
    doc[name] ??= {};
    doc[name][id] = entry;
  }
  return JSON.stringify(doc);
};

/**
 * Host `i` of a fleet with `perHost` packages each: a shared base plus a per-host mix, some of it
 * outdated. Deterministic per index, so hosts can be made one at a time (as the daemon reads them).
 */
/** The id of the `h`th generated host. */
export const makeHostId = (h: number): string => `host-${String(h).padStart(4, '0')}`;

export const hostFactory = (pkgs: RealPackage[], perHost: number, seed = 11) => {
  const base = pkgs.slice(0, Math.floor(perHost * 0.6));
  const pool = pkgs.slice(base.length);
  // Hosts fall into patch cohorts: one fully patched, the others increasingly behind.
  const cohorts = Array.from({ length: 8 }, (_, c) => (c === 0 ? 0 : 0.02 + c * 0.03));
  return (h: number): HostInventory => {
    const r = new Rng(seed * 100_003 + h);
    const staleness = r.pick(cohorts);
    const chosen = new Set(base);
    while (chosen.size < perHost) chosen.add(pool[r.int(pool.length)]!);
    const packages = [...chosen].map((p) => {
      const stale = r.next() < staleness;
      const version = stale ? older(p.version, r) : p.version;
      const sourceVersion = stale ? older(p.sourceVersion, r) : p.sourceVersion;
      return {
        name: p.name,
        version,
        arch: p.arch,
        ...(p.source !== p.name ? { source: p.source } : {}),
        ...(sourceVersion !== version ? { sourceVersion } : {}),
      };
    });
    return {
      hostId: makeHostId(h),
      collectedAt: '2026-11-23T10:00:00.000Z',
      os: {
        id: 'debian',
        versionId: '12',
        codename: 'bookworm',
        prettyName: 'Debian GNU/Linux 12 (bookworm)',
      },
      kernel: '6.1.0-40-amd64',
      packages,
      ecosystem: 'dpkg',
      rebootRequired: r.next() < 0.1,
    };
  };
};
