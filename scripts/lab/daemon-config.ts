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
