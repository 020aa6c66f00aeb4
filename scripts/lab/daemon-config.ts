/**
 * The settings that point a Patch Depot daemon running in the appliance namespace at a lab's
 * vendor: its security-tracker feed, its signed apt repository as the cache's upstream (and for a
 * lab with rpm hosts its OSV feed and rpm repository too), and the
 * cache proxy on every address of the appliance namespace, so each managed host is told the
 * appliance's address on its own subnet. Deployment groups (rings) are given by host label.
 */
import type { Lab } from './lab.js';

export interface LabRing {
  name: string;
  ring: number;
  labels: string[];
}

export const labDaemonConfig = (lab: Lab, rings: LabRing[] = []): Record<string, unknown> => {
  const vendor = lab.vendorInfo();
  const rpm = vendor.repo.rpm !== undefined;
  return {
    catalog: {
      feeds: [
        { id: 'lab-vendor', kind: 'debian-tracker', url: vendor.feedUrl },
        ...(rpm ? [{ id: 'lab-vendor-osv', kind: 'osv', url: vendor.osvFeedUrl }] : []),
      ],
    },
    cache: {
      upstreams: [`${vendor.repoUrl}/`, ...(rpm ? [`${vendor.rpmRepoUrl}/`] : [])],
      proxy: { host: '0.0.0.0', port: 3142 },
    },
    deploy: {
      groups: rings.map((r) => ({
        name: r.name,
        ring: r.ring,
        members: r.labels.map((l) => lab.host(l).ip),
      })),
      // A lab shows promotion at once: no day of soak, one verified pilot opens the next ring.
      gate: { soakHours: 0, minVerified: 1 },
    },
  };
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const named = (v: unknown, key: string): unknown => obj(v)[key];

/**
 * The demo's settings file when the lab is built again: what the daemon wrote there since (the
 * settings page saves to it: scopes, windows, a feed added by hand) stays; what points at the lab
 * (its feeds, upstreams, proxy, ring groups) is the lab's of this build. A group or feed the user
 * added under another name stays beside the lab's.
 */
export const mergeLabConfig = (previous: unknown, lab: Json): Json => {
  const before = obj(previous);
  const labFeeds = list(named(lab.catalog, 'feeds'));
  const labFeedIds = new Set(labFeeds.map((f) => named(f, 'id')));
  const labGroups = list(named(lab.deploy, 'groups'));
  const labGroupNames = new Set(labGroups.map((g) => named(g, 'name')));
  const labUpstreams = list(named(lab.cache, 'upstreams'));
  return {
    ...before,
    catalog: {
      ...obj(before.catalog),
      feeds: [
        ...labFeeds,
        ...list(named(before.catalog, 'feeds')).filter((f) => !labFeedIds.has(named(f, 'id'))),
      ],
    },
    cache: {
      ...obj(before.cache),
      upstreams: [...new Set([...labUpstreams, ...list(named(before.cache, 'upstreams'))])],
      proxy: named(lab.cache, 'proxy'),
    },
    deploy: {
      ...obj(lab.deploy),
      ...obj(before.deploy),
      groups: [
        ...labGroups,
        ...list(named(before.deploy, 'groups')).filter((g) => !labGroupNames.has(named(g, 'name'))),
      ],
    },
  };
};
